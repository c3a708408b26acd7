/**
 * Horizontal scaling, by simulation: the whole pipeline (enqueue contract → publish →
 * status → published) against the TikTok sandbox answering every call after a fixed,
 * TikTok-like latency, with 1, 2 and 4 worker processes. Each round gets a fresh database
 * and Redis prefix, its own API (it receives the sandbox's webhooks, which end the status
 * wait the way TikTok's do) and fresh accounts connected through the sandbox's OAuth. The
 * posts are enqueued into the paused publish queue, which is then resumed: the clock runs
 * from there to the last post published.
 *
 *   pnpm bench:scale
 *
 * BENCH_ACCOUNTS (40), BENCH_POSTS_PER_ACCOUNT (2, at most 6: TikTok's init limit per
 * account and minute), BENCH_LATENCY_MS (300), BENCH_PROCESSES ("1,2,4"),
 * BENCH_CONCURRENCY (1: WORKER_CONCURRENCY of each process; on a 2-core machine 4 makes
 * the run CPU-bound, see the README), BENCH_WEBHOOKS (1; 0 leaves the status polls to their
 * 5 s timer). REDIS_URL and DATABASE_URL as for the demo.
 *
 * Ideal time = TikTok calls x latency / (processes x concurrency); ratio = ideal / measured.
 * Status jobs run in slots of their own, so the "publish ratio" (the publish jobs' calls
 * alone) is the one whose 1.0 is perfect.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  createAccountRepository,
  createPostRepository,
  createPrismaClient,
  type Db,
  parseTokenKeyring,
  TokenCipher,
} from '@tiktok-fleet/db';
import { createPostEnqueuer } from '@tiktok-fleet/posts';
import { closeQueues, createQueues, redisConnection, waitForRedis } from '@tiktok-fleet/queue';
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
import { cpuSeconds, type FleetProcess, startProcess, waitUntilReady } from './fleet-process';
import { cpuTimes, latencies, printTable, type Round, writeTimeline } from './scale-report';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const logDir = join(root, '.tmp', 'bench-scale');
const fixture = join(root, 'fixtures', 'videos', 'valid-vertical.mp4');
const OWNER = 'bench-owner';
const REDIRECT_URI = 'https://backend.example/api/integrations/tiktok/callback';
const SCOPES = ['user.info.basic', 'user.info.profile', 'video.list', 'video.publish'];

function intEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}".`);
  }
  return value;
}

const accounts = intEnv('BENCH_ACCOUNTS', 40, 1, 1000);
const postsPerAccount = intEnv('BENCH_POSTS_PER_ACCOUNT', 2, 1, 6);
const latencyMs = intEnv('BENCH_LATENCY_MS', 300, 0, 5000);
const concurrency = intEnv('BENCH_CONCURRENCY', 1, 1, 8);
const webhooks = intEnv('BENCH_WEBHOOKS', 1, 0, 1) === 1;
const processCounts = (process.env.BENCH_PROCESSES || '1,2,4').split(',').map((p) => {
  const n = Number(p.trim());
  if (!Number.isInteger(n) || n < 1 || n > 16) {
    throw new Error(`BENCH_PROCESSES must list process counts from 1 to 16, got "${p}".`);
  }
  return n;
});
const totalPosts = accounts * postsPerAccount;
// Small, so the status poll rather than TikTok's processing is what a post waits for; long
// enough that the worker has queued the status job before the webhook arrives to promote it.
const PROCESSING_DELAY_MS = 300;
/** Calls the status jobs make; every other call is made by a publish job. */
const STATUS_POOL_CALLS = ['/v2/post/publish/status/fetch/', '/v2/video/query/'];

const clientKey = `bench_${randomBytes(6).toString('hex')}`;
const clientSecret = randomBytes(24).toString('hex');
let sandboxUrl = '';
let sandboxPgid = 0;

const control = <T = unknown>(method: string, path: string, body?: unknown) =>
  sandboxControl<T>(sandboxUrl, method, path, body);

const requests = async () =>
  (await control<{ requests: Record<string, number> }>('GET', '/stats')).requests;

