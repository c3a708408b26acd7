import type { DefaultJobOptions, Job, Queue } from 'bullmq';
import type { z } from 'zod';
import {
  analyticsPayload,
  notifyPayload,
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

interface QueueSpec {
  /** Job name → schema of its data. */
  jobs: Record<string, z.ZodType>;
  defaultJobOptions: DefaultJobOptions;
}

/**
 * Every queue and job type of the fleet, declared once with the schema of its data.
 * Producers and workers both go through this catalog; nothing else names a queue.
 */
export const jobCatalog = {
  /** Validate, upload and hand over to `status`. Job id = post id. */
  publish: {
    jobs: { publish: publishPayload },
    defaultJobOptions: {
      // An attempt is only spent by a real failure: a busy account or a full window defers
      // without spending one.
      attempts: 5,
      backoff: { type: 'exponential', delay: 30_000, jitter: 0.5 },
      removeOnComplete: { age: DAY, count: 10_000 },
      removeOnFail: keepFailed,
    },
  },
  /** Follow TikTok's processing of one publish_id to the end. */
  status: {
    jobs: { status: statusPayload },
    defaultJobOptions: {
      attempts: 8,
      backoff: { type: 'exponential', delay: 5_000, jitter: 0.5 },
      removeOnComplete: { age: HOUR, count: 1_000 },
      removeOnFail: keepFailed,
    },
  },
  /** Refresh one account's tokens, or (`sweep`) find the accounts that need it. */
  'token-refresh': {
    jobs: { refresh: refreshPayload, sweep: refreshSweepPayload },
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 10_000, jitter: 0.5 },
      removeOnComplete: { age: HOUR, count: 1_000 },
      removeOnFail: keepFailed,
    },
  },
  /** Fetch view, like, comment and share counts of an account or a post. */
  analytics: {
    jobs: { analytics: analyticsPayload },
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 60_000, jitter: 0.5 },
      removeOnComplete: { age: HOUR, count: 1_000 },
      removeOnFail: keepFailed,
    },
  },
  /** POST a post's terminal state to its callbackUrl. Receivers may be down for a while. */
  notify: {
    jobs: { notify: notifyPayload },
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
   * (global concurrency 1), so passes never overlap whatever the number of pods.
   */
  reconcile: {
    jobs: { pass: reconcilePassPayload },
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
