import type { Post, PostStatus, PublicAccount } from '@tiktok-fleet/db';
import {
  deferJob,
  type FleetJob,
  type FleetProcessor,
  readWebhookOutcome,
  type WebhookOutcome,
} from '@tiktok-fleet/queue';
import { describeFailReason, type PublishStatus } from '@tiktok-fleet/tiktok';
import { UnrecoverableError } from 'bullmq';
import type { WorkerContext } from '../deps';
import { describeError } from '../errors';
import { infrastructureDelay, isInfrastructureUnavailable } from '../infrastructure';
import { recordTikTokWait } from '../metrics/tiktok-waits';
import { failPost, isFinal, recordEvent } from '../post-outcomes';
import { outcomeOf } from '../publish/error-outcome';
import { TikTokSession } from '../tiktok-session';
import { accountLostAuthorization } from '../tokens/fail-waiting-posts';
import { finishPublished, shareUrlFor } from './finish-published';

type StatusJob = FleetJob<'status'>;

export interface StatusResult {
  status: PostStatus | 'gone';
  tiktokStatus?: string;
}

const INBOX_NOTE = "in the creator's TikTok inbox; they finish posting in the app";
const WAITING_FOR_ID =
  'Published on TikTok; waiting for TikTok to make the post public (moderation) to learn its id.';

/**
 * The `status` processor: one job per post (the catalog's job id) that asks TikTok where the
 * publish stands and, while it is still processing, puts itself back in `delayed` (no
 * attempt spent) with a growing wait. The webhook receiver promotes the job when TikTok
 * reports first, which ends the wait early; a webhook that came before the job existed or
 * while it ran is read from Redis (webhook-outcomes.ts), so none is lost to timing.
 */
export function createStatusProcessor(ctx: WorkerContext): FleetProcessor<'status', StatusResult> {
  return async (job, token) => {
    // By publish id, without the history (one query): no post has it when the post is gone
    // or has abandoned that publish for another.
    const post = await ctx.posts
      .findByPublishId(job.data.publishId)
      .catch(async (error: unknown) => {
        if (!isInfrastructureUnavailable(error)) throw error;
        return await deferJob(job, token, infrastructureDelay(job));
      });
    if (!post || post.id !== job.data.postId) return { status: 'gone' };
    // Final already (the webhook path got there first, or the post was canceled).
    if (isFinal(post.status)) return { status: post.status };
    try {
      // One read of the account: its tokens for the session, its handle for the share URL.
      const found = await ctx.accounts.getForPosting(post.accountId);
      const recorded = await readWebhookOutcome(ctx.redis, ctx.settings.prefix, job.data.publishId);
      const ended = await finishFromRecord(ctx, post, recorded, found);
      if (ended) return ended;
      const session = await TikTokSession.open(ctx, post.accountId, found?.tokens);
      const status = await session.call('status', (t) =>
        ctx.tiktok.fetchPublishStatus(t, job.data.publishId),
      );
      // Read after TikTok answered, so a webhook that came while it did is seen here.
      const webhooks = await readWebhookOutcome(ctx.redis, ctx.settings.prefix, job.data.publishId);
      return await handleStatus(ctx, job, token, post, session, status, webhooks, found?.account);
    } catch (error) {
      return await onError(ctx, job, token, post, error);
    }
  };
}

/**
 * TikTok's `publicly_available` webhook (recorded with the post id) says a Direct Post is
 * posted and public: what status/fetch would answer (PUBLISH_COMPLETE with that id), so
 * the post ends without asking. Drafts still ask: one draft can become several posts, and
 * the inbox step is the status poll's to report.
 */
async function finishFromRecord(
  ctx: WorkerContext,
  post: Post,
  webhooks: WebhookOutcome | null,
  found: Awaited<ReturnType<WorkerContext['accounts']['getForPosting']>>,
): Promise<StatusResult | undefined> {
  const postId = webhooks?.postId;
  if (!postId || post.mode !== 'direct' || !found) return undefined;
  const { account } = found;
  // The session only for TikTok's own share URL (a Display API call).
  const session = account.grantedScopes.includes('video.list')
    ? await TikTokSession.open(ctx, post.accountId, found.tokens)
    : undefined;
  const shareUrl = await shareUrlFor(ctx, session, account, postId);
  await finishPublished(ctx, post, {
    tiktokStatus: 'PUBLISH_COMPLETE',
    postId,
    shareUrl,
    message: "TikTok's webhook said the post is public.",
  });
  return { status: 'published', tiktokStatus: 'PUBLISH_COMPLETE' };
}

