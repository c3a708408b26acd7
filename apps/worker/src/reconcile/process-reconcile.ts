import { enqueue, type FleetProcessor } from '@tiktok-fleet/queue';
import type { Queue } from 'bullmq';
import type { WorkerContext } from '../deps';
import { type ReconcilePassResult, reconcilePass } from './reconcile-pass';

/** The job scheduler that runs a pass every RECONCILE_INTERVAL_MS. */
export const RECONCILE_SCHEDULER_ID = 'reconcile-pass';

/** The `reconcile` processor: one pass per job. */
export function createReconcileProcessor(
  ctx: WorkerContext,
): FleetProcessor<'reconcile', ReconcilePassResult> {
  return async () => await reconcilePass(ctx);
}

/**
 * Runs the reconciler at start and every interval, one pass at a time across the fleet:
 * the queue's global concurrency of 1 holds however many pods run it, and the scheduler has
 * one id, so every pod upserting it makes one schedule.
 */
export async function scheduleReconcile(ctx: WorkerContext): Promise<void> {
  // BullMQ types the scheduler id as a job name; it is not one.
  const queue: Queue = ctx.queues.reconcile;
  await queue.setGlobalConcurrency(1);
  await queue.upsertJobScheduler(
    RECONCILE_SCHEDULER_ID,
    { every: ctx.settings.reconcile.everyMs },
    { name: 'pass', data: { pass: true } },
  );
  // A pass now as well: a restarted fleet should not wait an interval to find its posts.
  // Removed when done, so the next start can add it again.
  await enqueue(
    ctx.queues,
    'reconcile',
    'pass',
    { pass: true },
    { jobId: 'reconcile-at-start', removeOnComplete: true, removeOnFail: true },
  );
}
