import { setTimeout as sleep } from 'node:timers/promises';
import { enqueuePublish, findPublishJob } from '@tiktok-fleet/queue';
import type { WorkerContext } from '../deps';

/** How long to wait for the publish job that handed over to finish before adding it again. */
const HANDED_OVER_WAIT_MS = 10_000;
const POLL_MS = 100;

/**
 * Gives a prepared post back to its publish job (job id = post id). The job that handed the
 * post over is normally completed by now and is replaced; a quick remux can finish while it
 * is still returning, so an active one is waited for. Were it to outlast the wait, the post
 * (now `queued` with a finished job) is the reconciler's, which adds the job.
 */
export async function handBackToPublish(
  ctx: WorkerContext,
  postId: string,
  prepareJobId: string | undefined,
): Promise<void> {
  const until = Date.now() + HANDED_OVER_WAIT_MS;
  while (Date.now() < until) {
    const job = await findPublishJob(ctx.queues, postId);
    const state = job ? await job.getState() : 'unknown';
    if (state === 'active') {
      await sleep(POLL_MS);
      continue;
    }
    if (state === 'delayed') {
      await job?.promote();
      return;
    }
    if (state === 'waiting' || state === 'prioritized' || state === 'waiting-children') return;
    await job?.remove();
    await enqueuePublish(ctx.queues, postId);
    return;
  }
  ctx.logger.warn(
    { postId, prepareJobId },
    'publish job still active after preparing; left to the reconciler',
  );
}
