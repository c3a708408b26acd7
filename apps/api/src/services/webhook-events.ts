import { findStatusJob, readWebhookOutcome, recordWebhookOutcome } from '@tiktok-fleet/queue';
import { parseJson, toIdString } from '@tiktok-fleet/tiktok';
import type { FastifyBaseLogger } from 'fastify';
import type { ApiContext } from '../context';
import { revokeLocally } from './disconnect-account';

/** TikTok's envelope (docs/tiktok-api.md, Webhooks); `content` is JSON inside a string. */
export interface WebhookEnvelope {
  client_key?: unknown;
  event?: unknown;
  create_time?: unknown;
  user_openid?: unknown;
  content?: unknown;
}

const REMOVAL_REASONS: Record<number, string> = {
  0: 'TikTok removed the authorization',
  1: 'the user disconnected the app in TikTok',
  2: 'the TikTok account was deleted',
  3: "the user's age changed",
  4: 'the TikTok account was banned',
  5: 'the developer revoked the authorization',
};

// Both spellings of TikTok's typo'd events, as docs/tiktok-api.md (Webhooks) says to accept.
const PUBLISH_EVENTS = new Set([
  'post.publish.complete',
  'post.publish.failed',
  'post.publish.inbox_delivered',
  'post.publish.publicly_available',
  'post.publish.publicaly_available',
  'post.publish.no_longer_publicaly_available',
  'post.publish.no_longer_publicly_available',
]);

function parseContent(content: unknown): Record<string, unknown> {
  if (typeof content !== 'string') return {};
  try {
    // Lossless: post ids are int64s that JSON.parse would round.
    const parsed = parseJson(content);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

const ACTIVE_RECHECK_MS = 500;

/** Promotes the post's waiting status job when it has not acted on every webhook yet. */
async function promoteIfBehind(ctx: ApiContext, postId: string, publishId: string) {
  const job = await findStatusJob(ctx.queues, postId);
  if (!job || (await job.getState()) !== 'delayed') return;
  const outcome = await readWebhookOutcome(ctx.redis, ctx.prefix, publishId);
  if (outcome && (job.data.webhookSeen ?? 0) < outcome.version) await job.promote();
}

/**
 * Acts on one verified event. Posts are not changed here: a publish event is recorded in
 * Redis and ends the status job's wait; that job moves the post.
 */
export async function handleWebhookEvent(
  ctx: ApiContext,
  envelope: WebhookEnvelope,
  log: FastifyBaseLogger,
): Promise<void> {
  const event = typeof envelope.event === 'string' ? envelope.event : '';
  const content = parseContent(envelope.content);

  if (event === 'authorization.removed') {
    const openId = typeof envelope.user_openid === 'string' ? envelope.user_openid : undefined;
    const account = openId ? await ctx.accounts.findByOpenId(openId) : null;
    if (!account || account.status === 'revoked') return;
    const reason = REMOVAL_REASONS[Number(content.reason)] ?? REMOVAL_REASONS[0] ?? '';
    // The token is already revoked at TikTok when this arrives, so nothing is sent there.
    await revokeLocally(ctx, account.id, reason, log);
    log.info({ accountId: account.id, event }, 'account revoked by TikTok');
    return;
  }

  if (PUBLISH_EVENTS.has(event)) {
    const publishId = toIdString(content.publish_id);
    if (!publishId) return;
    // Recorded first, by publish_id: a status job that does not exist yet (the worker has
    // not handed the post over) or is running right now finds it and asks TikTok at once
    // (docs/architecture.md, "Webhook first"); publicly_available's post id is used as is.
    const postId =
      event.endsWith('.publicly_available') || event.endsWith('.publicaly_available')
        ? toIdString(content.post_id)
        : undefined;
    await recordWebhookOutcome(ctx.redis, ctx.prefix, publishId, {
      name: event,
      ...(postId && { postId }),
    });
    const post = await ctx.posts.findByPublishId(publishId);
    if (!post) return;
    const job = await findStatusJob(ctx.queues, post.id);
    const state = await job?.getState();
    if (job && state === 'delayed') {
      // It may have left `delayed` since we looked; then it runs and sees the record.
      await job.promote().catch(() => undefined);
      log.info({ postId: post.id, event }, 'status poll promoted by a TikTok webhook');
    } else if (state === 'active') {
      // It reads the record before it waits again; in the moment between that read and its
      // move to `delayed`, this webhook would be missed: look once more shortly.
      setTimeout(() => {
        promoteIfBehind(ctx, post.id, publishId).catch(() => undefined);
      }, ACTIVE_RECHECK_MS).unref();
    }
    return;
  }
  log.debug({ event }, 'TikTok webhook event ignored');
}