/** Runs `work` over `items`, `limit` at a time. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(limit, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

async function runRound(
  processes: number,
  services: { redisUrl: string; serverUrl: string; mediaRoot: string },
): Promise<Round> {
  const tag = `${processes}p_${randomBytes(3).toString('hex')}`;
  const dbName = `tiktok_fleet_bench_${tag}`;
  const prefix = `{tf-bench-${tag}}`;
  const databaseUrl = await freshDatabase(services.serverUrl, dbName);
  const apiPort = await freePort();
  const encryptionKey = `bench:${randomBytes(32).toString('base64')}`;
  await control('POST', '/reset');
  await control('PATCH', '/config', {
    latencyMs: 0,
    webhookUrl: webhooks ? `http://127.0.0.1:${apiPort}/api/integrations/tiktok/webhook` : null,
  });

  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    TIKTOK_CLIENT_KEY: clientKey,
    TIKTOK_CLIENT_SECRET: clientSecret,
    TIKTOK_API_BASE_URL: sandboxUrl,
    TIKTOK_AUTH_URL: `${sandboxUrl}/v2/auth/authorize/`,
    REDIS_URL: services.redisUrl,
    REDIS_PREFIX: prefix,
    DATABASE_URL: databaseUrl,
    TOKEN_ENCRYPTION_KEY: encryptionKey,
    CALLBACK_SIGNING_SECRET: randomBytes(24).toString('hex'),
    MEDIA_ROOT: services.mediaRoot,
    DAILY_POST_CAP: '10',
    WORKER_CONCURRENCY: String(concurrency),
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    BACKEND_URL: `http://127.0.0.1:${apiPort}`,
  };
  const procs: FleetProcess[] = [];
  const db = createPrismaClient(databaseUrl, { poolSize: 4 });
  const posts = createPostRepository(db);
  // The benchmark's database holds this round's posts only.
  const allPosts = async () => posts.listWithEvents([...(await posts.statusesOfAll()).keys()]);
  const redis = redisConnection(services.redisUrl, 'producer');
  const queues = createQueues(redis, { prefix, onError: () => undefined });
  const tiktok = createTikTokClient({
    clientKey,
    clientSecret,
    apiBaseUrl: sandboxUrl,
    authUrl: `${sandboxUrl}/v2/auth/authorize/`,
  });
  try {
    const booting = (async () => {
      const ready: Promise<void>[] = [];
      if (webhooks) {
        const api = startProcess(root, `${tag}-api`, 'apps/api/src/main.ts', env, logDir);
        procs.push(api);
        ready.push(waitUntilReady(api, `http://127.0.0.1:${apiPort}/readyz`));
      }
      for (let i = 1; i <= processes; i++) {
        const port = await freePort();
        const worker = startProcess(
          root,
          `${tag}-worker${i}`,
          'apps/worker/src/main.ts',
          { ...env, WORKER_METRICS_PORT: String(port) },
          logDir,
        );
        procs.push(worker);
        ready.push(waitUntilReady(worker, `http://127.0.0.1:${port}/readyz`));
      }
      await Promise.all(ready);
    })();
    const accountIds = await connectAccounts(db, tiktok, encryptionKey);
    await booting;
    await waitForRedis(redis);

    const enqueuer = createPostEnqueuer({ db, queues, mediaRoot: services.mediaRoot });
    // Round-robin over the accounts, as many backends posting at once would.
    const requestsToSend = Array.from({ length: totalPosts }, (_, i) => ({
      accountId: accountIds[i % accounts] as string,
      video: { path: 'bench/valid-vertical.mp4' },
      caption: `scale bench ${i} #tiktokfleet`,
      privacyLevel: 'PUBLIC_TO_EVERYONE',
    }));
    // The backlog is enqueued first and then released at once, so the figures are the
    // workers' pace and not how fast this one process can enqueue.
    await queues.publish.pause();
    const enqueueStarted = Date.now();
    await pool(requestsToSend, 4, async (request) => {
      await enqueuer.enqueuePost({ ownerId: OWNER, request });
    });
    const enqueueSeconds = (Date.now() - enqueueStarted) / 1000;
    const before = await requests();
    const pgids = (name: string) =>
      procs.filter((p) => p.name.includes(name)).map((p) => p.child.pid ?? 0);
    const groups = {
      workers: pgids('-worker'),
      api: pgids('-api'),
      sandbox: [sandboxPgid],
      postgres: dbName,
    };
    const fleetCpuBefore = cpuSeconds(groups);
    const cpuBefore = cpuTimes();
    await control('PATCH', '/config', { latencyMs });
    const started = Date.now();
    await queues.publish.resume();
    const deadline = Date.now() + 10 * 60_000;
    for (;;) {
      const statuses = [...(await posts.statusesOfAll())];
      const published = statuses.filter(([, status]) => status === 'published').length;
      if (published === totalPosts) break;
      const [failedId] = statuses.find(([, s]) => s === 'failed' || s === 'canceled') ?? [];
      const failed = failedId ? await posts.get(failedId) : null;
      if (failed) throw new Error(`post ${failed.id} ${failed.status}: ${failed.errorMessage}`);
      if (Date.now() > deadline) throw new Error(`${published}/${totalPosts} published in 10 min`);
      await sleep(200);
    }
    const cpuAfter = cpuTimes();
    const fleetCpuAfter = cpuSeconds(groups);
    const lastPublishedAt = Math.max(
      ...(await allPosts()).map((p) => p.publishedAt?.getTime() ?? 0),
    );
    // The worker's clock is this machine's: the last publish, not the poll that saw it.
    const seconds = ((lastPublishedAt > 0 ? lastPublishedAt : Date.now()) - started) / 1000;
    await control('PATCH', '/config', { latencyMs: 0 });
    const after = await requests();

    const calls: Record<string, number> = {};
    for (const [path, n] of Object.entries(after)) {
      const delta = n - (before[path] ?? 0);
      if (delta > 0) calls[path] = delta;
    }
    const totalCalls = Object.values(calls).reduce((a, b) => a + b, 0);
    const statusCalls = STATUS_POOL_CALLS.reduce((sum, path) => sum + (calls[path] ?? 0), 0);
    const slots = processes * concurrency;
    const roundPosts = await allPosts();
    const { p50PublishJobS, slowStatus } = latencies(roundPosts);
    writeTimeline(roundPosts, started, join(logDir, `${tag}-timeline.json`));
    return {
      processes,
      slots,
      posts: totalPosts,
      calls,
      totalCalls,
      seconds,
      idealSeconds: (totalCalls * latencyMs) / 1000 / slots,
      publishIdealSeconds: ((totalCalls - statusCalls) * latencyMs) / 1000 / slots,
      enqueueSeconds,
      cpuBusy:
        cpuBefore && cpuAfter
          ? (cpuAfter.busy - cpuBefore.busy) / (cpuAfter.total - cpuBefore.total)
          : null,
      fleetCpuS:
        fleetCpuBefore && fleetCpuAfter
          ? Object.fromEntries(
              Object.entries(fleetCpuAfter).map(([g, t]) => [g, t - (fleetCpuBefore[g] ?? 0)]),
            )
          : null,
      p50PublishJobS,
      slowStatus,
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await closeQueues(queues);
    await deleteKeysUnder(redis, prefix);
    await redis.quit();
    await db.$disconnect();
    tiktok.close();
    await adminQuery(services.serverUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  }
}

/** Accounts connected the way the API connects one (before the latency is switched on). */
async function connectAccounts(
  db: Db,
  tiktok: ReturnType<typeof createTikTokClient>,
  encryptionKey: string,
): Promise<string[]> {
  const repo = createAccountRepository(
    db,
    new TokenCipher(parseTokenKeyring({ TOKEN_ENCRYPTION_KEY: encryptionKey })),
  );
  // Auto-approve without an open id makes a new creator for each authorization.
  await control('PATCH', '/config', { autoApprove: true, autoApproveOpenId: null });
  const ids: string[] = [];
  await pool(
    Array.from({ length: accounts }, (_, i) => i),
    8,
    async (i) => {
      const { tokens, profile } = await authorizeSandboxCreator(tiktok, REDIRECT_URI, SCOPES);
      const account = await repo.upsertByOpenId({
        ownerId: OWNER,
        openId: tokens.openId,
        unionId: profile.unionId,
        displayName: profile.displayName ?? `bench ${i}`,
        username: profile.username,
        avatarUrl: profile.avatarUrl,
        grantedScopes: tokens.scopes,
        tokens,
      });
      ids.push(account.id);
    },
  );
  return ids;
}

