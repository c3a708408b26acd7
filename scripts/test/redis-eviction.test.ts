// The API and the worker refuse a Redis that may evict keys (docs/architecture.md, Redis in
// production), and start with a warning when REDIS_ALLOW_EVICTION=true says so.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, freePort, waitUntil } from '@tiktok-fleet/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const { url: databaseUrl } = await createTestDatabase();
const mediaRoot = await mkdtemp(path.join(tmpdir(), 'tf-eviction-'));

// A Redis of this file's own, set to evict: the machine's Redis is never reconfigured.
let redis: ChildProcess;
let redisUrl = '';
beforeAll(async () => {
  const port = await freePort();
  // biome-ignore format: option and value side by side read better
  redis = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru',
  ], { stdio: 'ignore' });
  redisUrl = `redis://127.0.0.1:${port}`;
  await waitUntil(() => fetchable(port), { what: 'the evicting redis-server to listen' });
});
const started: ChildProcess[] = [];
afterAll(async () => {
  // Whatever a failed test left running.
  // tsx runs the app in a child process of its own: end the whole group.
  for (const child of started) {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }
  redis?.kill('SIGTERM');
  await rm(mediaRoot, { recursive: true, force: true });
});

async function fetchable(port: number): Promise<boolean> {
  const { createConnection } = await import('node:net');
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const apps = {
  api: { main: 'apps/api/src/main.ts', portVariable: 'PORT' },
  worker: { main: 'apps/worker/src/main.ts', portVariable: 'WORKER_METRICS_PORT' },
} as const;

async function start(app: keyof typeof apps, extra: Record<string, string> = {}) {
  const port = await freePort();
  const child = spawn(tsx, [apps[app].main], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      TIKTOK_CLIENT_KEY: 'eviction-test-key',
      TIKTOK_CLIENT_SECRET: 'eviction-test-secret',
      TIKTOK_API_BASE_URL: 'http://127.0.0.1:1',
      TIKTOK_AUTH_URL: 'http://127.0.0.1:1/v2/auth/authorize/',
      HOST: '127.0.0.1',
      [apps[app].portVariable]: String(port),
      REDIS_URL: redisUrl,
      REDIS_PREFIX: `{tf-eviction-${randomBytes(3).toString('hex')}}`,
      DATABASE_URL: databaseUrl,
      TOKEN_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
      CALLBACK_SIGNING_SECRET: randomBytes(24).toString('hex'),
      MEDIA_ROOT: mediaRoot,
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.push(child);
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, port, exited, output: () => output };
}

describe.each(Object.keys(apps) as Array<keyof typeof apps>)('%s', (app) => {
  test('refuses to start on a Redis whose maxmemory-policy evicts keys, saying how to fix it', async () => {
    const { exited, output } = await start(app);
    expect(await exited).toBe(1);
    // One line of ours, no stack (BullMQ's own "IMPORTANT! Eviction policy" warnings may
    // come before it).
    const ours = output()
      .split('\n')
      .filter((line) => line.startsWith('tiktok-fleet '));
    expect(ours).toHaveLength(1);
    expect(ours[0]).toContain(`tiktok-fleet ${app}: Redis may evict keys`);
    expect(ours[0]).toContain('allkeys-lru');
    expect(ours[0]).toContain('maxmemory-policy noeviction');
    expect(ours[0]).toContain('REDIS_ALLOW_EVICTION=true');
    expect(output()).not.toMatch(/^\s+at /m);
  }, 30_000);

  test('starts with REDIS_ALLOW_EVICTION=true, warning about it in the log', async () => {
    const process = await start(app, { REDIS_ALLOW_EVICTION: 'true' });
    try {
      await waitUntil(
        () =>
          fetch(`http://127.0.0.1:${process.port}/readyz`).then(
            (r) => r.status === 200,
            () => false,
          ),
        { timeoutMs: 25_000, intervalMs: 100, what: `${app} ready`, describe: process.output },
      );
      const warning = process
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: number; msg: string })
        .find((record) => record.msg.includes('REDIS_ALLOW_EVICTION=true: starting anyway'));
      expect(warning?.level).toBe(40);
      expect(warning?.msg).toContain('allkeys-lru');
    } finally {
      process.child.kill('SIGTERM');
      await process.exited;
    }
  }, 30_000);
});
