import { queueTelemetry } from '@tiktok-fleet/observability';
import { type Processor, Worker, type WorkerOptions } from 'bullmq';
import { type FleetJob, jobSchema, type QueueName } from './catalog';
import { DEFAULT_PREFIX } from './connection';
import { InvalidJobPayloadError } from './errors/invalid-job-payload-error';
import { checkPrefix } from './keys';
import type { RedisClient } from './scripts';

/** A processor for queue Q: the job's data has been validated against the catalog. */
export type FleetProcessor<Q extends QueueName, R = unknown> = (
  job: FleetJob<Q>,
  token: string | undefined,
  signal: AbortSignal | undefined,
) => Promise<R>;

export interface CreateWorkerOptions extends Omit<WorkerOptions, 'connection' | 'prefix'> {
  /** A client made with `redisConnection(url, 'worker')`; BullMQ duplicates it for blocking calls. */
  connection: RedisClient;
  /** @defaultValue `{tiktok-fleet}` */
  prefix?: string;
  /** Required: a Worker without an `error` listener crashes the process on its first error. */
  onError: (error: Error) => void;
}

/**
 * A BullMQ worker for one queue of the catalog. Each job's data is checked against its
 * schema before the processor runs; a job that does not match (or whose name the queue does
 * not declare) fails at once with an InvalidJobPayloadError and is not retried.
 */
export function createWorker<Q extends QueueName, R = unknown>(
  queueName: Q,
  processor: FleetProcessor<Q, R>,
  options: CreateWorkerOptions,
): Worker<FleetJob<Q>['data'], R, FleetJob<Q>['name']> {
  const { connection, prefix, onError, ...rest } = options;
  // Three parameters on purpose: BullMQ passes the abort signal only to processors whose
  // declared arity is 3 or more.
  const validated: Processor<FleetJob<Q>['data'], R, FleetJob<Q>['name']> = async (
    job,
    token,
    signal,
  ) => {
    const schema = jobSchema(queueName, job.name);
    if (!schema) {
      throw new InvalidJobPayloadError(queueName, job.name, job.id, [
        `the ${queueName} queue has no job named "${job.name}"`,
      ]);
    }
    const parsed = schema.safeParse(job.data);
    if (!parsed.success) {
      throw new InvalidJobPayloadError(
        queueName,
        job.name,
        job.id,
        parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`),
      );
    }
    // The processor sees the parsed data (unknown fields stripped, types exact).
    job.data = parsed.data as typeof job.data;
    // A Job whose data and name are unions is the same object as the per-name FleetJob union.
    return processor(job as FleetJob<Q>, token, signal);
  };
  const worker = new Worker<FleetJob<Q>['data'], R, FleetJob<Q>['name']>(queueName, validated, {
    // Set while tracing is on: each attempt is a span in the trace of whoever added the job.
    telemetry: queueTelemetry(),
    ...rest,
    connection,
    prefix: checkPrefix(prefix ?? DEFAULT_PREFIX),
  });
  worker.on('error', onError);
  return worker;
}
