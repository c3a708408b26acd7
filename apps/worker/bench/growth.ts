/**
 * `pnpm bench:growth`: how the fleet's cost grows with the work waiting. BENCH_GROWTH_POSTS
 * (100000) posts wait across BENCH_GROWTH_ACCOUNTS (10000) accounts, scheduled a day ahead
 * (a `scheduled` row and a delayed publish job each, as the enqueue path leaves them; the
 * daily cap's waits look the same to PostgreSQL and Redis). At 0, half and all of them
 * waiting, in BENCH_ROUNDS (3) rounds of BENCH_SECONDS (3) each: enqueue rps and p99
 * (`createPostEnqueuer`, 16 at a time), the time of one reconciler pass, and of one page of
 * an account's posts (`posts.list`, what `GET /v1/posts?accountId=` runs). Then Redis bytes
 * and PostgreSQL rows and bytes per waiting post, and the query plans of those two reads.
 *
 *   BENCH_GROWTH_POSTS=10000 BENCH_GROWTH_ACCOUNTS=1000 pnpm bench:growth   # smaller
 */
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@tiktok-fleet/config';
import { createPrismaClient, type PostStatus } from '@tiktok-fleet/db';
import { seedAccounts, seedScheduledPosts } from '@tiktok-fleet/db/bulk-seed';
import { createLogger } from '@tiktok-fleet/observability';
import { createPostEnqueuer } from '@tiktok-fleet/posts';
import { jobLiveness, postJobOf } from '@tiktok-fleet/queue';
import { adminQuery } from '@tiktok-fleet/testing/database';
import { deleteKeysUnder } from '@tiktok-fleet/testing/redis-keys';
import { createWorkerDeps, WORKER_CONFIG_KEYS, workerContext } from '../src/index';
import { reconcilePass } from '../src/reconcile/reconcile-pass';
import { freshDatabase } from './bench-fleet';
import { closedLoop, type Sample } from './enqueue-load';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const POSTS = Number(process.env.BENCH_GROWTH_POSTS ?? 100_000);
const ACCOUNTS = Number(process.env.BENCH_GROWTH_ACCOUNTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const OWNER = 'bench-owner';
const BATCH = 5_000;

const serverUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const tag = randomBytes(3).toString('hex');
const dbName = `tiktok_fleet_bench_growth_${tag}`;
const prefix = `{tf-bench-growth-${tag}}`;
const dbUrl = new URL(await freshDatabase(serverUrl, dbName));

const deps = createWorkerDeps(
  parseConfig(WORKER_CONFIG_KEYS, {
    TIKTOK_CLIENT_KEY: 'bench',
    TIKTOK_CLIENT_SECRET: 'bench-secret',
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    DATABASE_URL: dbUrl.toString(),
    TOKEN_ENCRYPTION_KEY: `bench:${randomBytes(32).toString('base64')}`,
    MEDIA_ROOT: join(root, 'fixtures'),
    CALLBACK_SIGNING_SECRET: randomBytes(24).toString('hex'),
  }),
  createLogger({ name: 'bench', level: 'warn', format: 'json' }),
);
const ctx = workerContext(deps);
const db = createPrismaClient(dbUrl.toString(), { poolSize: 5 });
const enqueuer = createPostEnqueuer({ db, queues: deps.queues, mediaRoot: join(root, 'fixtures') });

// Accounts and waiting posts in bulk, through packages/db (their tokens are never used here).
const accountIds = await seedAccounts(db, { ownerId: OWNER, tag: 'growth', count: ACCOUNTS });

let waiting = 0;
/** Adds posts scheduled a day ahead: rows (and first events) in bulk, jobs with addBulk. */
async function addWaiting(count: number): Promise<void> {
  for (let done = 0; done < count; done += BATCH) {
    const n = Math.min(BATCH, count - done);
    const ids = await seedScheduledPosts(db, {
      ownerId: OWNER,
      tag: 'growth',
      accounts: ACCOUNTS,
      from: waiting + 1,
      count: n,
      scheduledAt: new Date(Date.now() + 24 * 3600_000),
      updatedAt: new Date(Date.now() - 3600_000),
      videoPath: 'videos/valid-vertical.mp4',
    });
    await deps.queues.publish.addBulk(
      ids.map((id) => ({
        name: 'publish',
        data: { postId: id },
        opts: { jobId: id, delay: 24 * 3600_000 },
      })),
    );
    waiting += n;
  }
}

const request = () => ({
  accountId: accountIds[Math.floor(Math.random() * accountIds.length)] as string,
  video: { path: 'videos/valid-vertical.mp4' },
  caption: 'growth bench',
  privacyLevel: 'SELF_ONLY',
  // Scheduled too, so the measure adds waiting posts and no worker is needed.
  scheduledAt: new Date(Date.now() + 24 * 3600_000).toISOString(),
});

const timed = async (work: () => Promise<unknown>) => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};

const listOf = (accountId: string) => ctx.posts.list({ ownerId: OWNER, accountId, limit: 50 });

