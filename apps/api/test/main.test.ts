import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, createTestRedisPrefix } from '@tiktok-fleet/testing';
import { startSandbox } from '@tiktok-fleet/tiktok-sandbox';
import { afterAll, describe, expect, test } from 'vitest';
import { apiMain, apiProcessEnv, tsx } from './support/api-process';

const [{ url: databaseUrl }, sandbox, mediaRoot] = await Promise.all([
  createTestDatabase(),
  startSandbox({ port: 0 }),
  mkdtemp(path.join(tmpdir(), 'tf-api-main-')),
]);
const prefix = createTestRedisPrefix('api-main');
afterAll(async () => {
  await sandbox.close();
  await rm(mediaRoot, { recursive: true, force: true });
});

const key = `tfk_main_${randomBytes(16).toString('hex')}`;
const port = 20_000 + Math.floor(Math.random() * 20_000);

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...apiProcessEnv({
      sandbox,
      port,
      prefix,
      databaseUrl,
      encryptionKey: `k1:${randomBytes(32).toString('base64')}`,
      apiKeys: `main-owner:${key}`,
      mediaRoot: path.join(mediaRoot, 'media'),
    }),
    ...extra,
  };
}

function run(extra: Record<string, string> = {}) {
  const child = spawn(tsx, [apiMain], { env: env(extra), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  child.stdout?.resume();
  return { child, stderr: () => stderr };
}

async function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = await once(child, 'exit');
  return code as number | null;
}

describe('main.ts', () => {
  test('starts, seeds API_KEYS (idempotently), serves, and exits 0 on SIGTERM', async () => {
    for (let round = 0; round < 2; round++) {
      const { child, stderr } = run();
      try {
        await expect
          .poll(
            async () =>
              fetch(`http://127.0.0.1:${port}/readyz`)
                .then((r) => r.status)
                .catch(() => 0),
            // A cold tsx start on a busy 2-core CI machine has passed 20 s.
            { timeout: 45_000, interval: 200 },
          )
          .toBe(200);
        const accounts = await fetch(`http://127.0.0.1:${port}/v1/accounts`, {
          headers: { authorization: `Bearer ${key}` },
        });
        expect(accounts.status).toBe(200);
        child.kill('SIGTERM');
        expect(await exited(child)).toBe(0);
        expect(stderr()).toBe('');
      } finally {
        child.kill('SIGKILL');
      }
    }
  }, 120_000);

  test('a bad variable stops it with one line naming it', async () => {
    const { child, stderr } = run({ TOKEN_ENCRYPTION_KEY: 'nope' });
    expect(await exited(child)).toBe(78);
    const lines = stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('TOKEN_ENCRYPTION_KEY');
  }, 30_000);

  test('an unreachable database stops it with one line, no stack', async () => {
    const { child, stderr } = run({ DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' });
    expect(await exited(child)).toBe(1);
    const lines = stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tiktok-fleet api: cannot reach PostgreSQL/);
  }, 30_000);
});
