import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_CONFIG_KEYS, buildApi, seedApiKeys } from '@tiktok-fleet/api';
import { parseConfig } from '@tiktok-fleet/config';
import { createApiKeyRepository, createPrismaClient } from '@tiktok-fleet/db';
import { createLogger } from '@tiktok-fleet/observability';
import {
  closeQueues,
  createQueues,
  DailyResearchBudget,
  redisConnection,
  waitForRedis,
} from '@tiktok-fleet/queue';
import {
  createTestDatabase,
  createTestRedisPrefix,
  freePort,
  testServices,
} from '@tiktok-fleet/testing';
import type {} from '@tiktok-fleet/testing/global-setup';
import { createTikTokClient } from '@tiktok-fleet/tiktok';
import { startSandbox } from '@tiktok-fleet/tiktok-sandbox';
import { afterAll, expect, it } from 'vitest';
import { runCli } from './support/run-cli';

// `research query` as an operator runs it (its own process, stdout a pipe) against the API
// and the sandbox over HTTP; no workers are needed.
const [{ url: databaseUrl }, mediaRoot, port, sandbox] = await Promise.all([
  createTestDatabase(),
  mkdtemp(join(tmpdir(), 'tf-cli-research-')),
  freePort(),
  startSandbox({ port: 0 }),
]);
const prefix = createTestRedisPrefix('cli-research');
const apiKey = `tfk_cli_${randomBytes(16).toString('hex')}`;
const config = parseConfig(API_CONFIG_KEYS, {
  NODE_ENV: 'test',
  TIKTOK_CLIENT_KEY: sandbox.clientKey,
  TIKTOK_CLIENT_SECRET: sandbox.clientSecret,
  TIKTOK_API_BASE_URL: sandbox.url,
  TIKTOK_AUTH_URL: sandbox.authorizeUrl,
  BACKEND_URL: `http://127.0.0.1:${port}`,
  PORT: String(port),
  REDIS_URL: testServices().redisUrl,
  REDIS_PREFIX: prefix,
  DATABASE_URL: databaseUrl,
  TOKEN_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
  API_KEYS: `operator:${apiKey}`,
  MEDIA_ROOT: mediaRoot,
});
const db = createPrismaClient(databaseUrl, { poolSize: 2 });
const redis = redisConnection(config.REDIS_URL, 'producer');
await waitForRedis(redis);
const queues = createQueues(redis, { prefix, onError: () => undefined });
const tiktok = createTikTokClient({
  clientKey: sandbox.clientKey,
  clientSecret: sandbox.clientSecret,
  apiBaseUrl: sandbox.url,
});
await seedApiKeys(createApiKeyRepository(db), config.API_KEYS);
const app = await buildApi({
  config,
  db,
  redis,
  queues,
  tiktok,
  logger: createLogger({ name: 'api', level: 'silent' }),
});
await app.listen({ port, host: '127.0.0.1' });
afterAll(async () => {
  await app.close();
  await closeQueues(queues);
  tiktok.close();
  await redis.quit();
  await db.$disconnect();
  await sandbox.close();
  await rm(mediaRoot, { recursive: true, force: true });
});

const seed = (body: Record<string, unknown>) =>
  fetch(`${sandbox.url}/_sandbox/research/videos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

it('writes every matching video of a 60-day range as CSV, with a progress line per page on stderr', async () => {
  await seed({
    count: 7,
    from: '2026-09-20T10:00:00Z',
    to: '2026-11-10T10:00:00Z',
    username: 'cat_lady',
    regionCode: 'US',
    description: 'Cats, "quoted", #cats',
  });
  await seed({
    count: 3,
    from: '2026-09-20T10:00:00Z',
    to: '2026-11-10T10:00:00Z',
    regionCode: 'GB',
    description: 'cats abroad',
  });
  await seed({
    count: 4,
    from: '2026-09-20T10:00:00Z',
    to: '2026-11-10T10:00:00Z',
    description: 'dogs',
  });

  const run = await runCli(
    [
      'research',
      'query',
      '--keyword',
      'cats',
      '--region',
      'US',
      '--since',
      '2026-09-15',
      '--until',
      '2026-11-13',
      '--max-count',
      '3',
      '--csv',
    ],
    { TIKTOK_FLEET_API_URL: `http://127.0.0.1:${port}`, TIKTOK_FLEET_API_KEY: apiKey },
  );
  expect(run.code, run.stderr).toBe(0);
  const lines = run.stdout.trimEnd().split('\r\n');
  expect(lines[0]).toBe(
    'id,create_time,username,region_code,video_description,view_count,like_count,comment_count,share_count,hashtag_names',
  );
  const rows = lines.slice(1);
  expect(rows).toHaveLength(7);
  for (const row of rows) {
    expect(row).toMatch(
      /^\d{19},2026-\d\d-\d\dT[\d:.]+Z,cat_lady,US,"Cats, ""quoted"", #cats",\d+,\d+,\d+,\d+,cats$/,
    );
  }
  expect(new Set(rows.map((r) => r.split(',')[0])).size).toBe(7);

  // Two windows (2026-10-14..2026-11-13, then 2026-09-15..2026-10-13), three videos a page.
  const progress = run.stderr.trimEnd().split('\n');
  const pages = progress.filter((l) => l.startsWith('page '));
  expect(pages.length).toBeGreaterThanOrEqual(3);
  expect(pages[0]).toMatch(
    /^page 1 {2}window 1\/2 2026-10-14\.\.2026-11-13 {2}\+3 videos \(3 in all\) {2}left today: 999 requests/,
  );
  expect(pages.some((l) => /window 2\/2 2026-09-15\.\.2026-10-13/.test(l))).toBe(true);
  expect(progress.at(-1)).toBe(`7 videos in ${pages.length} pages.`);
}, 60_000);

it('stops at a spent budget with the rows it has and the --cursor that resumes, which then finishes', async () => {
  await seed({
    count: 5,
    from: '2026-08-01T10:00:00Z',
    to: '2026-08-10T10:00:00Z',
    username: 'owl_man',
    description: 'owls at night',
  });
  const budget = new DailyResearchBudget(redis, {
    prefix,
    requestLimit: 1000,
    recordLimit: 100_000,
  });
  const usage = await budget.usage(new Date());
  await budget.set(new Date(), { requests: 999, records: usage.records.used });
  const env = { TIKTOK_FLEET_API_URL: `http://127.0.0.1:${port}`, TIKTOK_FLEET_API_KEY: apiKey };
  const args = [
    'research',
    'query',
    '--keyword',
    'owls',
    '--since',
    '2026-08-01',
    '--until',
    '2026-08-10',
    '--max-count',
    '2',
    '--csv',
  ];

  const stopped = await runCli(args, env);
  expect(stopped.code).toBe(1);
  expect(stopped.stdout.trimEnd().split('\r\n')).toHaveLength(3);
  expect(stopped.stderr).toContain('research_budget_exhausted');
  const cursor = /resume with --cursor (\S+)/.exec(stopped.stderr)?.[1];
  expect(cursor).toBeTruthy();

  await budget.set(new Date(), { requests: 0, records: usage.records.used });
  const resumed = await runCli([...args, '--cursor', cursor as string], env);
  expect(resumed.code, resumed.stderr).toBe(0);
  const ids = [stopped, resumed].flatMap((run) =>
    run.stdout
      .trimEnd()
      .split('\r\n')
      .slice(1)
      .map((row) => row.split(',')[0]),
  );
  expect(new Set(ids).size).toBe(5);
}, 60_000);
