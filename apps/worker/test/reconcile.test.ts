import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsRegistry } from '@tiktok-fleet/observability';
import { waitUntil } from '@tiktok-fleet/testing';
import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fixture, isFinal, OWNER, useFleet } from './support/fleet';

// The reconciler: every open post has a job that moves it on, whatever Redis lost or
// BullMQ gave up on.
const fleet = useFleet();
const { env } = fleet;
let path: string;
let server: Server;
let callbacks: Array<{ url: string; body: string }>;
let base: string;

/** A quick reconciler for tests: a pass every 300 ms, nothing skipped for being recent. */
const quickReconcile = { reconcile: { everyMs: 300, maxRescues: 1, graceMs: 0 } };
const urlSource = { maxBytes: 50 * 1024 * 1024, timeoutMs: 10_000, allowPrivate: true };

beforeAll(async () => {
  path = await fleet.addMedia(fixture('valid-vertical.mp4'), 'reconcile/clip.mp4');
  callbacks = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      callbacks.push({ url: req.url ?? '', body });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** A post stored without its job, as the API leaves it when Redis is down. */
async function postWithoutJob(accountId: string) {
  const { post } = await env.deps().posts.create({
    ownerId: OWNER,
    accountId,
    videoSourceKind: 'path',
    videoSource: path,
    privacyLevel: 'PUBLIC_TO_EVERYONE',
    mode: 'direct',
    callbackUrl: `${base}/hooks/orphan`,
  });
  expect(await env.queues.publish.getJobState(post.id)).toBe('unknown');
  return post;
}

async function reconcileCounter(name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) =>
    Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  );
  return value?.value ?? 0;
}

describe('the reconciler', () => {
  test('a post stored while Redis was down is found and published without the caller asking again', async () => {
    const { account } = await fleet.connectAccount();
    const requeued = () =>
      reconcileCounter('tiktok_fleet_reconcile_posts_requeued_total', {
        status: 'queued',
        queue: 'publish',
      });
    const before = await requeued();
    const orphan = await postWithoutJob(account.id);
    const workers = await env.start({ ...quickReconcile, urlSource }, { scheduleSweep: true });
    const post = await fleet.waitForPost(orphan.id, isFinal);
    expect(post.status).toBe('published');
    const restored = post.events.find(
      (e) => (e.detail as { code?: string } | null)?.code === 'job_restored',
    );
    expect(restored?.status).toBe('queued');
    expect(JSON.stringify(restored?.detail)).toContain('missing from the queue');
    expect(await requeued()).toBe(before + 1);
    await workers.close({ graceMs: 2_000 });
  });

  test('a post TikTok is processing whose status job is gone gets its poll back', async () => {
    const { account } = await fleet.connectAccount();
    // Published once through the fleet, then its status job is lost and the post put back
    // to processing, as after a Redis without persistence restarted mid-poll.
    const workers = await env.start({ urlSource });
    const created = await fleet.createPost({ accountId: account.id, video: { path } });
    const processing = await fleet.waitForPost(created.id, (p) => p.status === 'processing');
    await workers.close({ graceMs: 2_000 });
    await env.queues.status.obliterate({ force: true });
    const again = await env.start({ ...quickReconcile, urlSource }, { scheduleSweep: true });
    const post = await fleet.waitForPost(created.id, isFinal);
    expect(post.status).toBe('published');
    expect(post.publishId).toBe(processing.publishId);
    expect(JSON.stringify(post.events.map((e) => e.detail))).toContain(
      "The post's status job was missing",
    );
    await again.close({ graceMs: 2_000 });
  });

  test('a publish job that keeps losing its worker ends the post worker_lost after the allowed rescues, with a callback', async () => {
    const { account } = await fleet.connectAccount();
    // Only the reconciler and the callbacks run here: this test plays BullMQ failing the
    // publish job the way it fails one that lost its worker too often.
    const workers = await env.start(
      { ...quickReconcile, urlSource },
      { queues: ['reconcile', 'notify'], scheduleSweep: true },
    );
    const created = await fleet.createPost({
      accountId: account.id,
      video: { path },
      callbackUrl: `${base}/hooks/poison`,
    });
    const taker = new Worker('publish', null, { connection: env.redis, prefix: env.prefix });
    const failAsStalled = async () => {
      const job = await waitUntil(
        async () => {
          const next = await taker.getNextJob('test-token');
          return next?.id === created.id ? next : undefined;
        },
        { what: 'the publish job to come back', intervalMs: 50 },
      );
      await job.moveToFailed(
        new UnrecoverableError('job stalled more than allowable limit'),
        'test-token',
      );
    };
    // First loss: rescued (rescue 1 of 1) and queued again.
    await failAsStalled();
    await fleet.waitForPost(created.id, (p) =>
      p.events.some((e) => (e.detail as { code?: string } | null)?.code === 'rescued'),
    );
    // Second loss: no rescue left.
    await failAsStalled();
    const post = await fleet.waitForPost(created.id, isFinal);
    await taker.close();
    expect(post.status).toBe('failed');
    expect(post.errorCode).toBe('worker_lost');
    expect(post.errorMessage).toContain('Check that the video plays');
    const callback = await waitUntil(() => callbacks.find((c) => c.url === '/hooks/poison'), {
      what: 'the post.failed callback',
      intervalMs: 50,
    });
    expect(JSON.parse(callback.body)).toMatchObject({
      event: 'post.failed',
      post: { id: created.id, status: 'failed' },
    });
    await workers.close({ graceMs: 2_000 });
  });
});