type Row = { waiting: number; enqueue: Sample[]; reconcile: number[]; list: number[] };
const rows: Row[] = [];
try {
  for (const target of [0, Math.floor(POSTS / 2), POSTS]) {
    await addWaiting(target - waiting);
    await db.$executeRawUnsafe('ANALYZE posts');
    await db.$executeRawUnsafe('ANALYZE post_status_events');
    const row: Row = { waiting, enqueue: [], reconcile: [], list: [] };
    for (let round = 0; round < ROUNDS; round++) {
      row.enqueue.push(
        await closedLoop(
          () => enqueuer.enqueuePost({ ownerId: OWNER, request: request() }).then(() => undefined),
          16,
          SECONDS,
        ),
      );
      row.reconcile.push(await timed(() => reconcilePass(ctx)));
      row.list.push(await timed(() => listOf(accountIds[round] as string)));
    }
    rows.push(row);
  }

  // A pass's two parts on their own, at the largest size: the walk over open posts in
  // PostgreSQL, and the liveness reads of their jobs in Redis.
  const open: Array<{ id: string; status: PostStatus }> = [];
  const walkMs = await timed(async () => {
    let after: { updatedAt: Date; id: string } | undefined;
    do {
      const page = await ctx.posts.listOpen({ updatedBefore: new Date(), after, limit: 2000 });
      open.push(...page.posts);
      after = page.next;
    } while (after);
  });
  const livenessMs = await timed(() =>
    jobLiveness(
      deps.redis,
      deps.queues,
      open.map((p) => postJobOf(p.id, p.status)),
    ),
  );

  // What the waiting posts hold.
  let redisBytes = 0;
  let keys = 0;
  let cursor = '0';
  do {
    const [next, batch] = await deps.redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    const pipeline = deps.redis.pipeline();
    for (const key of batch) pipeline.memory('USAGE', key);
    for (const [, bytes] of (await pipeline.exec()) ?? []) redisBytes += Number(bytes ?? 0);
    keys += batch.length;
  } while (cursor !== '0');
  const [sizes] = await db.$queryRaw<
    Array<{ posts: bigint; events: bigint; post_bytes: bigint; event_bytes: bigint }>
  >`SELECT (SELECT count(*) FROM posts) AS posts, (SELECT count(*) FROM post_status_events) AS events,
      pg_total_relation_size('posts') AS post_bytes,
      pg_total_relation_size('post_status_events') AS event_bytes`;
  const total = Number(sizes?.posts ?? 0);

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const cell = (xs: number[], digits = 0) =>
    `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
  const emptyRps = median(rows[0]?.enqueue.map((s) => s.rps) ?? []);
  console.log(
    `\nbench:growth — ${POSTS} posts waiting across ${ACCOUNTS} accounts; ${ROUNDS} rounds per size; median (min–max)\n`,
  );
  console.log(
    '| waiting | enqueue rps | vs empty | enqueue p99 ms | reconciler pass ms | account page ms |',
  );
  console.log(
    '| ------: | ----------: | -------: | -------------: | -----------------: | --------------: |',
  );
  for (const row of rows) {
    const rps = row.enqueue.map((s) => s.rps);
    console.log(
      `| ${row.waiting} | ${cell(rps)} | ${(median(rps) / emptyRps).toFixed(2)}x | ${cell(
        row.enqueue.map((s) => s.p99),
        1,
      )} | ${cell(row.reconcile)} | ${cell(row.list, 1)} |`,
    );
  }
  console.log(
    `\nper waiting post: Redis ${(redisBytes / total).toFixed(0)} bytes (${keys} keys); PostgreSQL ` +
      `${(Number(sizes?.events) / total).toFixed(2)} event rows, ${(Number(sizes?.post_bytes) / total).toFixed(0)} bytes of posts ` +
      `and ${(Number(sizes?.event_bytes) / total).toFixed(0)} of events (indexes included), ${total} posts in all`,
  );
  console.log(
    `\nreconciler pass at ${open.length} open posts, its parts alone: the walk in PostgreSQL ` +
      `${walkMs.toFixed(0)} ms, the job liveness reads in Redis ${livenessMs.toFixed(0)} ms`,
  );
  const plan = async (sql: string) =>
    (await db.$queryRawUnsafe<Array<{ 'QUERY PLAN': string }>>(`EXPLAIN ${sql}`))
      .map((r) => `    ${r['QUERY PLAN']}`)
      .join('\n');
  console.log(
    `\nreconciler page (posts.listOpen):\n${await plan(
      `SELECT id, status, updated_at FROM posts WHERE status IN ('queued', 'scheduled', 'preparing', 'validating', 'uploading', 'processing') AND updated_at < now() - interval '10 seconds' ORDER BY updated_at, id LIMIT 2000`,
    )}`,
  );
  console.log(
    `\naccount page (posts.list):\n${await plan(
      `SELECT * FROM posts WHERE owner_id = '${OWNER}' AND account_id = 'acc_growth_1' ORDER BY created_at DESC, id DESC LIMIT 51`,
    )}`,
  );
} finally {
  await deleteKeysUnder(deps.redis, prefix).catch(() => undefined);
  await deps.close();
  await db.$disconnect();
  await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
}
process.exit(0);
