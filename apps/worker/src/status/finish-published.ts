import type { Post, Prisma, PublicAccount } from '@tiktok-fleet/db';
import { fleetMetrics } from '@tiktok-fleet/observability';
import { enqueueNotify } from '@tiktok-fleet/queue';
import type { WorkerContext } from '../deps';
import type { TikTokSession } from '../tiktok-session';

export interface PublishedOutcome {
  tiktokStatus: string;
  postId?: string;
  shareUrl?: string | null;
  message?: string;
}

/**
 * Ends a post `published` (one statement, the row it returns feeds the callback) and fires
 * its callback when it has one. The status job and a publish job that finds the outcome in
 * the webhook record at its hand-over (hand-over.ts) both end a post here.
 */
export async function finishPublished(
  ctx: WorkerContext,
  post: Pick<Post, 'id'>,
  outcome: PublishedOutcome,
): Promise<Post> {
  const detail: Prisma.InputJsonObject = {
    tiktokStatus: outcome.tiktokStatus,
    ...(outcome.postId && { postId: outcome.postId }),
    ...(outcome.shareUrl && { shareUrl: outcome.shareUrl }),
    ...(outcome.message && { message: outcome.message }),
  };
  const published = await ctx.posts.transition(post.id, 'published', {
    changes: {
      tiktokPostId: outcome.postId ?? null,
      shareUrl: outcome.shareUrl ?? null,
      publishedAt: new Date(),
    },
    detail,
  });
  ctx.logger.info({ postId: post.id, tiktokPostId: outcome.postId }, 'post published');
  fleetMetrics.postFinished('published');
  await enqueueNotify(ctx.queues, published, published.status);
  return published;
}

/**
 * TikTok's own share URL from the Display API when the account granted `video.list` (and
 * there is a session to ask with); otherwise the URL TikTok's web app uses for a video of a
 * handle.
 */
export async function shareUrlFor(
  ctx: WorkerContext,
  session: TikTokSession | undefined,
  account: PublicAccount,
  videoId: string,
): Promise<string | null> {
  if (session && account.grantedScopes.includes('video.list')) {
    try {
      const page = await session.tryCall('display', (t) =>
        ctx.tiktok.queryVideos(t, { videoIds: [videoId], fields: ['id', 'share_url'] }),
      );
      const found = page?.videos.find((v) => v.id === videoId)?.shareUrl;
      if (found) return found;
    } catch (error) {
      ctx.logger.warn(
        { err: error, accountId: account.id },
        'video/query for the share URL failed',
      );
    }
  }
  return account.username
    ? `https://www.tiktok.com/@${encodeURIComponent(account.username)}/video/${videoId}`
    : null;
}