async function handleStatus(
  ctx: WorkerContext,
  job: StatusJob,
  token: string | undefined,
  post: Post,
  session: TikTokSession,
  status: PublishStatus,
  webhooks: WebhookOutcome | null,
  account: PublicAccount | undefined,
): Promise<StatusResult> {
  const tiktokStatus = status.status;
  const { statusPoll } = ctx.settings;
  // A webhook that arrived since this job last looked: ask TikTok again at once, once.
  const again = (delayMs: number) =>
    webhooks && webhooks.version > (job.data.webhookSeen ?? 0)
      ? pollAgain(job, token, 0, tiktokStatus, webhooks.version)
      : pollAgain(job, token, delayMs, tiktokStatus);
  switch (tiktokStatus) {
    case 'SEND_TO_USER_INBOX':
      if (post.mode !== 'draft') break;
      await finishPublished(ctx, post, { tiktokStatus, message: INBOX_NOTE });
      return { status: 'published', tiktokStatus };
    case 'PUBLISH_COMPLETE': {
      // TikTok's publicly_available webhook may say the public id before status/fetch does.
      const postId = status.postIds[0] ?? webhooks?.postId;
      if (postId) {
        const shareUrl = account ? await shareUrlFor(ctx, session, account, postId) : null;
        await finishPublished(ctx, post, { tiktokStatus, postId, shareUrl });
        return { status: 'published', tiktokStatus };
      }
      // Only public posts get an id, after moderation; private ones never do.
      const mayGetId = post.mode === 'direct' && post.privacyLevel !== 'SELF_ONLY';
      if (!mayGetId) {
        await finishPublished(ctx, post, {
          tiktokStatus,
          message: 'Published. TikTok gives no public post id for posts only the creator can see.',
        });
        return { status: 'published', tiktokStatus };
      }
      if (Date.now() - job.data.startedAt >= statusPoll.postIdWaitMs) {
        await finishPublished(ctx, post, {
          tiktokStatus,
          message:
            `Published, but TikTok had not made the post public after ${Math.round(statusPoll.postIdWaitMs / 60_000)} ` +
            'minutes (moderation can take hours), so its id and share URL are not known. Check the creator’s profile.',
        });
        return { status: 'published', tiktokStatus };
      }
      // Noted once: the job remembers what TikTok said when it last asked.
      if (job.data.lastTiktokStatus !== tiktokStatus) {
        await recordEvent(ctx, post.id, post.status, { tiktokStatus, message: WAITING_FOR_ID });
      }
      return await again(statusPoll.postIdPollMs);
    }
    case 'FAILED': {
      const reason = status.failReason ?? 'unknown';
      const described = status.failure ?? describeFailReason(reason);
      await failPost(
        ctx,
        post,
        { code: reason, message: described.message, details: { tiktokStatus, failReason: reason } },
        // TikTok received the post; it counts against the account's day whatever happened.
        { releaseSlot: false },
      );
      return { status: 'failed', tiktokStatus };
    }
  }
  // PROCESSING_UPLOAD, PROCESSING_DOWNLOAD, or a status newer than this code: ask again.
  const delay = Math.min(
    statusPoll.maxDelayMs,
    statusPoll.firstDelayMs * 2 ** (job.data.pollCount + 1),
  );
  return await again(delay);
}

async function pollAgain(
  job: StatusJob,
  token: string | undefined,
  delayMs: number,
  tiktokStatus: string,
  webhookSeen = job.data.webhookSeen,
): Promise<never> {
  await job.updateData({
    ...job.data,
    pollCount: job.data.pollCount + 1,
    lastTiktokStatus: tiktokStatus,
    ...(webhookSeen !== undefined && { webhookSeen }),
  });
  await job.log(`TikTok says ${tiktokStatus}; asking again in ${Math.round(delayMs / 1000)} s`);
  return await deferJob(job, token, delayMs);
}

/**
 * The same policy as the publish job (`outcomeOf`): a rate limit waits
 * RATE_LIMIT_RETRY_MS with jitter and says so in the history; a refused authorization marks
 * the account and fails its waiting posts; what cannot pass fails the post. TikTok received
 * the video by now, so its daily slot stays, and the message says it may still be posted.
 */
async function onError(
  ctx: WorkerContext,
  job: StatusJob,
  token: string | undefined,
  post: Post,
  error: unknown,
): Promise<StatusResult> {
  const stillUnknown =
    ' TikTok received the video, so it may still have been posted: check the creator’s profile.';
  const outcome = outcomeOf(error, {
    shuttingDown: ctx.draining.aborted,
    leaseLost: false,
    // TikTok's posting cap was passed at the init; met here, it cannot be waited out.
    failOnDailyCap: true,
    busyDelayMs: () => infrastructureDelay(job),
    infrastructureDelayMs: () => infrastructureDelay(job),
  });
  switch (outcome.kind) {
    case 'rethrow':
      throw error;
    case 'canceled':
      return { status: (await ctx.posts.currentStatus(post.id)) ?? 'gone' };
    case 'requeue':
      return await deferJob(job, token, 0);
    case 'defer': {
      recordTikTokWait(error);
      const { request } = outcome;
      if (request.code !== 'infrastructure_unavailable') {
        await noteStatusWait(ctx, post, request.code, request.message, request.delayMs);
      }
      return await deferJob(job, token, request.delayMs);
    }
    case 'fail': {
      if (outcome.reauthorize) {
        await accountLostAuthorization(ctx, post.accountId, outcome.reauthorize);
      }
      const { code, message } = outcome.failure;
      await failPost(ctx, post, { code, message: message + stillUnknown }, { releaseSlot: false });
      throw new UnrecoverableError(`${code}: ${message}`);
    }
    case 'retry': {
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 >= attempts) {
        const { code, message } = describeError(error);
        await failPost(
          ctx,
          post,
          {
            code,
            message: `Could not learn how TikTok's processing ended: ${message}.${stillUnknown}`,
          },
          { releaseSlot: false },
        );
      }
      throw error;
    }
  }
}

/** A wait of the status poll is a history entry too, with when it asks again. */
async function noteStatusWait(
  ctx: WorkerContext,
  post: Post,
  code: string,
  reason: string,
  delayMs: number,
): Promise<void> {
  const retryAt = new Date(Date.now() + delayMs).toISOString();
  await recordEvent(ctx, post.id, post.status, {
    code,
    reason,
    message: `Waiting: ${reason}. TikTok is asked about the post again by ${retryAt}.`,
    retryAt,
  });
}
