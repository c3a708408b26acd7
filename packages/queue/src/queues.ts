import type { PostStatus } from '@tiktok-fleet/db';
import { queueTelemetry } from '@tiktok-fleet/observability';
import { ErrorCode, Job, type JobsOptions, Queue } from 'bullmq';
import {
  type FleetQueue,
  type JobInput,
  type JobName,
  type JobPayload,
  jobCatalog,
  jobSchema,
  QUEUE_NAMES,
  type QueueName,
} from './catalog';
import { DEFAULT_PREFIX } from './connection';
import { InvalidJobPayloadError } from './errors/invalid-job-payload-error';
import { NOTIFY_EVENT_OF } from './job-payloads';
import { checkPrefix } from './keys';
import type { RedisClient } from './scripts';

/** One typed queue per catalog entry, keyed by queue name. */
export type FleetQueues = { [Q in QueueName]: FleetQueue<Q> };

export interface CreateQueuesOptions {
  /** @defaultValue `{tiktok-fleet}` */
  prefix?: string;
  /**
   * Required: a Queue without an `error` listener crashes the process on its first
   * connection error (Node's EventEmitter rule).
   */
  onError: (error: Error, queueName: QueueName) => void;
}

/**
 * The producer side of every queue, on one shared client: make it with
 * `redisConnection(url, 'producer')`, so `add()` fails fast while Redis is down instead of
 * queueing in memory. Redis must be reachable when the queues are created.
 */
export function createQueues(connection: RedisClient, options: CreateQueuesOptions): FleetQueues {
  const prefix = checkPrefix(options.prefix ?? DEFAULT_PREFIX);
  const entries = QUEUE_NAMES.map((name) => {
    const queue = new Queue(name, {
      connection,
      prefix,
      defaultJobOptions: jobCatalog[name].defaultJobOptions,
      // Set while tracing is on: a job carries the trace of whoever added it.
      telemetry: queueTelemetry(),
    });
    queue.on('error', (error) => options.onError(error, name));
    return [name, queue] as const;
  });
  return Object.fromEntries(entries) as unknown as FleetQueues;
}

/** Closes every queue. The shared client stays open: quit it yourself afterwards. */
export async function closeQueues(queues: FleetQueues): Promise<void> {
  await Promise.all(Object.values(queues).map((queue) => queue.close()));
}

/**
 * Adds a job after checking its data against the catalog, so a bad payload is refused at the
 * producer with a clear error instead of failing later in a worker.
 */
