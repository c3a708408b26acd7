import { createTestRedisPrefix } from '@tiktok-fleet/testing';
import type { Job, Worker } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { jobCatalog } from '../src/catalog';
import { waitForRedis } from '../src/connection';
import { createWorker } from '../src/create-worker';
import { InvalidJobPayloadError } from '../src/errors/invalid-job-payload-error';
import {
  closeQueues,
  createQueues,
  enqueue,
  enqueuePublish,
  type FleetQueues,
} from '../src/queues';
import { connect } from './helpers';

const prefix = createTestRedisPrefix('worker');
/** The error test's own keys: nothing another test left behind can reach its worker. */
const quietPrefix = createTestRedisPrefix('worker-quiet');
const producer = connect('producer');
const consumer = connect();
const errors: Error[] = [];
let queues: FleetQueues;

beforeAll(async () => {
  await waitForRedis(producer);
  queues = createQueues(producer, { prefix, onError: (e) => errors.push(e) });
});
// Each test answers for the errors its own queues and workers reported.
afterEach(() => {
  expect(errors.splice(0)).toEqual([]);
});
afterAll(async () => {
  await closeQueues(queues);
  await producer.quit();
  await consumer.quit();
});

/** Resolves with the next job the worker finishes, completed or failed. */
function nextFinished<D, R, N extends string>(worker: Worker<D, R, N>) {
  type Finished = { job: Job<D, R, N>; outcome: 'completed' | 'failed'; error?: Error };
  return new Promise<Finished>((resolve) => {
    worker.once('completed', (job) => resolve({ job, outcome: 'completed' }));
    worker.once('failed', (job, error) => job && resolve({ job, outcome: 'failed', error }));
  });
}

