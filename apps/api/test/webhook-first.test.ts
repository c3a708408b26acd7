import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig } from '@tiktok-fleet/config';
import { createPrismaClient } from '@tiktok-fleet/db';
import { createRowInspector } from '@tiktok-fleet/db/inspect';
import { createLogger } from '@tiktok-fleet/observability';
import { findStatusJob } from '@tiktok-fleet/queue';
import { waitUntil } from '@tiktok-fleet/testing';
import { makeTestPatternVideo } from '@tiktok-fleet/testing/videos';
import { createWorkerDeps, startWorkers, WORKER_CONFIG_KEYS } from '@tiktok-fleet/worker';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectedAccountId } from './support/connect';
import { startApi } from './support/harness';

// issue 12 "Webhook first" and issue 11 "A webhook that arrives while the post's status job
// is running is dropped": the sandbox delivers TikTok's webhooks to the API over HTTP, the
// workers' status polls are 10 minutes apart, so a post that ends within seconds did so
// because of its webhooks. A row lock held by the test on the post decides, without any
// timing, that the webhook comes before the status job exists, or while it runs.

const TEN_MINUTES = 10 * 60_000;
const api = await startApi();
const db = createPrismaClient(api.config.DATABASE_URL, { poolSize: 2 });
let accountId = '';

const workerDeps = createWorkerDeps(
  parseConfig(WORKER_CONFIG_KEYS, {
    NODE_ENV: 'test',
    TIKTOK_CLIENT_KEY: api.config.TIKTOK_CLIENT_KEY,
    TIKTOK_CLIENT_SECRET: api.config.TIKTOK_CLIENT_SECRET,
    TIKTOK_API_BASE_URL: api.config.TIKTOK_API_BASE_URL,
    TIKTOK_AUTH_URL: api.config.TIKTOK_AUTH_URL,
    REDIS_URL: api.config.REDIS_URL,
    REDIS_PREFIX: api.config.REDIS_PREFIX,
    DATABASE_URL: api.config.DATABASE_URL,
    DATABASE_POOL_SIZE: '3',
    TOKEN_ENCRYPTION_KEY: api.config.TOKEN_ENCRYPTION_KEY,
    MEDIA_ROOT: api.mediaRoot,
    CALLBACK_SIGNING_SECRET: 'webhook-first-callback-secret',
  }),
  createLogger({ name: 'worker', level: process.env.TEST_LOG_LEVEL ?? 'silent', format: 'json' }),
);
workerDeps.settings = {
  ...workerDeps.settings,
  statusPoll: {
    firstDelayMs: TEN_MINUTES,
    maxDelayMs: TEN_MINUTES,
    postIdWaitMs: 3 * TEN_MINUTES,
    postIdPollMs: TEN_MINUTES,
  },
};
const workers = await startWorkers(workerDeps, { scheduleSweep: false });

beforeAll(async () => {
  await api.sandboxControl('PATCH', '/_sandbox/config', {
    webhookUrl: `${api.baseUrl}/api/integrations/tiktok/webhook`,
    rateLimits: false,
  });
  accountId = await connectedAccountId(api);
  await mkdir(join(api.mediaRoot, 'clips'), { recursive: true });
  await makeTestPatternVideo(join(api.mediaRoot, 'clips', 'short.mp4'), 3);
});

afterAll(async () => {
  await workers.close({ graceMs: 2_000 });
  await workerDeps.close();
  await db.$disconnect();
}, 30_000);

async function createPost(): Promise<string> {
  const created = await api.call('POST', '/v1/posts', {
    json: {
      accountId,
      video: { path: 'clips/short.mp4' },
      caption: 'webhook first',
      privacyLevel: 'PUBLIC_TO_EVERYONE',
    },
  });
  expect(created.status, created.text).toBe(202);
  return created.body.id;
}

const postOf = (id: string) => createRowInspector(db).post(id);
const describePost = async (id: string) =>
  JSON.stringify(
    (await db.postStatusEvent.findMany({ where: { postId: id }, orderBy: { id: 'asc' } })).map(
      (e) => [e.status, e.detail],
    ),
  );

