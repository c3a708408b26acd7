import type { QueueName } from './catalog';
import type { FleetQueues } from './queues';
import { fleetCommands, type RedisClient } from './scripts';

export type JobLiveness = 'missing' | 'live' | 'completed' | 'failed';

const LIVENESS: readonly JobLiveness[] = ['missing', 'live', 'completed', 'failed'];

/** Ids per script call: large enough to amortise the round trip, short enough not to block Redis. */
const BATCH = 1000;

/**
 * Whether each job can still run by itself, one script call per queue and 1,000 ids
 * (commands/job-liveness-4.lua) instead of BullMQ's one getState script per job: what the
 * reconciler reads for a page of open posts. Answers in the order of `jobs`.
 */
export async function jobLiveness(
  redis: RedisClient,
  queues: FleetQueues,
  jobs: ReadonlyArray<{ queue: QueueName; jobId: string }>,
): Promise<JobLiveness[]> {
  const out: JobLiveness[] = new Array(jobs.length);
  const byQueue = new Map<QueueName, number[]>();
  for (const [i, job] of jobs.entries()) {
    const list = byQueue.get(job.queue) ?? [];
    list.push(i);
    byQueue.set(job.queue, list);
  }
  const calls: Promise<void>[] = [];
  for (const [name, indexes] of byQueue) {
    const queue = queues[name];
    for (let at = 0; at < indexes.length; at += BATCH) {
      const slice = indexes.slice(at, at + BATCH);
      calls.push(
        fleetCommands(redis)
          .tfJobLiveness(
            queue.toKey(''),
            queue.toKey('completed'),
            queue.toKey('failed'),
            queue.toKey('delayed'),
            ...slice.map((i) => jobs[i]?.jobId as string),
          )
          .then((reply) => {
            for (const [k, i] of slice.entries()) out[i] = LIVENESS[Number(reply[k])] ?? 'live';
          }),
      );
    }
  }
  await Promise.all(calls);
  return out;
}
