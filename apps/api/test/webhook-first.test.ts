import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseConfig } from '@tiktok-fleet/config';
import { createPrismaClient } from '@tiktok-fleet/db';
import { createRowInspector } from '@tiktok-fleet/db/inspect';
import { createLogger } from '@tiktok-fleet/observability';
import { findStatusJob } from '@tiktok-fleet/queue';
import { startTcpProxy, waitUntil } from '@tiktok-fleet/testing';
import { makeTestPatternVideo } from '@tiktok-fleet/testing/videos';
import { createWorkerDeps, startWorkers, WORKER_CONFIG_KEYS } from '@tiktok-fleet/worker';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectedAccountId } from './support/connect';
import { startApi } from './support/harness';

// issue 12 "Webhook first" and issue 11 "A webhook that arrives while the post's status job
// is running is dropped": the sandbox delivers TikTok's webhooks to the API over HTTP, the
// workers' status polls are 10 minutes apart, so a post that ends within seconds did so
// because of its webhooks. A row lock held by the test on the post decides, without any
// timing, that the webhook comes before the status job exists, or while it runs. The
// worker's Redis goes through a relay (tcp-proxy.ts) that can hold its connection between
// two commands: the webhook then comes after the worker read the record and before it
// added the status job.

const TEN_MINUTES = 10 * 60_000;
const api = await startApi();
const workerRedis = await startTcpProxy(api.config.REDIS_URL);
const db = createPrismaClient(api.config.DATABASE_URL, { poolSize: 2 });
let accountId = '';

const workerDeps = createWorkerDeps(
  parseConfig(WORKER_CONFIG_KEYS, {
    NODE_ENV: 'test',
    TIKTOK_CLIENT_KEY: api.config.TIKTOK_CLIENT_KEY,
    TIKTOK_CLIENT_SECRET: api.config.TIKTOK_CLIENT_SECRET,
    TIKTOK_API_BASE_URL: api.config.TIKTOK_API_BASE_URL,
    TIKTOK_AUTH_URL: api.config.TIKTOK_AUTH_URL,
    REDIS_URL: workerRedis.url,
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
  await workerRedis.close();
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
/** The post once it is published; `what` says which poll it must not have waited for. */
const publishedWithoutPoll = (postId: string, what: string) =>
  waitUntil(
    async () => {
      const post = await postOf(postId);
      return post?.status === 'published' && post;
    },
    { what },
  );
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

/**
 * Takes the sandbox's webhooks instead of the API, and hands them on when the test says:
 * TikTok's delivery, late by as much as the test needs.
 */
async function startWebhookRelay() {
  const held: Array<{ headers: IncomingHttpHeaders; body: Buffer }> = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      held.push({ headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`,
    held,
    /** Delivers what was held to the API, in the order TikTok sent it. */
    async deliverAll() {
      for (const { headers, body } of held.splice(0)) {
        const reply = await fetch(`${api.baseUrl}/api/integrations/tiktok/webhook`, {
          method: 'POST',
          headers: {
            'content-type': String(headers['content-type'] ?? 'application/json'),
            'tiktok-signature': String(headers['tiktok-signature'] ?? ''),
          },
          body: new Uint8Array(body),
        });
        expect(reply.status).toBe(200);
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
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
    const published = await publishedWithoutPoll(
      postId,
      'the post published without waiting for its 10-minute first poll',
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
    const published = await publishedWithoutPoll(
      postId,
      'the post published without waiting for its next 10-minute poll',
    );
    expect(published.tiktokPostId).toMatch(/^\d{19}$/);
  });

  test('a webhook that comes between the hand-over reading the record and adding the status job is not left to the poll', async () => {
    const relay = await startWebhookRelay();
    await api.sandboxControl('PATCH', '/_sandbox/config', {
      processingDelayMs: 0,
      moderationDelayMs: 0,
      latencyMs: 0,
      webhookUrl: relay.url,
    });
    try {
      const postId = await createPost();
      const statusJobId = `status-${postId}`;
      // The worker's connection stops at the status job's add: it read the (empty) record
      // just before.
      const release = await workerRedis.holdWhen((chunk) => chunk.includes(statusJobId));
      try {
        await waitUntil(() => relay.held.length >= 2, {
          what: 'TikTok’s complete and publicly_available webhooks',
        });
        await relay.deliverAll();
      } finally {
        release();
      }
      const published = await publishedWithoutPoll(
        postId,
        'the post published without waiting for its 10-minute first poll',
      );
      expect(published.tiktokPostId).toMatch(/^\d{19}$/);
      // The status job was added, 10 minutes out, and ended the post from the webhook.
      expect(await findStatusJob(workerDeps.queues, postId)).toBeDefined();
      expect(await describePost(postId)).toContain("TikTok's webhook said the post is public.");
    } finally {
      await api.sandboxControl('PATCH', '/_sandbox/config', {
        webhookUrl: `${api.baseUrl}/api/integrations/tiktok/webhook`,
      });
      await relay.close();
    }
  });
});
