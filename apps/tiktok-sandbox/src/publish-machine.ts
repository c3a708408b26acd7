import type { SandboxContext } from './context';
import { newPostId } from './ids';
import { endInFlight } from './in-flight';
import type { Publish } from './state';
import { sendWebhook } from './webhooks';

/**
 * The status machine of docs/tiktok-api.md, Status values, driven by timers:
 *   direct:  PROCESSING_UPLOAD | PROCESSING_DOWNLOAD -> PUBLISH_COMPLETE | FAILED
 *   inbox:   PROCESSING_UPLOAD | PROCESSING_DOWNLOAD -> SEND_TO_USER_INBOX -> PUBLISH_COMPLETE
 * then, for anything but SELF_ONLY, the post id appears after moderation.
 */

/** TikTok's Business API names Direct Post `DIRECT_PUBLISH`; this API only documents INBOX_SHARE. */
function publishType(publish: Publish): string {
  return publish.mode === 'inbox' ? 'INBOX_SHARE' : 'DIRECT_PUBLISH';
}

function isFinal(publish: Publish): boolean {
  return publish.status === 'FAILED' || publish.status === 'PUBLISH_COMPLETE';
}

/** Bytes are all in (upload or download): processing takes `processingDelayMs`. */
export function startProcessing(ctx: SandboxContext, publish: Publish): void {
  ctx.state.scheduler.after(ctx.state.config.processingDelayMs, () =>
    finishProcessing(ctx, publish),
  );
}

function finishProcessing(ctx: SandboxContext, publish: Publish): void {
  if (isFinal(publish)) return;
  if (publish.plannedFailReason) {
    fail(ctx, publish, publish.plannedFailReason);
    return;
  }
  if (publish.mode === 'direct') {
    complete(ctx, publish, publish.privacyLevel ?? 'SELF_ONLY');
    return;
  }
  publish.status = 'SEND_TO_USER_INBOX';
  sendWebhook(ctx, 'post.publish.inbox_delivered', publish.openId, {
    publish_id: publish.publishId,
    publish_type: publishType(publish),
  });
}

/** The post exists. Inbox shares get here when the user posts the draft in the app. */
export function complete(ctx: SandboxContext, publish: Publish, privacyLevel: string): void {
  if (isFinal(publish)) return;
  publish.status = 'PUBLISH_COMPLETE';
  publish.privacyLevel = privacyLevel;
  publish.completedAt = ctx.state.clock.now();
  const postId = newPostId();
  publish.postId = postId;
  sendWebhook(ctx, 'post.publish.complete', publish.openId, {
    publish_id: publish.publishId,
    publish_type: publishType(publish),
  });
  // "Filled only when the post is public and has passed moderation": only-me posts never are.
  if (privacyLevel === 'SELF_ONLY') return;
  scheduleModeration(ctx, publish, postId);
}

/** The post id becomes public after moderation (also resumed after a sandbox restart). */
export function scheduleModeration(ctx: SandboxContext, publish: Publish, postId: bigint): void {
  ctx.state.scheduler.after(ctx.state.config.moderationDelayMs, () => {
    publish.publiclyAvailable = true;
    // The newer spelling; older docs wrote `publicaly_available` (docs/tiktok-api.md, Webhooks).
    sendWebhook(ctx, 'post.publish.publicly_available', publish.openId, {
      publish_id: publish.publishId,
      post_id: postId,
      publish_type: publishType(publish),
    });
  });
}

export function fail(ctx: SandboxContext, publish: Publish, reason: string): void {
  if (isFinal(publish)) return;
  publish.status = 'FAILED';
  publish.failReason = reason;
  publish.pullAbort?.abort();
  endInFlight(ctx.state, publish);
  sendWebhook(ctx, 'post.publish.failed', publish.openId, {
    publish_id: publish.publishId,
    reason,
    publish_type: publishType(publish),
  });
}
