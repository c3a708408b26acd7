import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, createTestRedisPrefix, freePort } from '@tiktok-fleet/testing';
import { startSandbox } from '@tiktok-fleet/tiktok-sandbox';
import { afterAll, expect, test } from 'vitest';
import { apiMain, apiProcessEnv, tsx } from './support/api-process';

// Two API processes (apps/api/src/main.ts, as deployed) on one Redis, then a restart: the
// Research budget is the fleet's, not a process's. A budget of 5 keeps it quick.
const [{ url: databaseUrl }, sandbox, mediaRoot, portA, portB] = await Promise.all([
  createTestDatabase(),
  startSandbox({ port: 0 }),
  mkdtemp(path.join(tmpdir(), 'tf-research-')),
  freePort(),
  freePort(),
]);
const prefix = createTestRedisPrefix('research-procs');
const key = `tfk_research_${randomBytes(16).toString('hex')}`;
const encryptionKey = `k1:${randomBytes(32).toString('base64')}`;
const children: ChildProcess[] = [];
afterAll(async () => {
  // SIGTERM, which tsx passes on to the API: a SIGKILL would kill tsx and orphan the API.
  await Promise.all(children.map(stop));
  await sandbox.close();
  await rm(mediaRoot, { recursive: true, force: true });
});

async function startApiProcess(port: number): Promise<ChildProcess> {
  const child = spawn(tsx, [apiMain], {
    env: {
      ...apiProcessEnv({
        sandbox,
        port,
        prefix,
        databaseUrl,
        encryptionKey,
        apiKeys: `operator:${key}`,
        mediaRoot: path.join(mediaRoot, 'media'),
      }),
      RESEARCH_DAILY_REQUEST_LIMIT: '5',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  await expect
    .poll(
      () =>
        fetch(`http://127.0.0.1:${port}/readyz`)
          .then((r) => r.status)
          .catch(() => 0),
      { timeout: 60_000, interval: 100 },
    )
    .toBe(200);
  return child;
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exit = once(child, 'exit');
  child.kill('SIGTERM');
  await exit;
}

const today = new Date().toISOString().slice(0, 10);
const queryOn = (port: number) =>
  fetch(`http://127.0.0.1:${port}/v1/research/videos/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      query: { and: [{ operation: 'IN', fieldName: 'region_code', fieldValues: ['US'] }] },
      startDate: today,
      endDate: today,
    }),
  });

async function sandboxQueries(): Promise<number> {
  const stats = (await (await fetch(`${sandbox.url}/_sandbox/stats`)).json()) as {
    requests: Record<string, number>;
  };
  return stats.requests['/v2/research/video/query/'] ?? 0;
}

test('two API processes share one daily budget of 5 requests, and a restart keeps it', async () => {
  const [a, b] = await Promise.all([startApiProcess(portA), startApiProcess(portB)]);
  // Eight at once, four through each process: five get through, three are refused.
  const answers = await Promise.all(
    Array.from({ length: 8 }, (_, i) => queryOn(i % 2 === 0 ? portA : portB)),
  );
  const statuses = answers.map((r) => r.status).sort();
  expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
  const refused = answers.find((r) => r.status === 429);
  const body = (await refused?.json()) as { error: { code: string } };
  expect(body.error.code).toBe('research_budget_exhausted');
  expect(await sandboxQueries()).toBe(5);

  await Promise.all([stop(a), stop(b)]);
  await startApiProcess(portA);
  const after = await queryOn(portA);
  expect(after.status).toBe(429);
  expect(after.headers.get('x-research-requests-remaining')).toBe('0');
  expect(Number(after.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(await sandboxQueries()).toBe(5);
  const metrics = await (await fetch(`http://127.0.0.1:${portA}/metrics`)).text();
  expect(metrics).toMatch(/^tiktok_fleet_research_budget_used\{quota="requests"[^}]*\} 5$/m);
  expect(metrics).toMatch(/^tiktok_fleet_research_budget_limit\{quota="requests"[^}]*\} 5$/m);
}, 180_000);
