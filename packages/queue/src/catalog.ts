import type { DefaultJobOptions, Job, Queue } from 'bullmq';
import type { z } from 'zod';
import {
  analyticsPayload,
  type NotifyEvent,
  notifyPayload,
  preparePayload,
  publishPayload,
  reconcilePassPayload,
  refreshPayload,
  refreshSweepPayload,
  statusPayload,
} from './job-payloads';

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Failed jobs stay a week for people to look at; completed ones only as long as useful. */
const keepFailed = { age: 7 * DAY } as const;

/**
 * A queue whose processes run `WORKER_CONCURRENCY` jobs at once (the worker's setting)
 * rather than a number fixed here.
 */
export const WORKER_CONCURRENCY = 'WORKER_CONCURRENCY';

/**
 * The `prepare` queue's own setting (PREPARE_CONCURRENCY): transcodes are CPU-bound, so they
 * get slots of their own and never take the publish slots.
 */
export const PREPARE_CONCURRENCY = 'PREPARE_CONCURRENCY';

interface QueueSpec {
  /** Job name → schema of its data. */
  jobs: Record<string, z.ZodType>;
  /**
   * Job name → its job id, built from its data (and, for `refresh`, the token's expiry).
   * Same id, same job: BullMQ adds a job whose id exists once. Absent: BullMQ numbers it.
   */
  jobIds?: Record<string, (...key: never[]) => string>;
  /** Job name → BullMQ deduplication id: producers share the job while it runs. */
  deduplicationIds?: Record<string, (data: never) => string>;
  /** Job name → the id of the job scheduler that adds it on a timer. */
  schedulers?: Record<string, string>;
  /** Jobs of this queue one worker process runs at once. */
  concurrency: number | typeof WORKER_CONCURRENCY | typeof PREPARE_CONCURRENCY;
  /** Jobs of this queue running at once across the whole fleet, whatever the processes. */
  globalConcurrency?: number;
  /** How long one try may take; the worker aborts the try's work when it is over. */
  attemptTimeoutMs?: number;
  defaultJobOptions: DefaultJobOptions;
}

/*
 * Time limits: BullMQ has no per-job timeout (its lock only says that a worker is alive;
 * a job runs as long as its processor does). A bound that matters is enforced where the
 * slow thing happens, with an AbortSignal, and stated on each entry below.
 */

/**
 * Every queue and job type of the fleet, declared once with the schema of its data, the id
 * of its jobs and how many run at once. Producers and workers both go through this catalog
 * (and the enqueue functions of queues.ts built on it); nothing else names a queue or
 * builds a job id.
 */
