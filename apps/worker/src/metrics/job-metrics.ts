import { fleetMetrics } from '@tiktok-fleet/observability';
import type { FleetProcessor, QueueName } from '@tiktok-fleet/queue';
import type { Job, Worker } from 'bullmq';

/** BullMQ's own marker errors: the job was put back on purpose, not failed. */
const PUT_BACK = new Set(['DelayedError', 'WaitingError']);

/**
 * Counts a job that its processor put back without spending an attempt (`deferJob`: a
 * busy account, a full window, a rate limit, a shutdown). BullMQ emits no event for that,
 * so the processor is wrapped. Keeps three parameters: BullMQ passes the abort signal only
 * to processors that declare it.
 */
export function countDeferrals<Q extends QueueName, R>(
  queue: Q,
  processor: FleetProcessor<Q, R>,
): FleetProcessor<Q, R> {
  return async (job, token, signal) => {
    try {
      return await processor(job, token, signal);
    } catch (error) {
      if (error instanceof Error && PUT_BACK.has(error.name)) {
        fleetMetrics.jobOutcome(queue, 'deferred');
      }
      throw error;
    }
  };
}

/**
 * Records every job attempt of `worker` from its events: completed, failed (for good) or
 * retried, stalled, with how long it ran; how long it waited before its first start; and
 * lost lock renewals.
 */
export function recordJobMetrics(worker: Worker<unknown, unknown, string>): void {
  const queue = worker.name;
  worker.on('active', (job: Job) => {
    // Later starts follow a deferral or a retry backoff: their wait is the fleet's choice.
    if (job.attemptsStarted <= 1) fleetMetrics.jobStarted(queue, job);
  });
  worker.on('completed', (job: Job) => fleetMetrics.jobFinished(queue, 'completed', job));
  worker.on('failed', (job: Job | undefined, error: Error) => {
    if (!job) return fleetMetrics.jobOutcome(queue, 'failed');
    // As BullMQ decided in moveToFailed (attemptsMade already counts this attempt).
    const final =
      error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    fleetMetrics.jobFinished(queue, final ? 'failed' : 'retried', job);
  });
  worker.on('stalled', () => fleetMetrics.jobOutcome(queue, 'stalled'));
  worker.on('lockRenewalFailed', (jobIds: string[]) => {
    for (const _ of jobIds) fleetMetrics.jobLockRenewalFailed(queue);
  });
}
