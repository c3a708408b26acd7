import type { PublicAccount, VideoCounts } from '@tiktok-fleet/db';
import { deferJob, type FleetProcessor, fleetKey } from '@tiktok-fleet/queue';
import {
  isTikTokApiError,
  type UserInfoField,
  type Video,
  type VideoField,
} from '@tiktok-fleet/tiktok';
import { DelayedError, UnrecoverableError } from 'bullmq';
import type { WorkerContext } from '../deps';
import { AccountNeedsReauthError, accountNeedsReauthMessage, DeferRequest } from '../errors';
import { recordTikTokWait } from '../metrics/tiktok-waits';
import { TikTokSession } from '../tiktok-session';

/** How long the latest numbers stay in Redis for the API to answer from. */
export const ANALYTICS_CACHE_TTL_SEC = 600;

const COUNT_FIELDS: VideoField[] = [
  'id',
  'view_count',
  'like_count',
  'comment_count',
  'share_count',
];
const STATS_FIELDS: UserInfoField[] = [
  'follower_count',
  'following_count',
  'likes_count',
  'video_count',
];

export interface AccountNumbers {
  accountId: string;
  followerCount: number | null;
  followingCount: number | null;
  likesCount: number | null;
  videoCount: number | null;
  /** The most recent videos (up to 20) and their sums. */
  recent: Omit<VideoCounts, 'tiktokVideoId' | 'postId'> & { videos: number };
  videos: VideoCounts[];
  capturedAt: string;
}

export type PostNumbers = VideoCounts & { accountId: string; capturedAt: string };

export function engagementRate(n: {
  views: number;
  likes: number;
  comments: number;
  shares: number;
}) {
  return n.views > 0 ? ((n.likes + n.comments + n.shares) / n.views) * 100 : 0;
}

/** Redis keys of the cached numbers (under the fleet prefix), for the API to read. */
export const analyticsCacheKey = (prefix: string, kind: 'post' | 'account', id: string) =>
  fleetKey(prefix, 'analytics', kind, id);

/**
 * The `analytics` processor: a post's counts from video/query, or an account's stats from
 * user/info plus its recent videos from video/list. Each video's numbers are kept as an
 * AnalyticsSnapshot, and the latest JSON is cached in Redis for ten minutes.
 */
export function createAnalyticsProcessor(
  ctx: WorkerContext,
): FleetProcessor<'analytics', PostNumbers | AccountNumbers> {
  return async (job, token) => {
    const { accountId, postId } = job.data;
    const account = await ctx.accounts.get(accountId);
    if (!account) throw new UnrecoverableError(`There is no account ${accountId}.`);
    if (account.status !== 'active') {
      throw new UnrecoverableError(accountNeedsReauthMessage(accountId, account.statusReason));
    }
    try {
      const session = await TikTokSession.open(ctx, accountId);
      return postId
        ? await postNumbers(ctx, session, account, postId)
        : await accountNumbers(ctx, session, account);
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      if (error instanceof DeferRequest) return await deferJob(job, token, error.delayMs);
      if (error instanceof AccountNeedsReauthError) throw new UnrecoverableError(error.message);
      if (isTikTokApiError(error)) {
        if (error.action === 'wait_rate_limit') {
          recordTikTokWait(error);
          return await deferJob(job, token, 60_000);
        }
        if (['fix_request', 'give_up', 'reauthorize'].includes(error.action)) {
          throw new UnrecoverableError(`${error.code}: ${error.message}`);
        }
      }
      throw error;
    }
  };
}

function needsVideoList(account: PublicAccount): void {
  if (!account.grantedScopes.includes('video.list')) {
    throw new UnrecoverableError(
      `Account ${account.id} did not grant the video.list permission, which TikTok requires ` +
        'for video counts. Have its owner connect it again and approve it.',
    );
  }
}

function numbersOf(video: Video, postId: string | null): VideoCounts {
  const n = {
    views: video.viewCount ?? 0,
    likes: video.likeCount ?? 0,
    comments: video.commentCount ?? 0,
    shares: video.shareCount ?? 0,
  };
  return { tiktokVideoId: video.id, postId, ...n, engagementRate: engagementRate(n) };
}

async function postNumbers(
  ctx: WorkerContext,
  session: TikTokSession,
  account: PublicAccount,
  postId: string,
): Promise<PostNumbers> {
  const post = await ctx.posts.getOfAccount(postId, account.id);
  if (!post) throw new UnrecoverableError(`Account ${account.id} has no post ${postId}.`);
  const videoId = post.tiktokPostId;
  if (!videoId) {
    throw new UnrecoverableError(
      `Post ${postId} has no TikTok post id (it is not published, or not public yet), so there are no counts to read.`,
    );
  }
  needsVideoList(account);
  const page = await session.call('display', (t) =>
    ctx.tiktok.queryVideos(t, { videoIds: [videoId], fields: COUNT_FIELDS }),
  );
  const video = page.videos.find((v) => v.id === videoId);
  if (!video) {
    throw new UnrecoverableError(
      `TikTok did not return video ${videoId} of post ${postId}: it was deleted or made private.`,
    );
  }
  const at = new Date();
  const numbers = numbersOf(video, postId);
  await ctx.snapshots.record(account.id, [numbers], at);
  const result: PostNumbers = { ...numbers, accountId: account.id, capturedAt: at.toISOString() };
  await ctx.redis.set(
    analyticsCacheKey(ctx.settings.prefix, 'post', postId),
    JSON.stringify(result),
    'EX',
    ANALYTICS_CACHE_TTL_SEC,
  );
  return result;
}

async function accountNumbers(
  ctx: WorkerContext,
  session: TikTokSession,
  account: PublicAccount,
): Promise<AccountNumbers> {
  const stats = account.grantedScopes.includes('user.info.stats') ? STATS_FIELDS : [];
  const user =
    stats.length > 0 ? await session.call('display', (t) => ctx.tiktok.getUserInfo(t, stats)) : {};
  let videos: VideoCounts[] = [];
  if (account.grantedScopes.includes('video.list')) {
    const page = await session.call('display', (t) =>
      ctx.tiktok.listVideos(t, { maxCount: 20, fields: COUNT_FIELDS }),
    );
    const ids = page.videos.map((v) => v.id);
    const postOf = await ctx.posts.findByTikTokPostIds(account.id, ids);
    videos = page.videos.map((v) => numbersOf(v, postOf.get(v.id) ?? null));
  }
  const at = new Date();
  await ctx.snapshots.record(account.id, videos, at);
  const sum = (pick: (v: VideoCounts) => number) => videos.reduce((s, v) => s + pick(v), 0);
  const totals = {
    views: sum((v) => v.views),
    likes: sum((v) => v.likes),
    comments: sum((v) => v.comments),
    shares: sum((v) => v.shares),
  };
  const result: AccountNumbers = {
    accountId: account.id,
    followerCount: user.followerCount ?? null,
    followingCount: user.followingCount ?? null,
    likesCount: user.likesCount ?? null,
    videoCount: user.videoCount ?? null,
    recent: { videos: videos.length, ...totals, engagementRate: engagementRate(totals) },
    videos,
    capturedAt: at.toISOString(),
  };
  await ctx.redis.set(
    analyticsCacheKey(ctx.settings.prefix, 'account', account.id),
    JSON.stringify(result),
    'EX',
    ANALYTICS_CACHE_TTL_SEC,
  );
  return result;
}