async function main(): Promise<void> {
  mkdirSync(logDir, { recursive: true });
  if (!process.env.REDIS_URL || !process.env.DATABASE_URL) {
    execFileSync('bash', [join(root, 'scripts', 'services.sh')], { stdio: 'inherit' });
  }
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const serverUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const mediaRoot = mkdtempSync(join(tmpdir(), 'tf-bench-media-'));
  mkdirSync(join(mediaRoot, 'bench'));
  copyFileSync(fixture, join(mediaRoot, 'bench', 'valid-vertical.mp4'));

  console.log(
    `scaling bench: ${accounts} accounts x ${postsPerAccount} posts = ${totalPosts} posts, ` +
      `${latencyMs} ms per TikTok call, WORKER_CONCURRENCY=${concurrency}, ` +
      `processes ${processCounts.join(', ')}, webhooks ${webhooks ? 'on' : 'off'}; logs in ${logDir}`,
  );
  const sandboxPort = await freePort();
  sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  let sandbox: FleetProcess | undefined;
  const rounds: Round[] = [];
  try {
    sandbox = await startSandbox({
      root,
      name: 'sandbox',
      logDir,
      port: sandboxPort,
      clientKey,
      clientSecret,
    });
    sandboxPgid = sandbox.child.pid ?? 0;
    await control('PATCH', '/config', {
      rateLimits: false,
      processingDelayMs: PROCESSING_DELAY_MS,
      // The post id at once: the status poll would otherwise wait a minute for it.
      moderationDelayMs: 0,
      dailyPostCap: 1000,
    });
    for (const processes of processCounts) {
      const round = await runRound(processes, { redisUrl, serverUrl, mediaRoot });
      rounds.push(round);
      const perPost = Object.entries(round.calls)
        .map(([path, n]) => `${path} ${(n / round.posts).toFixed(2)}`)
        .join(', ');
      console.log(
        `  ${processes} process(es): ${round.seconds.toFixed(1)} s, ${round.totalCalls} calls ` +
          `(per post: ${perPost}); ${round.slowStatus} post(s) waited for the poll timer; ` +
          `enqueued in ${round.enqueueSeconds.toFixed(1)} s before the start` +
          (round.fleetCpuS
            ? `; CPU s per post: ${Object.entries(round.fleetCpuS)
                .map(([g, t]) => `${g} ${(t / round.posts).toFixed(3)}`)
                .join(', ')}`
            : ''),
      );
    }
    printTable(rounds);
  } finally {
    await sandbox?.stop();
    rmSync(mediaRoot, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`\n✗ ${error instanceof Error ? error.message : String(error)}`);
    console.error(`  Process logs: ${logDir}`);
    process.exit(1);
  },
);
