import { createTestRedisPrefix } from '@tiktok-fleet/testing';
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { waitForRedis } from '../src/connection';
import { createWorker } from '../src/create-worker';
import { busyDeferralDelay, deferJob, deferralCount } from '../src/defer-job';
import { closeQueues, createQueues, enqueue, type FleetQueues } from '../src/queues';
import { connect } from './helpers';

const prefix = createTestRedisPrefix('defer');
const producer = connect('producer');
const consumer = connect();
let queues: FleetQueues;

beforeAll(async () => {
  await waitForRedis(producer);
  queues = createQueues(producer, { prefix, onError: (e) => expect.fail(e.message) });
});
afterAll(async () => {
  await closeQueues(queues);
  await producer.quit();
  await consumer.quit();
});

interface Run {
  attemptsMade: number;
  attemptsStarted: number;
  deferrals: number;
  processedOn: number | undefined;
  deferredUntil?: number;
}

describe('deferJob', () => {
  test('a deferred job spends no attempt, waits in delayed, and runs again later', async () => {
    const runs: Run[] = [];
    // From the stream's start (this file's prefix is fresh): reading from "now" may begin after
    // the first `delayed` event, which a Redis Cluster's extra round trips made happen.
    const events = new QueueEvents('publish', { connection: consumer, prefix, lastEventId: '0-0' });
    await events.waitUntilReady();
    const delayedEvents: string[] = [];
    events.on('delayed', ({ jobId }) => delayedEvents.push(jobId));
    const done = new Promise<void>((resolve, reject) => {
      const worker = createWorker(
        'publish',
        async (job, token) => {
          const run: Run = {
            attemptsMade: job.attemptsMade,
            attemptsStarted: job.attemptsStarted,
            deferrals: deferralCount(job),
            processedOn: job.processedOn,
          };
          runs.push(run);
          if (runs.length <= 2) {
            // The account is busy: come back later.
            run.deferredUntil = Date.now() + 100;
            await deferJob(job, token, 100);
          }
          return 'published';
        },
        { connection: consumer, prefix, onError: reject },
      );
      worker.on('completed', () => void worker.close().then(resolve, reject));
      worker.on('failed', (_job, error) => reject(error));
    });

    // attempts: 1 — had a deferral spent an attempt, the job would have failed outright.
    await enqueue(
      queues,
      'publish',
      'publish',
      { postId: 'post_busy' },
      {
        jobId: 'post_busy',
        attempts: 1,
      },
    );
    await done;
    // It sat in BullMQ's delayed set each time, like any delayed job (the events stream may
    // deliver after the worker finished).
    await expect.poll(() => delayedEvents).toEqual(['post_busy', 'post_busy']);
    await events.close();

    expect(runs).toHaveLength(3);
    expect(runs.map((r) => r.attemptsMade)).toEqual([0, 0, 0]);
    expect(runs.map((r) => r.attemptsStarted)).toEqual([1, 2, 3]);
    expect(runs.map((r) => r.deferrals)).toEqual([0, 1, 2]);
    // Each run started no earlier than the time it was deferred to.
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i]?.processedOn).toBeGreaterThanOrEqual(runs[i - 1]?.deferredUntil ?? Infinity);
    }
    const finished = await queues.publish.getJob('post_busy');
    expect(await finished?.getState()).toBe('completed');
    expect(finished?.returnvalue).toBe('published');
  });

  test('busyDeferralDelay grows exponentially with the deferrals, capped, with jitter taken off', () => {
    const after = (deferrals: number, random: number) =>
      busyDeferralDelay(
        { attemptsStarted: deferrals + 1, attemptsMade: 0 },
        { baseMs: 1_000, maxMs: 60_000, jitter: 0.5 },
        () => random,
      );
    expect([0, 1, 2, 3].map((d) => after(d, 0))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(after(20, 0)).toBe(60_000);
    expect(after(2, 1)).toBe(2_000);
    expect(after(2, 0.5)).toBe(3_000);
  });
});
