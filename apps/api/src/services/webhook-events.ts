import { findStatusJob } from '@tiktok-fleet/queue';
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

/**
 * Acts on one verified event. Posts are not changed here: the status job fetches the
 * authoritative status from TikTok, so a publish event only ends that job's wait.
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
    const post = publishId ? await ctx.posts.findByPublishId(publishId) : null;
    if (!post) return;
    const job = await findStatusJob(ctx.queues, post.id);
    if (job && (await job.getState()) === 'delayed') {
      // It may have left `delayed` since we looked; then the poll is running anyway.
      await job.promote().catch(() => undefined);
      log.info({ postId: post.id, event }, 'status poll promoted by a TikTok webhook');
    }
    return;
  }
  log.debug({ event }, 'TikTok webhook event ignored');
}
