import type { PostStatus, PostWithEvents } from '@tiktok-fleet/db';
import { fleetMetrics } from '@tiktok-fleet/observability';
import { enqueuePublish, postJobOf } from '@tiktok-fleet/queue';
import type { WorkerContext } from '../deps';
import { ensureStatusJob, failPost, isFinal } from '../post-outcomes';
import { addPrepareJob } from '../prepare/hand-over';
import { uploadFinished } from '../publish/stored-post';

/** BullMQ states in which a job will still run (or runs now) without anyone's help. */
const LIVE_STATES = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);

/** The history entry of a rescue: the reconciler counts these to stop a poison post. */
export const RESCUED = 'rescued';

export type ReconcileAction = 'alive' | 'final' | 'gone' | 'requeued' | 'gave_up';

export interface ReconcileOutcome {
  postId: string;
  action: ReconcileAction;
  status?: PostStatus;
  /** The job's state when it was found dead: missing, failed or completed. */
  jobState?: string;
}

/** The state of the job that should carry the post, as BullMQ reports it ('unknown': none). */
async function jobStateOf(ctx: WorkerContext, postId: string, status: PostStatus) {
  const { queue, jobId } = postJobOf(postId, status);
  return await ctx.queues[queue].getJobState(jobId);
}

const isLive = (state: string) => LIVE_STATES.has(state);

/**
 * Makes sure an open post has a job that will move it on: when its job is missing (Redis
 * lost it, or was down when the post was stored), failed (BullMQ gave up on a job that kept
 * losing its worker) or completed without finishing the post, it puts the right job back:
 * `publish` to resume (the job id is the post id, so racing reconcilers add one job), or
 * `status` to poll. A publish job rescued `maxRescues` times ends the post `failed` with
 * `worker_lost` instead, so a video that kills its worker cannot take the fleet down forever.
 */
export async function reconcilePost(ctx: WorkerContext, postId: string): Promise<ReconcileOutcome> {
  // Two looks: a job that just finished its part (publish handing over to status) moves the
  // post on between our reads of the post and of the job.
  for (let look = 0; look < 2; look++) {
    const post = await ctx.posts.get(postId);
    if (!post) return { postId, action: 'gone' };
    if (isFinal(post.status)) return { postId, action: 'final', status: post.status };
    const state = await jobStateOf(ctx, post.id, post.status);
    if (isLive(state)) return { postId, action: 'alive', status: post.status };
    // Only the status is read again: a move to another stage is what changes the job.
    if ((await ctx.posts.currentStatus(postId)) === post.status) {
      return await revive(ctx, post, state === 'unknown' ? 'missing' : state);
    }
  }
  return { postId, action: 'alive' };
}

async function revive(
  ctx: WorkerContext,
  post: PostWithEvents,
  jobState: string,
): Promise<ReconcileOutcome> {
  const { queue, jobId } = postJobOf(post.id, post.status);
  const { maxRescues } = ctx.settings.reconcile;
  fleetMetrics.reconcileFound(post.status, jobState);
  const job = jobState === 'missing' ? undefined : await ctx.queues[queue].getJob(jobId);
  const why = job?.failedReason ? ` (${job.failedReason})` : '';
  // Only a failed publish or prepare job counts: it is how BullMQ reports a job that lost its
  // worker WORKER_MAX_STALLED_COUNT + 1 times (both fail the post themselves otherwise). A job
  // Redis lost says nothing about the post.
  const lostWorker = (queue === 'publish' || queue === 'prepare') && jobState === 'failed';
  const rescues = post.events.filter((e) => detailCode(e.detail) === RESCUED).length;
  if (lostWorker && rescues >= maxRescues) {
    await failPost(
      ctx,
      post,
      {
        code: 'worker_lost',
        message:
          `The fleet lost the worker working on this post ${rescues + 1} times${why} and stopped ` +
          'trying, so the post cannot keep taking workers down. Nothing was posted to TikTok. ' +
          'Check that the video plays (it may crash the video checks) and send it again.',
      },
      { releaseSlot: !uploadFinished(post) },
    );
    fleetMetrics.reconcileGaveUp();
    ctx.logger.warn({ postId: post.id, rescues }, 'post failed: worker lost too often');
    return { postId: post.id, action: 'gave_up', status: post.status, jobState };
  }
  // A dead job keeps its id until it is removed; only then can the post's job be added again.
  await job?.remove();
  if (queue === 'publish') {
    await enqueuePublish(ctx.queues, post.id, { scheduledAt: post.scheduledAt });
  } else if (queue === 'prepare') {
    // ffmpeg starts again from the source; a dead run's part file is never used.
    await addPrepareJob(ctx, post.id);
  } else {
    await ensureStatusJob(
      ctx,
      { id: post.id, publishId: post.publishId as string },
      { delayMs: 0 },
    );
  }
  await ctx.posts.note(post.id, post.status, {
    code: lostWorker ? RESCUED : 'job_restored',
    message: lostWorker
      ? `A worker was lost while working on this post${why}; the fleet put its job back ` +
        `(rescue ${rescues + 1} of ${maxRescues}). It carries on where it stopped.`
      : `The post's ${queue} job was ${jobState === 'missing' ? 'missing from the queue (Redis lost it, or could not be reached when the post was stored)' : `${jobState} without finishing the post`}; the fleet added it again.`,
    jobState,
  });
  fleetMetrics.reconcileRequeued(post.status, queue);
  ctx.logger.warn(
    { postId: post.id, queue, jobState },
    'reconciler put the post back in its queue',
  );
  return { postId: post.id, action: 'requeued', status: post.status, jobState };
}

function detailCode(detail: unknown): unknown {
  return detail && typeof detail === 'object' ? (detail as { code?: unknown }).code : undefined;
}
