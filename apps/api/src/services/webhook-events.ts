import {
  promoteStatusJob,
  readWebhookOutcome,
  recordWebhookOutcome,
  WEBHOOK_SEEN_TTL_SEC,
  webhookSeenKey,
} from '@tiktok-fleet/queue';
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

/**
 * Promotes the watching status job that was running when its webhook came, once it waits
 * again, if it has not acted on every webhook: its read of the record may have come just
 * before the webhook, and its move back to `delayed` just after the first promote.
 */
async function promoteIfBehind(ctx: ApiContext, jobId: string, publishId: string) {
  const job = await ctx.queues.status.getJob(jobId);
  if (!job || (await job.getState()) !== 'delayed') return;
  const outcome = await readWebhookOutcome(ctx.redis, ctx.prefix, publishId);
  if (outcome && (job.data.webhookSeen ?? 0) < outcome.version) {
    await promoteStatusJob(ctx.queues, jobId);
  }
}

/**
 * Acts on one verified event, unless this delivery (`deliveryHash`, the body's hash) was
 * handled before. Posts are not changed here: a publish event is recorded in Redis and
 * ends the wait of the status job watching it; that job moves the post.
 */
export async function handleWebhookEvent(
  ctx: ApiContext,
  envelope: WebhookEnvelope,
  deliveryHash: string,
  log: FastifyBaseLogger,
): Promise<'handled' | 'duplicate'> {
  const event = typeof envelope.event === 'string' ? envelope.event : '';
  const content = parseContent(envelope.content);

  if (PUBLISH_EVENTS.has(event)) {
    const publishId = toIdString(content.publish_id);
    if (!publishId) return 'handled';
    // Recorded by publish_id, with the duplicate check, in one command: a status job that
    // does not exist yet (the worker has not handed the post over) or is running right now
    // finds it and acts at once (docs/architecture.md, "Webhook first"); publicly_available's
    // post id is used as is. No post is read: the record names the job that watches it.
    const postId =
      event.endsWith('.publicly_available') || event.endsWith('.publicaly_available')
        ? toIdString(content.post_id)
        : undefined;
    const recorded = await recordWebhookOutcome(ctx.redis, ctx.prefix, publishId, {
      name: event,
      deliveryHash,
      ...(postId && { postId }),
    });
    if (recorded.duplicate) return 'duplicate';
    const jobId = recorded.watcherJobId;
    // No watcher: the worker has not added the status job yet, and reads the record when
    // it does (or its watch finds this webhook).
    if (!jobId) return 'handled';
    if (await promoteStatusJob(ctx.queues, jobId)) {
      log.info({ jobId, event }, 'status poll promoted by a TikTok webhook');
    } else {
      // Running (or just promoted): it reads the record before it waits again; in the
      // moment between that read and its move to `delayed`, this webhook would be missed:
      // look once more shortly.
      setTimeout(() => {
        promoteIfBehind(ctx, jobId, publishId).catch(() => undefined);
      }, ACTIVE_RECHECK_MS).unref();
    }
    return 'handled';
  }

  const first = await ctx.redis.set(
    webhookSeenKey(ctx.prefix, deliveryHash),
    '1',
    'EX',
    WEBHOOK_SEEN_TTL_SEC,
    'NX',
  );
  if (first !== 'OK') return 'duplicate';

  if (event === 'authorization.removed') {
    const openId = typeof envelope.user_openid === 'string' ? envelope.user_openid : undefined;
    const account = openId ? await ctx.accounts.findByOpenId(openId) : null;
    if (!account || account.status === 'revoked') return 'handled';
    const reason = REMOVAL_REASONS[Number(content.reason)] ?? REMOVAL_REASONS[0] ?? '';
    // The token is already revoked at TikTok when this arrives, so nothing is sent there.
    await revokeLocally(ctx, account.id, reason, log);
    log.info({ accountId: account.id, event }, 'account revoked by TikTok');
    return 'handled';
  }
  log.debug({ event }, 'TikTok webhook event ignored');
  return 'handled';
}
