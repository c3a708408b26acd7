/**
 * `pnpm bench:pipeline`: what one post costs the fleet beyond TikTok's own time. The API,
 * one worker process and the sandbox run as processes (as in production), the sandbox
 * answers at once (latency 0, no processing or moderation delay, webhooks to the API), and
 * BENCH_POSTS (40) posts go one after another through `POST /v1/posts` to `published`, in
 * BENCH_ROUNDS (3) rounds. The API's and the worker's connections to PostgreSQL and Redis go
 * through counting proxies (counting-proxy.ts), so statements and commands are counted.
 *
 *   pnpm bench:pipeline
 *
 * Per round: median and p90 of the time from the request to `published` (all of it beyond
 * TikTok's time, which is 0 here), SQL statements and Redis commands per post (including
 * the workers' background: BullMQ's blocking waits and stalled checks, the reconciler),
 * CPU seconds per post of the worker and of the fleet (API + worker + PostgreSQL backends).
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  createAccountRepository,
  createPostRepository,
  createPrismaClient,
  parseTokenKeyring,
  TokenCipher,
} from '@tiktok-fleet/db';
import { createRowInspector } from '@tiktok-fleet/db/inspect';
import { redisConnection, waitForRedis } from '@tiktok-fleet/queue';
import { adminQuery } from '@tiktok-fleet/testing/database';
import { freePort } from '@tiktok-fleet/testing/ports';
import { deleteKeysUnder } from '@tiktok-fleet/testing/redis-keys';
import { createTikTokClient } from '@tiktok-fleet/tiktok';
import {
  authorizeSandboxCreator,
  freshDatabase,
  sandboxControl,
  startSandbox,
} from './bench-fleet';
import { startCountingProxy } from './counting-proxy';
import { cpuSeconds, type FleetProcess, startProcess, waitUntilReady } from './fleet-process';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const logDir = join(root, '.tmp', 'bench-pipeline');
const POSTS = Number(process.env.BENCH_POSTS ?? 40);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ACCOUNTS = Math.ceil((POSTS * ROUNDS) / 5); // 5 posts each: under TikTok's 6 inits a minute and the daily cap of 10
const OWNER = 'bench-owner';
const REDIRECT_URI = 'https://backend.example/api/integrations/tiktok/callback';
const SCOPES = ['user.info.basic', 'user.info.profile', 'video.publish'];

const serverUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const tag = randomBytes(3).toString('hex');
const dbName = `tiktok_fleet_bench_pipeline_${tag}`;
const prefix = `{tf-bench-pipeline-${tag}}`;
const clientKey = `bench_${randomBytes(6).toString('hex')}`;
const clientSecret = randomBytes(24).toString('hex');
const apiKey = `tfk_bench_${randomBytes(16).toString('hex')}`;
const encryptionKey = `bench:${randomBytes(32).toString('base64')}`;

mkdirSync(logDir, { recursive: true });
const dbUrl = new URL(await freshDatabase(serverUrl, dbName));
const db = createPrismaClient(dbUrl.toString(), { poolSize: 2 });
const stored = createRowInspector(db);
// Reads only: the posts' histories, for where the time goes.
const posts = createPostRepository(db);

const pgTarget = new URL(serverUrl);
const redisTarget = new URL(redisUrl);
const pgProxy = await startCountingProxy(
  { host: pgTarget.hostname, port: Number(pgTarget.port || 5432) },
  'pg',
);
const redisProxy = await startCountingProxy(
  { host: redisTarget.hostname, port: Number(redisTarget.port || 6379) },
  'redis',
  { scriptNames: await scriptNames() },
);
// BENCH_DETAIL=1: each statement and command per post, by its text (where the counts come from).
const DETAIL = process.env.BENCH_DETAIL === '1';
const proxiedDb = new URL(dbUrl);
proxiedDb.host = `127.0.0.1:${pgProxy.port}`;

const mediaRoot = mkdtempSync(join(tmpdir(), 'tf-bench-media-'));
mkdirSync(join(mediaRoot, 'bench'));
copyFileSync(
  join(root, 'fixtures', 'videos', 'valid-vertical.mp4'),
  join(mediaRoot, 'bench', 'valid-vertical.mp4'),
);

const [sandboxPort, apiPort, metricsPort] = await Promise.all([freePort(), freePort(), freePort()]);
const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
const apiUrl = `http://127.0.0.1:${apiPort}`;
const env = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  TIKTOK_CLIENT_KEY: clientKey,
  TIKTOK_CLIENT_SECRET: clientSecret,
  TIKTOK_API_BASE_URL: sandboxUrl,
  TIKTOK_AUTH_URL: `${sandboxUrl}/v2/auth/authorize/`,
  REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`,
  REDIS_PREFIX: prefix,
  DATABASE_URL: proxiedDb.toString(),
  TOKEN_ENCRYPTION_KEY: encryptionKey,
  CALLBACK_SIGNING_SECRET: randomBytes(24).toString('hex'),
  MEDIA_ROOT: mediaRoot,
  API_KEYS: `${OWNER}:${apiKey}`,
  PORT: String(apiPort),
  HOST: '127.0.0.1',
  BACKEND_URL: apiUrl,
  WORKER_METRICS_PORT: String(metricsPort),
};

const procs: FleetProcess[] = [];
const control = (method: string, path: string, body?: unknown) =>
  sandboxControl(sandboxUrl, method, path, body);

try {
  procs.push(
    await startSandbox({
      root,
      name: 'pipeline-sandbox',
      logDir,
      port: sandboxPort,
      clientKey,
      clientSecret,
    }),
  );
  await control('PATCH', '/config', {
    rateLimits: false,
    latencyMs: 0,
    processingDelayMs: 0,
    moderationDelayMs: 0,
    dailyPostCap: 100_000,
    autoApprove: true,
    autoApproveOpenId: null,
    webhookUrl: `${apiUrl}/api/integrations/tiktok/webhook`,
  });
  const api = startProcess(root, 'pipeline-api', 'apps/api/src/main.ts', env, logDir);
  const worker = startProcess(root, 'pipeline-worker', 'apps/worker/src/main.ts', env, logDir);
  procs.push(api, worker);
  const accountIds = await connectAccounts();
  await Promise.all([
    waitUntilReady(api, `${apiUrl}/readyz`),
    waitUntilReady(worker, `http://127.0.0.1:${metricsPort}/readyz`),
  ]);
  const groups = {
    worker: [worker.child.pid ?? 0],
    api: [api.child.pid ?? 0],
    postgres: dbName,
  };

  const rows: string[] = [];
  const perRound: Array<{
    median: number;
    p90: number;
    sql: number;
    redis: number;
    workerCpu: number;
    fleetCpu: number;
  }> = [];
  let postIndex = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    await sleep(500); // let the start-up work (reconciler pass, sweeps) settle
    pgProxy.reset();
    redisProxy.reset();
    const cpuBefore = cpuSeconds(groups);
    const times: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < POSTS; i++) {
      const accountId = accountIds[postIndex++ % accountIds.length] as string;
      const started = performance.now();
      const res = await fetch(`${apiUrl}/v1/posts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          accountId,
          video: { path: 'bench/valid-vertical.mp4' },
          caption: `pipeline bench ${postIndex}`,
          privacyLevel: 'PUBLIC_TO_EVERYONE',
        }),
      });
      const body = (await res.json()) as { id?: string };
      if (res.status !== 202 || !body.id)
        throw new Error(`enqueue: ${res.status} ${JSON.stringify(body)}`);
      for (;;) {
        const post = await stored.post(body.id);
        if (post?.status === 'published') break;
        if (post?.status === 'failed') throw new Error(`post failed: ${post.errorMessage}`);
        if (performance.now() - started > 60_000)
          throw new Error(`post ${body.id} not published in 60 s`);
        await sleep(2);
      }
      times.push(performance.now() - started);
      ids.push(body.id);
    }
    const cpuAfter = cpuSeconds(groups);
    const cpu = (g: string) => ((cpuAfter?.[g] ?? 0) - (cpuBefore?.[g] ?? 0)) / POSTS;
    const sorted = [...times].sort((a, b) => a - b);
    const stats = {
      median: sorted[Math.floor(POSTS / 2)] as number,
      p90: sorted[Math.floor(POSTS * 0.9)] as number,
      sql: pgProxy.total() / POSTS,
      redis: redisProxy.total() / POSTS,
      workerCpu: cpu('worker'),
      fleetCpu: cpu('worker') + cpu('api') + cpu('postgres'),
    };
    perRound.push(stats);
    const breakdown = (counts: Map<string, number>) =>
      [...counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k} ${(n / POSTS).toFixed(1)}`)
        .join(', ');
    rows.push(
      `| ${round} | ${stats.median.toFixed(0)} | ${stats.p90.toFixed(0)} | ${stats.sql.toFixed(1)} | ${stats.redis.toFixed(1)} | ${stats.workerCpu.toFixed(3)} | ${stats.fleetCpu.toFixed(3)} |`,
    );
    console.log(`round ${round} SQL per post: ${breakdown(pgProxy.counts)}`);
    console.log(`round ${round} Redis per post: ${breakdown(redisProxy.counts)}`);
    console.log(`round ${round} stages, median ms: ${await stageTimes(ids)}`);
    if (DETAIL) {
      for (const [label, proxy] of [
        ['SQL', pgProxy],
        ['Redis', redisProxy],
      ] as const) {
        console.log(`round ${round} ${label} in detail:`);
        for (const [k, n] of [...proxy.details.entries()].sort((a, b) => b[1] - a[1])) {
          console.log(`  ${(n / POSTS).toFixed(2).padStart(6)}  ${k}`);
        }
      }
    }
  }
  const spread = (pick: (s: (typeof perRound)[number]) => number, digits: number) => {
    const xs = perRound.map(pick).sort((a, b) => a - b);
    return `${xs[Math.floor(xs.length / 2)]?.toFixed(digits)} (${xs[0]?.toFixed(digits)}–${xs.at(-1)?.toFixed(digits)})`;
  };
  console.log(
    `\nbench:pipeline — ${POSTS} posts one after another, ${ROUNDS} rounds, TikTok sandbox at latency 0\n`,
  );
  console.log(
    '| round | median ms | p90 ms | SQL / post | Redis / post | worker CPU s / post | fleet CPU s / post |',
  );
  console.log(
    '| ----: | --------: | -----: | ---------: | -----------: | ------------------: | -----------------: |',
  );
  for (const row of rows) console.log(row);
  console.log(
    `| all | ${spread((s) => s.median, 0)} | ${spread((s) => s.p90, 0)} | ${spread((s) => s.sql, 1)} | ${spread((s) => s.redis, 1)} | ${spread((s) => s.workerCpu, 3)} | ${spread((s) => s.fleetCpu, 3)} |`,
  );
} finally {
  await Promise.all(procs.map((p) => p.stop()));
  await db.$disconnect();
  await pgProxy.close();
  await redisProxy.close();
  const cleanup = redisConnection(redisUrl, 'producer');
  await waitForRedis(cleanup)
    .then(() => deleteKeysUnder(cleanup, prefix))
    .catch(() => undefined);
  cleanup.disconnect();
  await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  // The fixture copy, the downloads and prepared copies the worker made: /tmp keeps nothing.
  rmSync(mediaRoot, { recursive: true, force: true });
}
process.exit(0);

/**
 * Where a post's time goes: the median time from entering each status to entering the next,
 * read from the posts' histories (each event's time is the statement's).
 */
