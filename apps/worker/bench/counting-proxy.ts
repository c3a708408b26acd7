import { createServer, type Socket, connect as tcpConnect } from 'node:net';

/**
 * A TCP relay that counts what its clients send: PostgreSQL statements (a simple Query, or
 * an Execute of the extended protocol, by the statement's first word) or Redis commands (by
 * name, each command of a pipeline or MULTI counted). The benchmarks put it between the
 * fleet's processes and the real PostgreSQL and Redis, so the figures are counted, not
 * estimated, and the benchmark's own reads (direct connections) are not among them.
 */
export async function startCountingProxy(
  target: { host: string; port: number },
  kind: 'pg' | 'redis',
  options: { scriptNames?: Map<string, string> } = {},
) {
  const counts = new Map<string, number>();
  // What each counted thing was (the statement's text, the command and its first key), so a
  // run can say where its statements come from (BENCH_DETAIL=1 in pipeline.ts).
  const details = new Map<string, number>();
  const count = (name: string, detail?: string) => {
    counts.set(name, (counts.get(name) ?? 0) + 1);
    const key = detail ? `${name} ${detail}` : name;
    details.set(key, (details.get(key) ?? 0) + 1);
  };
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = tcpConnect(target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    const parse =
      kind === 'pg' ? pgParser(count) : redisParser(count, options.scriptNames ?? new Map());
    client.on('data', parse);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    counts,
    details,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    reset: () => {
      counts.clear();
      details.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const firstWord = (sql: string) => {
  const word = /^\s*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? '?';
  return word === 'WITH' ? 'WITH (CTE)' : word;
};

const cString = (buf: Buffer, at: number): [string, number] => {
  const end = buf.indexOf(0, at);
  return [buf.toString('utf8', at, end), end + 1];
};

/** The frontend side of PostgreSQL's protocol (v3): startup, then typed messages. */
const sqlText = (sql: string) => sql.replace(/\s+/g, ' ').trim().slice(0, 160);

function pgParser(count: (name: string, detail?: string) => void) {
  let pending = Buffer.alloc(0);
  let startup = true;
  const statements = new Map<string, string>();
  const portals = new Map<string, string>();
  return (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      if (startup) {
        if (pending.length < 8) return;
        const length = pending.readUInt32BE(0);
        if (pending.length < length) return;
        const code = pending.readUInt32BE(4);
        // SSLRequest / GSSENCRequest come before the real startup message.
        if (code !== 80877103 && code !== 80877104) startup = false;
        pending = pending.subarray(length);
        continue;
      }
      if (pending.length < 5) return;
      const type = String.fromCharCode(pending[0] as number);
      const length = pending.readUInt32BE(1);
      if (pending.length < 1 + length) return;
      const body = pending.subarray(5, 1 + length);
      if (type === 'Q') {
        const sql = cString(body, 0)[0];
        count(firstWord(sql), sqlText(sql));
      } else if (type === 'P') {
        const [name, next] = cString(body, 0);
        statements.set(name, cString(body, next)[0]);
      } else if (type === 'B') {
        const [portal, next] = cString(body, 0);
        portals.set(portal, statements.get(cString(body, next)[0]) ?? '?');
      } else if (type === 'E') {
        const sql = portals.get(cString(body, 0)[0]) ?? '?';
        count(firstWord(sql), sqlText(sql));
      }
      pending = pending.subarray(1 + length);
    }
  };
}

/** RESP from a client: arrays of bulk strings, the first naming the command. */
function redisParser(
  count: (name: string, detail?: string) => void,
  scriptNames: Map<string, string>,
) {
  let pending = Buffer.alloc(0);
  // A key without the prefix and with ids folded, so one kind of key is one line.
  const keyOf = (key = '') =>
    key
      .replace(/^\{[^}]*\}:?/, '')
      .replace(/(post|acc)_[A-Za-z0-9]+/g, '$1_*')
      .replace(/\b\d{6,}\b/g, 'N')
      .replace(/[0-9a-f]{40,}/g, 'H');
  return (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      const parsed = parseCommand(pending);
      if (!parsed) return;
      const [a1, , a3] = parsed.args;
      const detail =
        parsed.name === 'EVALSHA'
          ? `${scriptNames.get(a1 ?? '') ?? a1?.slice(0, 8)} ${keyOf(a3)}`
          : parsed.name === 'EVAL'
            ? `${a1?.split('\n')[1]?.trim().slice(0, 40)} ${keyOf(a3)}`
            : keyOf(a1);
      count(parsed.name, detail);
      pending = pending.subarray(parsed.end);
    }
  };
}

function parseCommand(buf: Buffer): { name: string; args: string[]; end: number } | undefined {
  let at = buf.indexOf('\r\n');
  if (at < 0) return undefined;
  if (buf[0] !== 0x2a /* '*' */) {
    // An inline command: one line.
    const words = buf.toString('utf8', 0, at).split(' ');
    return { name: words[0]?.toUpperCase() ?? '?', args: words.slice(1), end: at + 2 };
  }
  const items = Number(buf.toString('utf8', 1, at));
  let pos = at + 2;
  let name = '?';
  const args: string[] = [];
  for (let i = 0; i < items; i++) {
    at = buf.indexOf('\r\n', pos);
    if (at < 0) return undefined;
    const length = Number(buf.toString('utf8', pos + 1, at));
    const start = at + 2;
    if (buf.length < start + length + 2) return undefined;
    if (i === 0) name = buf.toString('utf8', start, start + length).toUpperCase();
    else if (i <= 3) args.push(buf.toString('utf8', start, start + Math.min(length, 400)));
    pos = start + length + 2;
  }
  return { name, args, end: pos };
}
