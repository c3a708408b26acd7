import { fleetMetrics } from '@tiktok-fleet/observability';
import type { WorkerContext } from '../deps';
import { isLive, jobStateOf, type ReconcileOutcome, reconcilePost } from './reconcile-post';

const PAGE_SIZE = 500;

export interface ReconcilePassResult {
  /** Open posts looked at. */
  checked: number;
  /** Posts given a job again. */
  requeued: number;
  /** Posts failed with worker_lost. */
  gaveUp: number;
}

/**
 * One pass over every post that is not final: a post whose job is alive costs one Redis
 * call; the others go through {@link reconcilePost}. Posts that moved within the grace
 * period are left out: their job is surely on its way (the API adds it right after the row).
 */
export async function reconcilePass(ctx: WorkerContext): Promise<ReconcilePassResult> {
  fleetMetrics.reconcilePass();
  const updatedBefore = new Date(Date.now() - ctx.settings.reconcile.graceMs);
  const result: ReconcilePassResult = { checked: 0, requeued: 0, gaveUp: 0 };
  let after: { updatedAt: Date; id: string } | undefined;
  for (;;) {
    const page = await ctx.posts.listOpen({ updatedBefore, after, limit: PAGE_SIZE });
    result.checked += page.length;
    // Concurrent calls on one ioredis client go out pipelined: one round trip per page.
    const states = await Promise.all(page.map((p) => jobStateOf(ctx, p.id, p.status)));
    for (const [i, post] of page.entries()) {
      if (isLive(states[i] as string)) continue;
      const outcome: ReconcileOutcome = await reconcilePost(ctx, post.id);
      if (outcome.action === 'requeued') result.requeued += 1;
      if (outcome.action === 'gave_up') result.gaveUp += 1;
    }
    const last = page.at(-1);
    if (!last || page.length < PAGE_SIZE) break;
    after = { updatedAt: last.updatedAt, id: last.id };
  }
  if (result.requeued + result.gaveUp > 0) ctx.logger.warn(result, 'reconciler pass');
  return result;
}
