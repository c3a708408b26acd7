import { createTestRedisPrefix } from '@tiktok-fleet/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { concurrencyOf } from '../src/catalog';
import {
  closeQueues,
  createQueues,
  enqueueAnalytics,
  enqueueNotify,
  enqueuePublish,
  enqueueRefresh,
  enqueueStatus,
  type FleetQueues,
  findPublishJob,
  findStatusJob,
  postJobOf,
  scheduleReconcilePasses,
  scheduleRefreshSweep,
} from '../src/queues';
import { connect } from './helpers';

const prefix = createTestRedisPrefix('enqueue-jobs');
const producer = connect('producer');
let queues: FleetQueues;

beforeAll(async () => {
  // No worker here: the jobs stay where they are added.
  queues = createQueues(producer, { prefix, onError: () => undefined });
});
afterAll(async () => {
  await Promise.all(Object.values(queues).map((q) => q.obliterate({ force: true })));
  await closeQueues(queues);
  await producer.quit();
});

describe('the enqueue functions add each job once, under the catalog id', () => {
  test('a status job per post, found again by post id', async () => {
    const data = { postId: 'post_s1', publishId: 'v_pub_1', pollCount: 0, startedAt: 1 };
    const first = await enqueueStatus(queues, data, { delayMs: 60_000 });
    const again = await enqueueStatus(queues, { ...data, startedAt: 2 }, { delayMs: 0 });
    expect(again.id).toBe(first.id);
    expect(await queues.status.getJobCountByTypes('delayed', 'waiting')).toBe(1);
    expect((await findStatusJob(queues, 'post_s1'))?.data).toEqual(data);
    expect(postJobOf('post_s1', 'processing')).toEqual({ queue: 'status', jobId: first.id });
  });

  test('a publish job is found by its post id, which is its job id', async () => {
    const job = await enqueuePublish(queues, 'post_p1');
    expect((await findPublishJob(queues, 'post_p1'))?.id).toBe(job.id);
    expect(postJobOf('post_p1', 'uploading')).toEqual({ queue: 'publish', jobId: 'post_p1' });
  });

  test('one callback per post and event, and none for a status without an event', async () => {
    const post = { id: 'post_n1', callbackUrl: 'https://example.com/hook' };
    const first = await enqueueNotify(queues, post, 'failed');
    const again = await enqueueNotify(queues, post, 'failed');
    expect(first?.data).toEqual({ postId: 'post_n1', event: 'post.failed', status: 'failed' });
    expect(again?.id).toBe(first?.id);
    expect(await enqueueNotify(queues, post, 'uploading')).toBeUndefined();
    expect(
      await enqueueNotify(queues, { ...post, callbackUrl: null }, 'published'),
    ).toBeUndefined();
    expect(await queues.notify.getJobCountByTypes('waiting')).toBe(1);
  });

  test('one refresh per account and token expiry', async () => {
    const expiry = new Date('2026-12-01T12:00:00Z');
    const first = await enqueueRefresh(queues, { id: 'acc_r1', accessTokenExpiresAt: expiry });
    const again = await enqueueRefresh(queues, { id: 'acc_r1', accessTokenExpiresAt: expiry });
    const next = await enqueueRefresh(queues, {
      id: 'acc_r1',
      accessTokenExpiresAt: new Date(expiry.getTime() + 3_600_000),
    });
    expect(again.id).toBe(first.id);
    expect(next.id).not.toBe(first.id);
    expect(await queues['token-refresh'].getJobCountByTypes('waiting')).toBe(2);
  });

  test('readers of one post share an analytics job while it waits', async () => {
    const first = await enqueueAnalytics(queues, { accountId: 'acc_a1', postId: 'post_a1' });
    const again = await enqueueAnalytics(queues, { accountId: 'acc_a1', postId: 'post_a1' });
    const account = await enqueueAnalytics(queues, { accountId: 'acc_a1' });
    expect(again.id).toBe(first.id);
    expect(account.id).not.toBe(first.id);
  });

  test('the schedulers are one each however often they are upserted', async () => {
    await scheduleRefreshSweep(queues, 60_000);
    await scheduleRefreshSweep(queues, 60_000);
    await scheduleReconcilePasses(queues, 30_000);
    await scheduleReconcilePasses(queues, 30_000);
    expect(await queues['token-refresh'].getJobSchedulersCount()).toBe(1);
    expect(await queues.reconcile.getJobSchedulersCount()).toBe(1);
    expect(await queues.reconcile.getGlobalConcurrency()).toBe(1);
  });

  test("a queue's concurrency is the catalog's number, or the worker's WORKER_CONCURRENCY", () => {
    expect(concurrencyOf('publish', 8)).toBe(8);
    expect(concurrencyOf('token-refresh', 8)).toBe(2);
    expect(concurrencyOf('reconcile', 8)).toBe(1);
  });
});
