import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: bound, then released. For a server
 * whose address must be known before it starts (BACKEND_URL, the OAuth redirect URI), and,
 * left unused, for a port nothing answers on.
 *
 * The port is drawn at random from below the kernel's ephemeral range, never from port 0:
 * with test files running side by side, a port the kernel handed out for port 0 is soon
 * handed out again (to another file's `listen(0)` or as the local end of an outgoing
 * connection) before its server here listens on it (EADDRINUSE). Below the range only another
 * freePort can pick it, one chance in thousands.
 */
export async function freePort(): Promise<number> {
  const [low, high] = candidateRange();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = randomInt(low, high);
    if (await bindable(port)) return port;
  }
  throw new Error(`No free TCP port on 127.0.0.1 between ${low} and ${high} after 50 tries.`);
}

/** [low, high): 20000 up to the ephemeral range's start, or a fixed range where it is unknown. */
function candidateRange(): [number, number] {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (start !== undefined && start > 21_000) return [20_000, start];
  } catch {
    // Not Linux: fall through.
  }
  return [20_000, 30_000];
}

function bindable(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
