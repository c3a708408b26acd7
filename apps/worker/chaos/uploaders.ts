import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

async function processGroupOf(pid: number): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces: count the fields after its closing parenthesis.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return null;
  }
}

interface Socket {
  recvQ: number;
  sendQ: number;
  localPort: number;
  peerPort: number;
  pid: number | null;
}

function parse(line: string): Socket | null {
  const fields = line.trim().split(/\s+/);
  if (fields.length < 4) return null;
  const port = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));
  const pid = /pid=(\d+)/.exec(line)?.[1];
  return {
    recvQ: Number(fields[0]),
    sendQ: Number(fields[1]),
    localPort: port(fields[2] ?? ''),
    peerPort: port(fields[3] ?? ''),
    pid: pid ? Number(pid) : null,
  };
}

/**
 * The process groups that are sending a request body to the sandbox right now: a connection
 * to the sandbox's port with body bytes on their way, queued in the client's send queue or
 * waiting in the sandbox's receive queue (the sandbox holds each request for its latency
 * before reading the body, so a chunk sits there that long). Linux only (`ss` of iproute2);
 * the harness kills these to time a crash into an upload.
 */
export async function groupsUploadingTo(port: number): Promise<Set<number>> {
  const { stdout } = await promisify(execFile)('ss', [
    '-tnpH',
    'state',
    'established',
    `( dport = :${port} or sport = :${port} )`,
  ]);
  const sockets = stdout
    .split('\n')
    .map(parse)
    .filter((s): s is Socket => s !== null);
  // The sandbox's end of each connection, by the client's port.
  const serverEnds = new Map(
    sockets.filter((s) => s.localPort === port).map((s) => [s.peerPort, s]),
  );
  const groups = new Set<number>();
  for (const client of sockets) {
    if (client.localPort === port || client.pid === null) continue;
    const backlog = client.sendQ + (serverEnds.get(client.localPort)?.recvQ ?? 0);
    // More than a request's headers: a body is on its way.
    if (backlog < 64 * 1024) continue;
    const group = await processGroupOf(client.pid);
    if (group !== null) groups.add(group);
  }
  return groups;
}
