import { fleetMetrics } from '@tiktok-fleet/observability';
import { jobLiveness, postJobOf } from '@tiktok-fleet/queue';
import type { WorkerContext } from '../deps';
import { type ReconcileOutcome, reconcilePost } from './reconcile-post';

const PAGE_SIZE = 2000;

export interface ReconcilePassResult {
  /** Open posts looked at. */
  checked: number;
  /** Posts given a job again. */
  requeued: number;
  /** Posts failed with worker_lost. */
  gaveUp: number;
}

/**
 * One pass over every post that is not final, a page at a time: one statement lists the
 * page (the partial index on open posts), one script call reads whether each page's jobs
 * can still run (jobLiveness); only the others, the posts that need attention, go through
 * {@link reconcilePost}, which reads each again. Posts that moved within the grace period
 * are left out: their job is surely on its way (the API adds it right after the row).
 */
export async function reconcilePass(ctx: WorkerContext): Promise<ReconcilePassResult> {
  fleetMetrics.reconcilePass();
  const updatedBefore = new Date(Date.now() - ctx.settings.reconcile.graceMs);
  const result: ReconcilePassResult = { checked: 0, requeued: 0, gaveUp: 0 };
  const list = (after?: { updatedAt: Date; id: string }) =>
    ctx.posts.listOpen({ updatedBefore, after, limit: PAGE_SIZE });
  let next = list();
  for (;;) {
    const { posts: page, next: after } = await next;
    result.checked += page.length;
    // The next page is read from PostgreSQL while Redis answers for this one.
    if (after) next = list(after);
    const states = await jobLiveness(
      ctx.redis,
      ctx.queues,
      page.map((p) => postJobOf(p.id, p.status)),
    );
    for (const [i, post] of page.entries()) {
      if (states[i] === 'live') continue;
      const outcome: ReconcileOutcome = await reconcilePost(ctx, post.id);
      if (outcome.action === 'requeued') result.requeued += 1;
      if (outcome.action === 'gave_up') result.gaveUp += 1;
    }
    if (!after) break;
  }
  if (result.requeued + result.gaveUp > 0) ctx.logger.warn(result, 'reconciler pass');
  return result;
}