async function stageTimes(ids: readonly string[]): Promise<string> {
  const events = await posts.listEvents(ids);
  const gaps = new Map<string, number[]>();
  for (const id of ids) {
    const mine = events.filter((e) => e.postId === id);
    const firsts: Array<{ status: string; at: number }> = [];
    for (const e of mine) {
      if (firsts.at(-1)?.status !== e.status) firsts.push({ status: e.status, at: e.at.getTime() });
    }
    for (let i = 1; i < firsts.length; i++) {
      const key = `${firsts[i - 1]?.status}→${firsts[i]?.status}`;
      gaps.set(key, [...(gaps.get(key) ?? []), (firsts[i]?.at ?? 0) - (firsts[i - 1]?.at ?? 0)]);
    }
  }
  return [...gaps.entries()]
    .map(([k, xs]) => `${k} ${[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]}`)
    .join(', ');
}

/** Script sha → name, for BullMQ's scripts and the fleet's (what each EVALSHA ran). */
async function scriptNames(): Promise<Map<string, string>> {
  const sha = (lua: string) => createHash('sha1').update(lua).digest('hex');
  const names = new Map<string, string>();
  const bullmqDir = join(dirname(createRequire(import.meta.url).resolve('bullmq')), 'scripts');
  for (const file of readdirSync(bullmqDir).filter((f) => f.endsWith('.js'))) {
    const mod = (await import(join(bullmqDir, file))) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      const script = value as { name?: string; content?: string };
      if (typeof script?.content === 'string')
        names.set(sha(script.content), `bullmq:${script.name}`);
    }
  }
  const fleetDir = join(root, 'packages', 'queue', 'src', 'commands');
  for (const file of readdirSync(fleetDir).filter((f) => f.endsWith('.lua'))) {
    names.set(sha(readFileSync(join(fleetDir, file), 'utf8')), `fleet:${file}`);
  }
  return names;
}

/** Accounts connected the way the API connects one, straight into the database. */
async function connectAccounts(): Promise<string[]> {
  const tiktok = createTikTokClient({
    clientKey,
    clientSecret,
    apiBaseUrl: sandboxUrl,
    authUrl: `${sandboxUrl}/v2/auth/authorize/`,
  });
  const repo = createAccountRepository(
    db,
    new TokenCipher(parseTokenKeyring({ TOKEN_ENCRYPTION_KEY: encryptionKey })),
  );
  const ids: string[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const { tokens, profile } = await authorizeSandboxCreator(tiktok, REDIRECT_URI, SCOPES);
    const account = await repo.upsertByOpenId({
      ownerId: OWNER,
      openId: tokens.openId,
      displayName: profile.displayName ?? `bench ${i}`,
      username: profile.username,
      grantedScopes: tokens.scopes,
      tokens,
    });
    ids.push(account.id);
  }
  tiktok.close();
  return ids;
}
