/**
 * `pnpm bench:enqueue`: how fast posts get in. Side by side on the same PostgreSQL and Redis,
 * in BENCH_ROUNDS (3) interleaved rounds of BENCH_SECONDS (4) per measure:
 *   - HTTP `POST /v1/posts` to the API process (main.ts), 16 keep-alive connections, closed
 *     loop (saturation), then open loop at 500 and 1000 requests a second offered;
 *   - `createPostEnqueuer` in this process, 16 at a time;
 *   - the bare baseline: one `INSERT` of the row and `queue.add` of its job, 16 at a time.
 * No worker runs, so the publish jobs only pile up. The load generator is a plain
 * node:http client (one keep-alive agent), kept with the benchmark.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { freshDatabase } from './bench-fleet';
import { closedLoop, openLoop, type Sample } from './enqueue-load';
import { type FleetProcess, startProcess, waitUntilReady } from './fleet-process';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const logDir = join(root, '.tmp', 'bench-enqueue');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONNECTIONS = 16;
const OWNER = 'bench-owner';

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
  const account = await createAccountRepository(
    db,
    new TokenCipher(parseTokenKeyring({ TOKEN_ENCRYPTION_KEY: encryptionKey })),
  ).upsertByOpenId({
    ownerId: OWNER,
    openId: `bench-${tag}`,
    grantedScopes: ['video.publish'],
    tokens: {
      accessToken: 'a',
      refreshToken: 'r',
      accessTokenExpiresAt: new Date(Date.now() + 3600_000),
      refreshTokenExpiresAt: new Date(Date.now() + 3600_000),
    },
  });
  const redis = redisConnection(redisUrl, 'producer');
  await waitForRedis(redis);
  const queues = createQueues(redis, { prefix, onError: () => undefined });
  const apiKey = `tfk_bench_${randomBytes(16).toString('hex')}`;
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
      API_KEYS: `${OWNER}:${apiKey}`,
      // Every post of the bench goes to one account and stays queued (no worker runs): the
      // backlog caps that protect a real fleet would refuse all but the first hundred.
      POST_BACKLOG_MAX_PER_ACCOUNT: '100000000',
      POST_BACKLOG_MAX_PER_OWNER: '100000000',
      PORT: String(port),
      HOST: '127.0.0.1',
      BACKEND_URL: `http://127.0.0.1:${port}`,
    },
    logDir,
  );
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const body = JSON.stringify({
    accountId: account.id,
    video: { path: 'videos/valid-vertical.mp4' },
    caption: 'enqueue bench',
    privacyLevel: 'SELF_ONLY',
  });
  const httpPost = () =>
    new Promise<void>((done, fail) => {
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
  const enqueuer = createPostEnqueuer({ db, queues, mediaRoot: join(root, 'fixtures') });
  const inProcess = async () => {
    await enqueuer.enqueuePost({
      ownerId: OWNER,
      request: {
        accountId: account.id,
        video: { path: 'videos/valid-vertical.mp4' },
        caption: 'enqueue bench',
        privacyLevel: 'SELF_ONLY',
      },
    });
  };
  const bare = async () => {
    const id = newId('post');
    await db.$executeRaw`
      INSERT INTO posts (id, owner_id, account_id, video_source_kind, video_source, caption,
        privacy_level, status, updated_at)
      VALUES (${id}, ${OWNER}, ${account.id}, 'path'::video_source_kind, 'videos/valid-vertical.mp4',
        'enqueue bench', 'SELF_ONLY'::privacy_level, 'queued'::post_status, now())`;
    await queues.publish.add('publish', { postId: id }, { jobId: id });
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
    await closedLoop(httpPost, CONNECTIONS, 1); // warm up the API, the pools and the JIT
    await closedLoop(inProcess, CONNECTIONS, 1);
    await closedLoop(bare, CONNECTIONS, 1);
    for (let round = 0; round < ROUNDS; round++) {
      results[keys[0] as string]?.push(await closedLoop(httpPost, CONNECTIONS, SECONDS));
      results[keys[1] as string]?.push(await closedLoop(inProcess, CONNECTIONS, SECONDS));
      results[keys[2] as string]?.push(await closedLoop(bare, CONNECTIONS, SECONDS));
      results[keys[3] as string]?.push(await openLoop(httpPost, 500, SECONDS));
      results[keys[4] as string]?.push(await openLoop(httpPost, 1000, SECONDS));
    }
  } finally {
    agent.destroy();
    await api.stop();
    await closeQueues(queues);
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
