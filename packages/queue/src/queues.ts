import { type Job, type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
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
import { checkPrefix } from './keys';

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
export function createQueues(connection: Redis, options: CreateQueuesOptions): FleetQueues {
  const prefix = checkPrefix(options.prefix ?? DEFAULT_PREFIX);
  const entries = QUEUE_NAMES.map((name) => {
    const queue = new Queue(name, {
      connection,
      prefix,
      defaultJobOptions: jobCatalog[name].defaultJobOptions,
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
 * The enqueue contract for a post (docs/architecture.md, The flow of one post): the job id is the
 * post id, so adding the same post twice makes one job, and a future `scheduledAt` becomes a delay.
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
  return enqueue(queues, 'publish', 'publish', { postId }, { jobId: postId, delay });
}