export async function enqueue<Q extends QueueName, N extends JobName<Q>>(
  queues: FleetQueues,
  queueName: Q,
  jobName: N,
  data: JobInput<Q, N>,
  opts?: JobsOptions,
) {
  const schema = jobSchema(queueName, jobName);
  const parsed = schema?.safeParse(data);
  if (!parsed?.success) {
    const problems = parsed
      ? parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`)
      : [`the ${queueName} queue has no job named ${jobName}`];
    throw new InvalidJobPayloadError(queueName, jobName, opts?.jobId, problems);
  }
  // BullMQ's generics cannot follow a generic Q and N; the signature above ties them together.
  const queue: Queue = queues[queueName];
  return queue.add(jobName, parsed.data, opts) as Promise<Job<JobPayload<Q, N>, unknown, N>>;
}

/**
 * The enqueue contract for a post (docs/architecture.md, The flow of one post): the job id is
 * the post id (the catalog's), so adding the same post twice makes one job, and a future
 * `scheduledAt` becomes a delay.
 */
export async function enqueuePublish(
  queues: FleetQueues,
  postId: string,
  options: { scheduledAt?: Date | null; now?: number } = {},
) {
  // BullMQ refuses ':' in custom ids and treats all-digit ids as its own counters.
  if (postId.includes(':') || /^\d+$/.test(postId)) {
    throw new InvalidJobPayloadError('publish', 'publish', undefined, [
      `postId "${postId}" cannot be a job id (no ':' and not only digits)`,
    ]);
  }
  const delay = options.scheduledAt
    ? Math.max(0, options.scheduledAt.getTime() - (options.now ?? Date.now()))
    : 0;
  const data = { postId };
  return enqueue(queues, 'publish', 'publish', data, {
    jobId: jobCatalog.publish.jobIds.publish(data),
    delay,
  });
}

/**
 * Starts following TikTok's processing of a post: one status job per post, so a retried
 * publish that gets here again adds nothing.
 */
export async function enqueueStatus(
  queues: FleetQueues,
  data: JobInput<'status', 'status'>,
  options: { delayMs: number },
) {
  return enqueue(queues, 'status', 'status', data, {
    jobId: jobCatalog.status.jobIds.status(data),
    delay: options.delayMs,
  });
}

/**
 * Queues the callback of a post that reached `status`, when that status has an event and
 * the post a callbackUrl (undefined otherwise). One job per post and event, so the API and
 * a worker noticing the same change send one callback.
 */
export async function enqueueNotify(
  queues: FleetQueues,
  post: { id: string; callbackUrl: string | null },
  status: PostStatus,
) {
  const event = NOTIFY_EVENT_OF[status];
  if (!event || !post.callbackUrl) return undefined;
  const data = { postId: post.id, event, status };
  return enqueue(queues, 'notify', 'notify', data, {
    jobId: jobCatalog.notify.jobIds.notify(data),
  });
}

/** Refreshes an account's tokens: one job per account and expiry, however many sweeps ask. */
export async function enqueueRefresh(
  queues: FleetQueues,
  account: { id: string; accessTokenExpiresAt: Date },
) {
  const data = { accountId: account.id };
  return enqueue(queues, 'token-refresh', 'refresh', data, {
    jobId: jobCatalog['token-refresh'].jobIds.refresh(data, account.accessTokenExpiresAt),
  });
}

/** Asks for fresh numbers of an account or a post; readers of the same one share the job. */
export async function enqueueAnalytics(
  queues: FleetQueues,
  data: JobInput<'analytics', 'analytics'>,
) {
  return enqueue(queues, 'analytics', 'analytics', data, {
    deduplication: { id: jobCatalog.analytics.deduplicationIds.analytics(data) },
  });
}

/** Runs the token-refresh sweep every `everyMs`: one scheduler for the fleet, whatever the pods. */
export async function scheduleRefreshSweep(queues: FleetQueues, everyMs: number): Promise<void> {
  // BullMQ types the scheduler id as a job name; it is not one.
  const queue: Queue = queues['token-refresh'];
  await queue.upsertJobScheduler(
    jobCatalog['token-refresh'].schedulers.sweep,
    { every: everyMs },
    { name: 'sweep', data: { sweep: true } },
  );
}

/**
 * Runs a reconciler pass now and every `everyMs`, one at a time across the fleet (the
 * catalog's global concurrency holds however many pods run it).
 */
export async function scheduleReconcilePasses(queues: FleetQueues, everyMs: number): Promise<void> {
  // BullMQ types the scheduler id as a job name; it is not one.
  const queue: Queue = queues.reconcile;
  await queue.setGlobalConcurrency(jobCatalog.reconcile.globalConcurrency);
  await queue.upsertJobScheduler(
    jobCatalog.reconcile.schedulers.pass,
    { every: everyMs },
    { name: 'pass', data: { pass: true } },
  );
  // A pass now as well: a restarted fleet should not wait an interval to find its posts.
  // Removed when done, so the next start can add it again.
  await enqueue(
    queues,
    'reconcile',
    'pass',
    { pass: true },
    { jobId: jobCatalog.reconcile.jobIds.pass(), removeOnComplete: true, removeOnFail: true },
  );
}

/** The queues whose job carries an open post (see postJobOf). */
export function isPostJobQueue(
  queueName: QueueName,
): queueName is 'publish' | 'status' | 'prepare' {
  return queueName === 'publish' || queueName === 'status' || queueName === 'prepare';
}

/**
 * Which job carries an open post in this status: `status` polls while TikTok processes it,
 * `prepare` runs ffmpeg while it is `preparing`, `publish` does the rest.
 */
export function postJobOf(postId: string, status: PostStatus) {
  if (status === 'processing') {
    return { queue: 'status', jobId: jobCatalog.status.jobIds.status({ postId }) } as const;
  }
  if (status === 'preparing') {
    return { queue: 'prepare', jobId: jobCatalog.prepare.jobIds.prepare({ postId }) } as const;
  }
  return { queue: 'publish', jobId: jobCatalog.publish.jobIds.publish({ postId }) } as const;
}

/** Hands a post to the `prepare` queue: one job per post, however often it is asked. */
export async function enqueuePrepare(queues: FleetQueues, postId: string) {
  const data = { postId };
  return enqueue(queues, 'prepare', 'prepare', data, {
    jobId: jobCatalog.prepare.jobIds.prepare(data),
  });
}

/** The post's prepare job, if Redis has it. */
export async function findPrepareJob(queues: FleetQueues, postId: string) {
  return queues.prepare.getJob(jobCatalog.prepare.jobIds.prepare({ postId }));
}

/** The post's publish job, if Redis has it. */
export async function findPublishJob(queues: FleetQueues, postId: string) {
  return queues.publish.getJob(jobCatalog.publish.jobIds.publish({ postId }));
}

/** The post's status job, if Redis has it. */
export async function findStatusJob(queues: FleetQueues, postId: string) {
  return queues.status.getJob(jobCatalog.status.jobIds.status({ postId }));
}

/**
 * Ends the wait of a delayed status job, by its id (the watcher a webhook record names),
 * in one command: no read of the job first. False when it is not waiting in `delayed`
 * (it is running or about to, or it is gone): then it reads the record itself.
 */
export async function promoteStatusJob(queues: FleetQueues, jobId: string): Promise<boolean> {
  try {
    await new Job(queues.status, 'status', {}, {}, jobId).promote();
    return true;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === ErrorCode.JobNotInState || code === ErrorCode.JobNotExist) return false;
    throw error;
  }
}
