/**
 * `pnpm bench:enqueue`: how fast posts get in. Side by side on the same PostgreSQL and Redis,
 * in BENCH_ROUNDS (3) interleaved rounds of BENCH_SECONDS (4) per measure:
 *   - HTTP `POST /v1/posts` to the API process (main.ts), 16 keep-alive connections, closed
 *     loop (saturation), then open loop at 500 and 1000 requests a second offered;
 *   - `createPostEnqueuer` in this process, 16 at a time;
 *   - the bare baseline: one `INSERT` of the row and `queue.add` of its job, 16 at a time.
 * The API and the in-process enqueuer run with the default backlog caps (100 open posts per
 * account, 1000 per owner), so the posts go round BENCH_OWNERS (16) owners of 128 accounts in
 * all, and before every measure the posts still queued are marked published (no worker
 * runs): each measure starts from an empty backlog, as a fleet whose workers keep up, and
 * pays the backlog count of a real deployment. The load generator is a plain node:http
 * client (one keep-alive agent), kept with the benchmark.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@tiktok-fleet/config';
import {
  createAccountRepository,
  createPrismaClient,
  newId,
  parseTokenKeyring,
  TokenCipher,
} from '@tiktok-fleet/db';
import { createPostEnqueuer } from '@tiktok-fleet/posts';
import { closeQueues, createQueues, redisConnection, waitForRedis } from '@tiktok-fleet/queue';
import { adminQuery } from '@tiktok-fleet/testing/database';
import { freePort } from '@tiktok-fleet/testing/ports';
import { deleteKeysUnder } from '@tiktok-fleet/testing/redis-keys';
import { freshDatabase } from './bench-fleet';
import { closedLoop, openLoop, type Sample } from './enqueue-load';
import { type FleetProcess, startProcess, waitUntilReady } from './fleet-process';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const logDir = join(root, '.tmp', 'bench-enqueue');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONNECTIONS = 16;
// 128 accounts: a 4 s measure at 2000 rps leaves 62 posts on each, under the caps.
// BENCH_OWNERS spreads them over more or fewer owners (fewer: more concurrent enqueues write
// one owner's backlog shards, the case the sharding is for); the accounts stay 128. Under 8
// owners a fast measure may reach the owner cap (1000) and count 429s as errors.
const OWNERS = Number(process.env.BENCH_OWNERS ?? 16);
const ACCOUNTS_PER_OWNER = Math.max(1, Math.round(128 / OWNERS));
// The limits the API enforces by default; the in-process enqueuer gets the same.
const defaults = parseConfig(
  [
    'POST_BACKLOG_MAX_PER_ACCOUNT',
    'POST_BACKLOG_MAX_PER_OWNER',
    'SCHEDULE_MAX_DAYS_AHEAD',
    'URL_SOURCE_ALLOW_PRIVATE',
  ],
  {},
);

const serverUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function main() {
  mkdirSync(logDir, { recursive: true });
  const tag = randomBytes(3).toString('hex');
  const dbName = `tiktok_fleet_bench_enqueue_${tag}`;
  const prefix = `{tf-bench-enqueue-${tag}}`;
  const dbUrl = new URL(await freshDatabase(serverUrl, dbName));
  const db = createPrismaClient(dbUrl.toString(), { poolSize: 5 });
  const encryptionKey = `bench:${randomBytes(32).toString('base64')}`;
  const accountRepo = createAccountRepository(
    db,
    new TokenCipher(parseTokenKeyring({ TOKEN_ENCRYPTION_KEY: encryptionKey })),
  );
  const callers: Array<{ ownerId: string; apiKey: string; accountId: string }> = [];
  for (let o = 0; o < OWNERS; o++) {
    const ownerId = `bench-owner-${o}`;
    const apiKey = `tfk_bench_${randomBytes(16).toString('hex')}`;
    for (let a = 0; a < ACCOUNTS_PER_OWNER; a++) {
      const account = await accountRepo.upsertByOpenId({
        ownerId,
        openId: `bench-${tag}-${o}-${a}`,
        grantedScopes: ['video.publish'],
        tokens: {
          accessToken: 'a',
          refreshToken: 'r',
          accessTokenExpiresAt: new Date(Date.now() + 3600_000),
          refreshTokenExpiresAt: new Date(Date.now() + 3600_000),
        },
      });
      callers.push({ ownerId, apiKey, accountId: account.id });
    }
  }
  let turn = 0;
  const nextCaller = () => callers[turn++ % callers.length] as (typeof callers)[number];
  const apiKeys = [...new Map(callers.map((c) => [c.ownerId, c.apiKey])).entries()];
  const redis = redisConnection(redisUrl, 'producer');
  await waitForRedis(redis);
  const queues = createQueues(redis, { prefix, onError: () => undefined });
  const port = await freePort();
  const api: FleetProcess = startProcess(
    root,
    `enqueue-api-${tag}`,
    'apps/api/src/main.ts',
    {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      TIKTOK_CLIENT_KEY: 'bench',
      TIKTOK_CLIENT_SECRET: 'bench-secret',
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      DATABASE_URL: dbUrl.toString(),
      TOKEN_ENCRYPTION_KEY: encryptionKey,
      MEDIA_ROOT: join(root, 'fixtures'),
      API_KEYS: apiKeys.map(([owner, key]) => `${owner}:${key}`).join(','),
      PORT: String(port),
      HOST: '127.0.0.1',
      BACKEND_URL: `http://127.0.0.1:${port}`,
    },
    logDir,
  );
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const postBody = (accountId: string) => ({
    accountId,
    video: { path: 'videos/valid-vertical.mp4' },
    caption: 'enqueue bench',
    privacyLevel: 'SELF_ONLY',
  });
  const httpPost = () =>
    new Promise<void>((done, fail) => {
      const { apiKey, accountId } = nextCaller();
      const body = JSON.stringify(postBody(accountId));
      const req = request(
        {
          agent,
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/posts',
          headers: {
            authorization: `Bearer ${apiKey}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 202 ? done() : fail(new Error(`HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  // As the API builds it (context.ts), limits included: the same work without the HTTP.
  const enqueuer = createPostEnqueuer({
    db,
    queues,
    mediaRoot: join(root, 'fixtures'),
    limits: {
      backlogPerAccount: defaults.POST_BACKLOG_MAX_PER_ACCOUNT,
      backlogPerOwner: defaults.POST_BACKLOG_MAX_PER_OWNER,
      scheduleMaxDaysAhead: defaults.SCHEDULE_MAX_DAYS_AHEAD,
      allowPrivateCallbacks: defaults.URL_SOURCE_ALLOW_PRIVATE,
    },
  });
  const inProcess = async () => {
    const { ownerId, accountId } = nextCaller();
    await enqueuer.enqueuePost({ ownerId, request: postBody(accountId) });
  };
  const bare = async () => {
    const { ownerId, accountId } = nextCaller();
    const id = newId('post');
    await db.$executeRaw`
      INSERT INTO posts (id, owner_id, account_id, video_source_kind, video_source, caption,
        privacy_level, status, updated_at)
      VALUES (${id}, ${ownerId}, ${accountId}, 'path'::video_source_kind, 'videos/valid-vertical.mp4',
        'enqueue bench', 'SELF_ONLY'::privacy_level, 'queued'::post_status, now())`;
    await queues.publish.add('publish', { postId: id }, { jobId: id });
  };
  // No worker takes the posts: this stands in for it, so each measure starts with no backlog.
  const drain = async () => {
    await db.$executeRaw`UPDATE posts SET status = 'published'::post_status
      WHERE status = 'queued'::post_status`;
  };
  const measure = async (run: () => Promise<Sample>) => {
    await drain();
    return run();
  };

  const results: Record<string, Sample[]> = {
    'HTTP POST /v1/posts, saturation': [],
    'createPostEnqueuer in-process, saturation': [],
    'bare INSERT + queue.add, saturation': [],
    'HTTP POST /v1/posts, 500 rps offered': [],
    'HTTP POST /v1/posts, 1000 rps offered': [],
  };
  const keys = Object.keys(results);
  try {
    await waitUntilReady(api, `http://127.0.0.1:${port}/readyz`);
    // Warm up the API, the pools and the JIT.
    await measure(() => closedLoop(httpPost, CONNECTIONS, 1));
    await measure(() => closedLoop(inProcess, CONNECTIONS, 1));
    await measure(() => closedLoop(bare, CONNECTIONS, 1));
    for (let round = 0; round < ROUNDS; round++) {
      const runs = [
        () => closedLoop(httpPost, CONNECTIONS, SECONDS),
        () => closedLoop(inProcess, CONNECTIONS, SECONDS),
        () => closedLoop(bare, CONNECTIONS, SECONDS),
        () => openLoop(httpPost, 500, SECONDS),
        () => openLoop(httpPost, 1000, SECONDS),
      ];
      for (const [i, run] of runs.entries()) results[keys[i] as string]?.push(await measure(run));
    }
  } finally {
    agent.destroy();
    await api.stop();
    await closeQueues(queues);
    await deleteKeysUnder(redis, prefix);
    await redis.quit();
    await db.$disconnect();
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const cell = (xs: number[], digits = 0) =>
    `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
  const bareRps = median((results[keys[2] as string] ?? []).map((s) => s.rps));
  console.log(
    `\nbench:enqueue — ${ROUNDS} interleaved rounds of ${SECONDS} s each; median (min–max of rounds)\n`,
  );
  console.log('| measure | rps | vs bare | p50 ms | p99 ms | errors |');
  console.log('| ------- | --: | ------: | -----: | -----: | -----: |');
  for (const [name, samples] of Object.entries(results)) {
    const rps = samples.map((s) => s.rps);
    console.log(
      `| ${name} | ${cell(rps)} | ${(median(rps) / bareRps).toFixed(2)}x | ${cell(
        samples.map((s) => s.p50),
        1,
      )} | ${cell(
        samples.map((s) => s.p99),
        1,
      )} | ${samples.reduce((a, s) => a + s.errors, 0)} |`,
    );
  }
}

await main();
process.exit(0);
