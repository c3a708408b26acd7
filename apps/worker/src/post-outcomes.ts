import { type Post, type PostStatus, PostStatusConflictError, type Prisma } from '@tiktok-fleet/db';
import { fleetMetrics } from '@tiktok-fleet/observability';
import { isFinalStatus } from '@tiktok-fleet/posts/rules';
import {
  enqueueNotify,
  enqueueStatus,
  jobCatalog,
  promoteStatusJob,
  readWebhookOutcome,
  type WebhookOutcome,
  watchWebhookOutcome,
} from '@tiktok-fleet/queue';
import type { WorkerContext } from './deps';
import { releaseDailySlot } from './publish/daily-slot';

/**
 * Ends a post `failed` with a code and a message, and fires its callback. `releaseSlot`
 * gives its place in the 24 h window back: only for a post TikTok never received, since
 * TikTok counts the ones it did whatever happens next. `fence`: an upload lease holder's
 * write, refused once another holder took the post over. Returns false when the post had
 * already reached a final status (canceled meanwhile, or failed by someone else).
 */
export async function failPost(
  ctx: WorkerContext,
  post: Pick<Post, 'id' | 'accountId'>,
  failure: { code: string; message: string; details?: Prisma.InputJsonObject },
  options: { releaseSlot: boolean; fence?: number },
): Promise<boolean> {
  if (options.releaseSlot) await releaseDailySlot(ctx, post);
  try {
    const failed = await ctx.posts.transition(post.id, 'failed', {
      fence: options.fence,
      changes: { errorCode: failure.code, errorMessage: failure.message },
      detail: { code: failure.code, message: failure.message, ...failure.details },
    });
    ctx.logger.info({ postId: post.id, code: failure.code }, 'post failed');
    fleetMetrics.postFinished('failed', failure.code);
    // One callback per post and event (the catalog's job id), however often this runs.
    await enqueueNotify(ctx.queues, failed, failed.status);
    return true;
  } catch (error) {
    if (error instanceof PostStatusConflictError) return false;
    throw error;
  }
}

/**
 * Records an event on a post without changing its status (a note: a deferral, a callback
 * delivery). Works on final posts too, which `transition` rightly refuses to move.
 */
export async function recordEvent(
  ctx: WorkerContext,
  postId: string,
  status: PostStatus,
  detail: Prisma.InputJsonObject,
  options: { fence?: number } = {},
): Promise<void> {
  await ctx.posts.note(postId, status, detail, options);
}

export const isFinal = isFinalStatus;

/**
 * Starts following TikTok's processing of a post: one status job per post (the catalog's
 * job id), so a retried publish job that gets here again adds nothing. The job then
 * watches the publish's webhook record, so the webhook receiver promotes it; a webhook
 * that came after the record was read and before the watch began is caught by the watch
 * itself (webhook-watch-1.lua), and the job runs at once rather than at its first poll.
 */
export async function ensureStatusJob(
  ctx: WorkerContext,
  post: Pick<Post, 'id'> & { publishId: string },
  options: { delayMs?: number; webhooks?: WebhookOutcome | null } = {},
): Promise<void> {
  // TikTok's webhook may have come already (before this job existed): then ask at once.
  const webhooks =
    options.webhooks !== undefined
      ? options.webhooks
      : await readWebhookOutcome(ctx.redis, ctx.settings.prefix, post.publishId);
  const job = await enqueueStatus(
    ctx.queues,
    {
      postId: post.id,
      publishId: post.publishId,
      pollCount: 0,
      startedAt: Date.now(),
      // Its first run acts on these already.
      ...(webhooks && { webhookSeen: webhooks.version }),
    },
    { delayMs: webhooks ? 0 : (options.delayMs ?? ctx.settings.statusPoll.firstDelayMs) },
  );
  const jobId = job.id ?? jobCatalog.status.jobIds.status({ postId: post.id });
  const arrived = await watchWebhookOutcome(ctx.redis, ctx.settings.prefix, post.publishId, jobId);
  // A job added to run at once (a webhook was read) reads the record when it runs.
  if (!webhooks && arrived > 0) await promoteStatusJob(ctx.queues, jobId);
}