describe('queues and workers typed by the catalog', () => {
  test('every queue of the catalog exists, under the prefix, with its default job options', async () => {
    expect(Object.keys(queues).sort()).toEqual(
      ['analytics', 'notify', 'prepare', 'publish', 'reconcile', 'status', 'token-refresh'].sort(),
    );
    expect(queues.publish.opts.prefix).toBe(prefix);
    expect(queues.notify.defaultJobOptions).toMatchObject(jobCatalog.notify.defaultJobOptions);
    expect(queues.publish.defaultJobOptions.removeOnFail).toEqual({ age: 7 * 24 * 3600 });
    const job = await enqueuePublish(queues, 'post_keys');
    expect(await producer.exists(`${prefix}:publish:${job.id}`)).toBe(1);
  });

  test('a worker hands valid data to the processor and refuses invalid data without retrying', async () => {
    const seen: unknown[] = [];
    const worker = createWorker(
      'status',
      async (job) => {
        seen.push(job.data);
        return 'done';
      },
      { connection: consumer, prefix, onError: (e) => errors.push(e) },
    );
    try {
      const ok = nextFinished(worker);
      await enqueue(queues, 'status', 'status', {
        postId: 'post_1',
        publishId: 'v_pub_file~v2-1.1',
        pollCount: 0,
        startedAt: 1,
      });
      expect((await ok).outcome).toBe('completed');
      expect(seen).toEqual([
        { postId: 'post_1', publishId: 'v_pub_file~v2-1.1', pollCount: 0, startedAt: 1 },
      ]);

      // A producer that skips the catalog (an old version, a hand-written script).
      const bad = nextFinished(worker);
      await queues.status.add('status', { postId: 'post_2', pollCount: -1 } as never, {
        attempts: 5,
      });
      const failed = await bad;
      expect(failed.outcome).toBe('failed');
      expect(failed.error).toBeInstanceOf(InvalidJobPayloadError);
      expect(failed.error?.message).toMatch(/^The status\/status job \d+ has invalid data: /);
      expect(failed.error?.message).toMatch(/publishId/);
      expect(failed.error?.message).toMatch(/pollCount/);
      // Failed at once, one attempt of five, and the processor never saw it.
      expect(await failed.job.getState()).toBe('failed');
      expect(failed.job.attemptsMade).toBe(1);
      expect(seen).toHaveLength(1);

      const unknown = nextFinished(worker);
      await queues.status.add('poll' as never, { postId: 'post_3' } as never);
      const unknownName = await unknown;
      expect(unknownName.error?.message).toMatch(/has no job named "poll"/);
      expect(seen).toHaveLength(1);
    } finally {
      await worker.close();
    }
  });

  test('a processor of a queue with several job types can tell them apart', async () => {
    const seen: string[] = [];
    const worker = createWorker(
      'token-refresh',
      async (job) => {
        // Narrowing on the name narrows the data: this line type-checks only if it does.
        seen.push(
          job.name === 'sweep' ? `sweep:${job.data.sweep}` : `refresh:${job.data.accountId}`,
        );
      },
      { connection: consumer, prefix, onError: (e) => errors.push(e) },
    );
    try {
      const first = nextFinished(worker);
      await enqueue(queues, 'token-refresh', 'refresh', { accountId: 'acc_9' });
      await first;
      const second = nextFinished(worker);
      await enqueue(queues, 'token-refresh', 'sweep', { sweep: true });
      await second;
      expect(seen).toEqual(['refresh:acc_9', 'sweep:true']);
    } finally {
      await worker.close();
    }
  });

  test('enqueue refuses data that does not match the catalog, before it reaches Redis', async () => {
    await expect(
      enqueue(queues, 'notify', 'notify', {
        postId: 'p',
        event: 'post.done',
        status: 'published',
      } as never),
    ).rejects.toMatchObject({ code: 'invalid_job_payload', name: 'InvalidJobPayloadError' });
    expect(await queues.notify.count()).toBe(0);
  });

  test('enqueuePublish: the job id is the post id, so the same post twice is one job', async () => {
    const a = await enqueuePublish(queues, 'post_dup');
    const b = await enqueuePublish(queues, 'post_dup');
    expect(a.id).toBe('post_dup');
    expect(b.id).toBe('post_dup');
    const scheduled = await enqueuePublish(queues, 'post_later', {
      scheduledAt: new Date(Date.UTC(2030, 0, 1)),
      now: Date.UTC(2029, 11, 31),
    });
    expect(scheduled.delay).toBe(24 * 3600 * 1000);
    expect(await scheduled.getState()).toBe('delayed');
    await expect(enqueuePublish(queues, 'post:1')).rejects.toThrow(InvalidJobPayloadError);
    await expect(enqueuePublish(queues, '12345')).rejects.toThrow(InvalidJobPayloadError);
  });

  test('valid, invalid and unknown jobs make no queue or worker report an error', async () => {
    const reported: string[] = [];
    const own = createQueues(producer, {
      prefix: quietPrefix,
      onError: (e, name) => reported.push(`queue ${name}: ${e.message}`),
    });
    const worker = createWorker('status', async () => 'done', {
      connection: consumer,
      prefix: quietPrefix,
      onError: (e) => reported.push(`worker: ${e.message}`),
    });
    try {
      const outcomes: string[] = [];
      for (const add of [
        () =>
          enqueue(own, 'status', 'status', {
            postId: 'post_q',
            publishId: 'v_pub_file~v2-1.2',
            pollCount: 0,
            startedAt: 1,
          }),
        () => own.status.add('status', { postId: 'post_q2' } as never),
        () => own.status.add('poll' as never, { postId: 'post_q3' } as never),
      ]) {
        const finished = nextFinished(worker);
        await add();
        outcomes.push((await finished).outcome);
      }
      // A refused job is a failed job, not an error of the queue or the worker.
      expect(outcomes).toEqual(['completed', 'failed', 'failed']);
      await enqueuePublish(own, 'post_quiet');
      expect(await own.publish.getJobState('post_quiet')).toBe('waiting');
    } finally {
      await worker.close();
      await closeQueues(own);
    }
    expect(reported).toEqual([]);
  });
});