export const jobCatalog = {
  /**
   * Validate, upload and hand over to `status`. Job id = post id: adding a post twice makes
   * one job. Time: the URL download is bounded by URL_SOURCE_TIMEOUT_MS and each TikTok
   * request by the client's timeout; the upload itself runs as long as its chunks make
   * progress, under the account's renewed upload lease.
   */
  publish: {
    jobs: { publish: publishPayload },
    jobIds: { publish: ({ postId }: { postId: string }) => postId },
    concurrency: WORKER_CONCURRENCY,
    defaultJobOptions: {
      // An attempt is only spent by a real failure: a busy account or a full window defers
      // without spending one.
      attempts: 5,
      backoff: { type: 'exponential', delay: 30_000, jitter: 0.5 },
      removeOnComplete: { age: DAY, count: 10_000 },
      removeOnFail: keepFailed,
    },
  },
  /**
   * Turn a video TikTok would refuse into one it takes, with ffmpeg, before the publish job
   * validates and uploads it (docs/architecture.md, Preparing a video). One job per post
   * (`prepare-<postId>`): a publish job that hands over twice adds one. CPU-bound, so its
   * own concurrency (PREPARE_CONCURRENCY), and KEDA can scale it apart. Time: each transcode
   * is killed after PREPARE_TIMEOUT_MS, and its output is capped at PREPARE_MAX_OUTPUT_BYTES.
   */
  prepare: {
    jobs: { prepare: preparePayload },
    jobIds: { prepare: ({ postId }: { postId: string }) => `prepare-${postId}` },
    concurrency: PREPARE_CONCURRENCY,
    defaultJobOptions: {
      // ffmpeg failing on a file fails the post at once; attempts are for a lost machine.
      attempts: 3,
      backoff: { type: 'exponential', delay: 10_000, jitter: 0.5 },
      removeOnComplete: { age: HOUR, count: 1_000 },
      removeOnFail: keepFailed,
    },
  },
  /**
   * Follow TikTok's processing of one publish_id to the end. One job per post
   * (`status-<postId>`): a retried publish adds nothing, and the webhook receiver finds the
   * job to promote it. Time: one status request per run; the wait for a public post id
   * ends after the worker's `statusPoll.postIdWaitMs`.
   */
  status: {
    jobs: { status: statusPayload },
    jobIds: { status: ({ postId }: { postId: string }) => `status-${postId}` },
    concurrency: WORKER_CONCURRENCY,
    defaultJobOptions: {
      attempts: 8,
      backoff: { type: 'exponential', delay: 5_000, jitter: 0.5 },
      removeOnComplete: { age: HOUR, count: 1_000 },
      removeOnFail: keepFailed,
    },
  },
  /**
   * Refresh one account's tokens, or (`sweep`) find the accounts that need it. One refresh
   * per account and token expiry (`refresh-<accountId>-<expiry ms>`): overlapping sweeps add
   * it once. Light, and rate-limited by TikTok: two at a time is plenty. Time: one token
   * request, under the account's refresh lease.
   */
  'token-refresh': {
    jobs: { refresh: refreshPayload, sweep: refreshSweepPayload },
    jobIds: {
      refresh: ({ accountId }: { accountId: string }, accessTokenExpiresAt: Date) =>
        `refresh-${accountId}-${accessTokenExpiresAt.getTime()}`,
    },
    schedulers: { sweep: 'token-refresh-sweep' },
    concurrency: 2,
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 10_000, jitter: 0.5 },
      removeOnComplete: { age: HOUR, count: 1_000 },
      removeOnFail: keepFailed,
    },
  },
  /**
   * Fetch view, like, comment and share counts of an account or a post. Readers asking for
   * the same account or post while a job runs share it (deduplication, not a job id).
   * Light: two at a time. Time: the API waits a bounded time for the result.
   */
  analytics: {
    jobs: { analytics: analyticsPayload },
    deduplicationIds: {
      analytics: ({ accountId, postId }: { accountId: string; postId?: string | undefined }) =>
        postId ? `post-${postId}` : `account-${accountId}`,
    },
    concurrency: 2,
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 60_000, jitter: 0.5 },
      removeOnComplete: { age: HOUR, count: 1_000 },
      removeOnFail: keepFailed,
    },
  },
  /**
   * POST a post's terminal state to its callbackUrl. Receivers may be down for a while.
   * One job per post and event (`notify-<postId>-<event>`): the API and a worker noticing
   * the same change send one callback.
   */
  notify: {
    jobs: { notify: notifyPayload },
    jobIds: {
      notify: ({ postId, event }: { postId: string; event: NotifyEvent }) =>
        `notify-${postId}-${event}`,
    },
    concurrency: WORKER_CONCURRENCY,
    /** How long a receiver has to answer before the try counts as failed (the worker aborts). */
    attemptTimeoutMs: 10_000,
    defaultJobOptions: {
      // 10 s doubling: the last try is about 11 hours after the first.
      attempts: 13,
      backoff: { type: 'exponential', delay: 10_000, jitter: 0.5 },
      removeOnComplete: { age: DAY, count: 10_000 },
      removeOnFail: keepFailed,
    },
  },
  /**
   * The reconciler: find the posts that are not final and whose job is missing, failed or
   * done, and put the right job back. The queue runs one pass at a time across the fleet
   * (global concurrency 1), so passes never overlap whatever the number of pods; its
   * scheduler has one id, so every pod upserting it makes one schedule. The pass added at
   * start has its own fixed id. Time: one pass over the open posts, in pages.
   */
  reconcile: {
    jobs: { pass: reconcilePassPayload },
    jobIds: { pass: () => 'reconcile-at-start' },
    schedulers: { pass: 'reconcile-pass' },
    concurrency: 1,
    globalConcurrency: 1,
    defaultJobOptions: {
      // A failed pass is simply the next one's work.
      attempts: 1,
      removeOnComplete: { count: 100 },
      removeOnFail: { count: 100 },
    },
  },
} as const satisfies Record<string, QueueSpec>;

type Catalog = typeof jobCatalog;

export type QueueName = keyof Catalog;
export const QUEUE_NAMES = Object.keys(jobCatalog) as QueueName[];

export type JobName<Q extends QueueName> = keyof Catalog[Q]['jobs'] & string;

type JobSchema<Q extends QueueName, N extends JobName<Q>> = Catalog[Q]['jobs'][N] extends z.ZodType
  ? Catalog[Q]['jobs'][N]
  : never;

/** Data as a worker sees it, after validation. */
export type JobPayload<Q extends QueueName, N extends JobName<Q>> = z.output<JobSchema<Q, N>>;
/** Data as a producer gives it. */
export type JobInput<Q extends QueueName, N extends JobName<Q>> = z.input<JobSchema<Q, N>>;

/** The data of any job of queue Q. */
export type QueueData<Q extends QueueName> = { [N in JobName<Q>]: JobPayload<Q, N> }[JobName<Q>];

/** A BullMQ queue typed by the catalog. */
export type FleetQueue<Q extends QueueName> = Queue<QueueData<Q>, unknown, JobName<Q>>;

/** A job of queue Q; narrowing on `job.name` narrows `job.data`. */
export type FleetJob<Q extends QueueName> = {
  [N in JobName<Q>]: Job<JobPayload<Q, N>, unknown, N>;
}[JobName<Q>];

/** The schema of a job's data, or undefined for a name the queue does not declare. */
export function jobSchema(queueName: QueueName, jobName: string): z.ZodType | undefined {
  const jobs: Record<string, z.ZodType> = jobCatalog[queueName].jobs;
  return Object.hasOwn(jobs, jobName) ? jobs[jobName] : undefined;
}

/**
 * Jobs of queue `queueName` one process runs at once, given its WORKER_CONCURRENCY (and
 * PREPARE_CONCURRENCY, 1 when not given).
 */
export function concurrencyOf(
  queueName: QueueName,
  workerConcurrency: number,
  prepareConcurrency = 1,
): number {
  const { concurrency } = jobCatalog[queueName];
  if (concurrency === WORKER_CONCURRENCY) return workerConcurrency;
  if (concurrency === PREPARE_CONCURRENCY) return prepareConcurrency;
  return concurrency;
}
