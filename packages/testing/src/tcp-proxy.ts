import { createServer, type Socket, connect as tcpConnect } from 'node:net';

/**
 * A TCP relay in front of a real Redis that a test can cut and restore: the way to see what
 * a producer does while Redis is unreachable, without stopping the Redis other files use.
 */
export async function startTcpProxy(target: string) {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let up = true;
  let trap: { match: (chunk: Buffer) => boolean; held: (release: () => void) => void } | null =
    null;
  const server = createServer((client) => {
    if (!up) return client.destroy();
    const upstream = tcpConnect({ host: hostname, port: Number(port || 6379) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    // What this client sent while held, in order; null when it is not held.
    let queue: Buffer[] | null = null;
    const forward = (chunk: Buffer) => {
      if (!upstream.write(chunk)) client.pause();
    };
    upstream.on('drain', () => client.resume());
    client.on('data', (chunk: Buffer) => {
      if (queue) return void queue.push(chunk);
      const armed = trap;
      if (armed?.match(chunk)) {
        trap = null;
        queue = [chunk];
        armed.held(() => {
          const sent = queue ?? [];
          queue = null;
          for (const c of sent) forward(c);
        });
        return;
      }
      forward(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');
  return {
    url: `redis://127.0.0.1:${address.port}`,
    /** Drops every connection and refuses new ones. */
    cut() {
      up = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      up = true;
    },
    /**
     * Holds the first connection that sends bytes `match` accepts: those bytes and all it
     * sends after wait in the relay (its replies stop) until `release`, which the promise
     * gives once it holds. The other connections go on. For "this process is stuck between
     * two commands" without a timer.
     */
    holdWhen(match: (chunk: Buffer) => boolean): Promise<() => void> {
      return new Promise((held) => {
        trap = { match, held };
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