/** Holds a row lock on the post until `release`: the worker's writes to it wait. */
async function lockPost(postId: string): Promise<() => Promise<void>> {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked = () => {};
  const isLocked = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const transaction = db.$transaction(
    async (tx) => {
      await tx.$queryRaw`SELECT id FROM posts WHERE id = ${postId} FOR UPDATE`;
      locked();
      await released;
    },
    { timeout: 30_000 },
  );
  await Promise.race([isLocked, transaction]);
  return async () => {
    release();
    await transaction;
  };
}

/** A worker statement waiting for the test's row lock (the write it wants to make). */
async function workerWaitsOnLock(table: string): Promise<boolean> {
  const rows = await db.$queryRaw<unknown[]>`
    SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
      AND wait_event_type = 'Lock' AND query ILIKE ${`%${table}%`}`;
  return rows.length > 0;
}

async function webhooksDelivered(): Promise<number> {
  const keys = await api.redis.keys(`${api.config.REDIS_PREFIX}:webhook-seen:*`);
  return keys.length;
}

describe('webhook first', () => {
  test('webhooks that come before the status job exists end the post at once, with its public id', async () => {
    // Every TikTok request takes 300 ms: the chunk is still on its way when the test sees
    // `uploading` and takes the lock.
    await api.sandboxControl('PATCH', '/_sandbox/config', {
      processingDelayMs: 0,
      moderationDelayMs: 0,
      latencyMs: 300,
    });
    const before = await webhooksDelivered();
    const postId = await createPost();
    await waitUntil(async () => (await postOf(postId))?.status === 'uploading', {
      what: 'the upload to start',
      describe: () => describePost(postId),
    });
    // The worker cannot record the last chunk (so cannot hand over to a status job) until
    // TikTok has sent both webhooks.
    const release = await lockPost(postId);
    try {
      await waitUntil(async () => (await webhooksDelivered()) >= before + 2, {
        what: 'TikTok’s complete and publicly_available webhooks to reach the API',
      });
    } finally {
      await release();
    }
    const published = await waitUntil(
      async () => {
        const post = await postOf(postId);
        return post?.status === 'published' && post;
      },
      { what: 'the post published without waiting for its 10-minute first poll' },
    );
    expect(published.tiktokPostId).toMatch(/^\d{19}$/);
    // The publish job found the outcome at its hand-over and ended the post itself: no
    // status poll round at all.
    expect(await findStatusJob(workerDeps.queues, postId)).toBeUndefined();
    expect(await describePost(postId)).toContain("TikTok's webhook said the post is public");
  });

  test('a publicly_available webhook that comes while the status job runs is not dropped', async () => {
    await api.sandboxControl('PATCH', '/_sandbox/config', {
      processingDelayMs: 300,
      moderationDelayMs: 600,
      latencyMs: 0,
    });
    const before = await webhooksDelivered();
    const postId = await createPost();
    await waitUntil(async () => (await postOf(postId))?.status === 'processing', {
      what: 'the post handed over to its status job',
      describe: () => describePost(postId),
    });
    // The complete webhook promotes the status job; TikTok says PUBLISH_COMPLETE without a
    // public id yet, and the job's note about it waits on the lock: it is running when
    // publicly_available arrives.
    const release = await lockPost(postId);
    try {
      await waitUntil(() => workerWaitsOnLock('post_status_events'), {
        what: 'the status job to be running, held at its note',
      });
      await waitUntil(async () => (await webhooksDelivered()) >= before + 2, {
        what: 'the publicly_available webhook to reach the API',
      });
    } finally {
      await release();
    }
    const published = await waitUntil(
      async () => {
        const post = await postOf(postId);
        return post?.status === 'published' && post;
      },
      { what: 'the post published without waiting for its next 10-minute poll' },
    );
    expect(published.tiktokPostId).toMatch(/^\d{19}$/);
  });
});
