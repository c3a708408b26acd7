import type { Prisma } from '@tiktok-fleet/db';
import { readWebhookOutcome, type WebhookOutcome } from '@tiktok-fleet/queue';
import { ensureStatusJob } from '../post-outcomes';
import { finishPublished, shareUrlFor } from '../status/finish-published';
import type { TikTokSession } from '../tiktok-session';
import type { PublishResult, PublishRun } from './publish-run';

/**
 * The end of the publish job: status `processing`, then either the end (TikTok's webhook
 * already said the post is public: docs/architecture.md, "Webhook first") or the status poll
 * queued; the download (if any) removed. Each step is safe to repeat, for a job that gets
 * here again. `session`: the run's TikTok session, for the share URL of a `video.list` account.
 */
export async function handOverToStatus(
  run: PublishRun,
  detail?: Prisma.InputJsonObject,
  session?: TikTokSession,
): Promise<PublishResult> {
  const post = run.post;
  const publishId = post.publishId as string;
  if (post.status !== 'processing') {
    await run.transition('processing', {
      changes: post.totalBytes != null ? { uploadedBytes: post.totalBytes } : {},
      detail: { ...detail, publishId },
    });
  }
  const webhooks = await readWebhookOutcome(run.ctx.redis, run.ctx.settings.prefix, publishId);
  const finished = await finishFromWebhook(run, webhooks, session);
  if (!finished) await ensureStatusJob(run.ctx, { id: post.id, publishId }, { webhooks });
  await run.removeDownload();
  return {
    status: finished ? 'published' : 'processing',
    publishId,
    ...(post.totalBytes != null && { uploadedBytes: Number(post.totalBytes) }),
  };
}

/**
 * TikTok's `publicly_available` webhook came before the hand-over (TikTok finished at once):
 * the post is published with the public id it carries, with no status job at all. Only for
 * a Direct Post whose account this run read; anything else (a draft, a failure, a post
 * TikTok is still processing) goes to the status job, which asks TikTok.
 */
async function finishFromWebhook(
  run: PublishRun,
  webhooks: WebhookOutcome | null,
  session: TikTokSession | undefined,
): Promise<boolean> {
  const postId = webhooks?.postId;
  const account = run.account?.account;
  if (!postId || run.post.mode !== 'direct' || !account) return false;
  // TikTok's own share URL needs a Display API call, which needs the session.
  if (account.grantedScopes.includes('video.list') && !session) return false;
  const shareUrl = await shareUrlFor(run.ctx, session, account, postId);
  const published = await finishPublished(run.ctx, run.post, {
    tiktokStatus: 'PUBLISH_COMPLETE',
    postId,
    shareUrl,
    message: "TikTok's webhook said the post is public before the status poll began.",
  });
  run.post = published;
  return true;
}
