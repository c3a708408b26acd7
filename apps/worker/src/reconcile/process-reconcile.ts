import { type FleetProcessor, scheduleReconcilePasses } from '@tiktok-fleet/queue';
import type { WorkerContext } from '../deps';
import { type ReconcilePassResult, reconcilePass } from './reconcile-pass';

/** The `reconcile` processor: one pass per job. */
export function createReconcileProcessor(
  ctx: WorkerContext,
): FleetProcessor<'reconcile', ReconcilePassResult> {
  return async () => await reconcilePass(ctx);
}

/**
 * Runs the reconciler at start and every RECONCILE_INTERVAL_MS, one pass at a time across
 * the fleet (the catalog's scheduler id and global concurrency).
 */
export async function scheduleReconcile(ctx: WorkerContext): Promise<void> {
  await scheduleReconcilePasses(ctx.queues, ctx.settings.reconcile.everyMs);
}
