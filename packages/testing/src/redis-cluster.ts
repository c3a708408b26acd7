import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports';

const run = promisify(execFile);

/** A real Redis Cluster of three masters (no replicas) on free local ports. */
export interface LocalRedisCluster {
  /** `redis+cluster://127.0.0.1:<port>,...`: the form REDIS_URL takes for a cluster. */
  url: string;
  ports: number[];
  /**
   * Keys on any node that do not start with a `{hash tag}`: such a key of the fleet could land
   * in another slot than its queue's or account's, where a script touching both fails with
   * CROSSSLOT.
   */
  strayKeys: () => Promise<string[]>;
  stop: () => Promise<void>;
}

const MASTERS = 3;

/**
 * Starts three `redis-server --cluster-enabled yes` on free ports (each with its bus on another
 * free port, `cluster-port`), joins them with `redis-cli --cluster create --cluster-replicas 0`
 * and waits until every node reports `cluster_state:ok`. No persistence: the data dies with it.
 */
export async function startRedisCluster(): Promise<LocalRedisCluster> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tiktok-fleet-cluster-'));
  const servers: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async () => {
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            if (server.exitCode !== null || server.signalCode !== null) return resolve();
            server.once('exit', () => resolve());
            server.kill('SIGTERM');
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < MASTERS; i++) {
      const port = await freePort();
      const busPort = await freePort();
      ports.push(port);
      // biome-ignore format: option and value side by side read better
      const server = spawn('redis-server', [
        '--port', String(port), '--cluster-port', String(busPort),
        '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
        '--cluster-config-file', path.join(dir, `nodes-${port}.conf`),
        '--dir', dir, '--save', '', '--appendonly', 'no',
        '--maxmemory-policy', 'noeviction',
      ], { stdio: 'ignore' });
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('spawn', resolve);
        server.once('error', (error) =>
          reject(new Error(`redis-server could not start (is it installed?): ${error.message}`)),
        );
      });
    }
    await Promise.all(ports.map((port) => untilAnswers(port, 'PING', /PONG/)));
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await Promise.all(ports.map((port) => untilAnswers(port, 'CLUSTER INFO', /cluster_state:ok/)));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(',')}`,
    ports,
    strayKeys: async () => {
      const stray: string[] = [];
      for (const port of ports) {
        const { stdout } = await run('redis-cli', ['-p', String(port), '--scan']);
        stray.push(...stdout.split('\n').filter((key) => key !== '' && !/^\{[^{}]+\}/.test(key)));
      }
      return stray;
    },
    stop,
  };
}

async function untilAnswers(port: number, command: string, expected: RegExp): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answer = await run('redis-cli', ['-p', String(port), ...command.split(' ')]).then(
      ({ stdout }) => stdout,
      () => '',
    );
    if (expected.test(answer)) return;
    if (Date.now() > deadline) {
      throw new Error(`Redis on port ${port} did not answer ${command} with ${expected}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
