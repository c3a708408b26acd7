import type { AnalyticsSnapshot } from '@tiktok-fleet/db';
import { fleetKey } from '@tiktok-fleet/queue';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context';
import { ApiError, notFound } from '../errors';
import { errorResponses, idParams } from '../schemas';
import { accountHistory, HISTORY_POINTS, postHistory } from '../services/analytics-history';
import type { RefreshOutcome } from '../services/analytics-waiter';

const metricsSchema = z.object({
  views: z.number().int(),
  likes: z.number().int(),
  comments: z.number().int(),
  shares: z.number().int(),
  engagementRate: z
    .number()
    .nullable()
    .describe('(likes + comments + shares) / views × 100, 2 decimals; null without views'),
});

const freshness = z
  .enum(['fresh', 'stale', 'none'])
  .describe('stale: the refresh did not finish in time, these are the latest numbers known');

const historySchema = z
  .array(metricsSchema.extend({ capturedAt: z.string() }))
  .describe(
    `the stored snapshots over time, oldest first (at most ${HISTORY_POINTS}), for a chart`,
  );

const videoSchema = metricsSchema.extend({
  tiktokVideoId: z.string(),
  postId: z.string().nullable(),
  capturedAt: z.string(),
});

const postAnalyticsSchema = z
  .object({
    postId: z.string(),
    accountId: z.string(),
    freshness,
    capturedAt: z.string().nullable(),
    tiktokVideoId: z.string().nullable(),
    metrics: metricsSchema.nullable(),
    history: historySchema,
    note: z.string().optional(),
  })
  .meta({ id: 'PostAnalytics' });

const profileSchema = z
  .object({
    followerCount: z.number().int().nullable(),
    followingCount: z.number().int().nullable(),
    likesCount: z.number().int().nullable(),
    videoCount: z.number().int().nullable(),
  })
  .nullable()
  .describe('from the last refresh within 10 minutes, when the account granted user.info.stats');

const accountAnalyticsSchema = z
  .object({
    accountId: z.string(),
    freshness,
    capturedAt: z.string().nullable(),
    profile: profileSchema,
    totals: metricsSchema.nullable(),
    videos: z.array(videoSchema),
    history: historySchema.describe(
      "the account's totals at each stored capture time, oldest first (each video counted with its latest snapshot then)",
    ),
    note: z.string().optional(),
  })
  .meta({ id: 'AccountAnalytics' });

type Counts = Pick<AnalyticsSnapshot, 'views' | 'likes' | 'comments' | 'shares'>;

/**
 * Engagement rate = (likes + comments + shares) / views × 100 (docs/architecture.md, Analytics).
 */
export function metricsOf(counts: Counts) {
  const views = Number(counts.views);
  const interactions = Number(counts.likes) + Number(counts.comments) + Number(counts.shares);
  return {
    views,
    likes: Number(counts.likes),
    comments: Number(counts.comments),
    shares: Number(counts.shares),
    engagementRate: views > 0 ? Math.round((interactions / views) * 10_000) / 100 : null,
  };
}

const historyPoint = (point: Counts & { capturedAt: Date }) => ({
  capturedAt: point.capturedAt.toISOString(),
  ...metricsOf(point),
});

const notes: Record<Exclude<RefreshOutcome, 'finished'>, string> = {
  timeout: 'TikTok did not answer in time; these are the latest numbers known. Ask again shortly.',
  failed: 'Fetching fresh numbers from TikTok failed; these are the latest numbers known.',
  queue_unavailable: 'The job queue is unreachable, so no fresh numbers could be asked for.',
};

/**
 * The analytics worker caches an account's profile counts in Redis next to the snapshots,
 * with when it read them: the profile is judged fresh by the same rule as the videos.
 */
async function cachedProfile(ctx: ApiContext, accountId: string) {
  try {
    const text = await ctx.redis.get(fleetKey(ctx.prefix, 'analytics', 'account', accountId));
    const cached = text ? (JSON.parse(text) as Record<string, unknown>) : null;
    if (!cached) return null;
    const count = (key: string) =>
      typeof cached[key] === 'number' ? (cached[key] as number) : null;
    const capturedAt = typeof cached.capturedAt === 'string' ? new Date(cached.capturedAt) : null;
    return {
      capturedAt: capturedAt && !Number.isNaN(capturedAt.getTime()) ? capturedAt : null,
      profile: {
        followerCount: count('followerCount'),
        followingCount: count('followingCount'),
        likesCount: count('likesCount'),
        videoCount: count('videoCount'),
      },
    };
  } catch {
    return null;
  }
}

export async function analyticsRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }) {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const latestOfPost = (postId: string) => ctx.snapshots.latestOfPost(postId);
  const latestOfAccount = (accountId: string) => ctx.snapshots.latestOfAccount(accountId);

  api.get(
    '/v1/posts/:id/analytics',
    {
      schema: {
        summary: "A published post's views, likes, comments, shares and engagement rate",
        description:
          'Answers the latest snapshot; when there is none or it is older than 15 minutes, ' +
          'asks TikTok for fresh numbers and waits up to about 10 seconds for them.',
        tags: ['analytics'],
        params: idParams,
        response: { 200: postAnalyticsSchema, ...errorResponses },
      },
    },
    async (request) => {
      const post = await ctx.posts.get(request.params.id, { ownerId: request.ownerId });
      if (!post) throw notFound('post', request.params.id);
      if (post.status !== 'published') {
        throw new ApiError(
          409,
          'post_not_published',
          `Post ${post.id} is ${post.status}; TikTok has numbers only for published posts.`,
        );
      }
      let snapshot = await latestOfPost(post.id);
      if (!snapshot && !post.tiktokPostId) {
        // Nothing to ask TikTok for: its video id comes with public availability.
        return {
          postId: post.id,
          accountId: post.accountId,
          freshness: 'none' as const,
          capturedAt: null,
          tiktokVideoId: null,
          metrics: null,
          history: [],
          note:
            'TikTok has not given this post a public video id (private posts never get one), ' +
            'so it has no numbers for it.',
        };
      }
      let outcome: RefreshOutcome = 'finished';
      if (!ctx.analytics.isFresh(snapshot?.capturedAt)) {
        outcome = await ctx.analytics.refresh({ accountId: post.accountId, postId: post.id });
        snapshot = (await latestOfPost(post.id)) ?? snapshot;
      }
      const fresh = ctx.analytics.isFresh(snapshot?.capturedAt);
      return {
        postId: post.id,
        accountId: post.accountId,
        freshness: snapshot ? (fresh ? ('fresh' as const) : ('stale' as const)) : ('none' as const),
        capturedAt: snapshot?.capturedAt.toISOString() ?? null,
        tiktokVideoId: snapshot?.tiktokVideoId ?? post.tiktokPostId,
        metrics: snapshot ? metricsOf(snapshot) : null,
        history: (await postHistory(ctx.snapshots, post.id)).map(historyPoint),
        ...(!fresh && outcome !== 'finished' && { note: notes[outcome] }),
      };
    },
  );

  api.get(
    '/v1/accounts/:id/analytics',
    {
      schema: {
        summary: "An account's videos with their numbers, and the totals",
        description:
          'Answers the latest snapshots; when there are none or they are older than 15 ' +
          'minutes, asks TikTok for fresh numbers and waits up to about 10 seconds.',
        tags: ['analytics'],
        params: idParams,
        response: { 200: accountAnalyticsSchema, ...errorResponses },
      },
    },
    async (request) => {
      const account = await ctx.accounts.get(request.params.id, { ownerId: request.ownerId });
      if (!account) throw notFound('account', request.params.id);
      const newest = (rows: AnalyticsSnapshot[]) =>
        rows.reduce<Date | null>(
          (max, r) => (!max || r.capturedAt > max ? r.capturedAt : max),
          null,
        );
      let rows = await latestOfAccount(account.id);
      let profile = await cachedProfile(ctx, account.id);
      // The profile (video count, followers) ages like the videos: a fresh snapshot written
      // by a post's analytics says nothing about it.
      const profileStale =
        account.grantedScopes.includes('user.info.stats') &&
        !ctx.analytics.isFresh(profile?.capturedAt);
      let outcome: RefreshOutcome = 'finished';
      if (account.status === 'active' && (!ctx.analytics.isFresh(newest(rows)) || profileStale)) {
        outcome = await ctx.analytics.refresh({ accountId: account.id });
        rows = await latestOfAccount(account.id);
        profile = await cachedProfile(ctx, account.id);
      }
      const capturedAt = newest(rows);
      const fresh = ctx.analytics.isFresh(capturedAt);
      const sum = (key: keyof Counts) => rows.reduce((total, r) => total + r[key], 0n);
      return {
        accountId: account.id,
        freshness: capturedAt
          ? fresh
            ? ('fresh' as const)
            : ('stale' as const)
          : ('none' as const),
        capturedAt: capturedAt?.toISOString() ?? null,
        profile: profile?.profile ?? null,
        totals:
          rows.length > 0
            ? metricsOf({
                views: sum('views'),
                likes: sum('likes'),
                comments: sum('comments'),
                shares: sum('shares'),
              })
            : null,
        videos: rows
          .map((r) => ({
            tiktokVideoId: r.tiktokVideoId,
            postId: r.postId,
            capturedAt: r.capturedAt.toISOString(),
            ...metricsOf(r),
          }))
          .sort((a, b) => b.capturedAt.localeCompare(a.capturedAt)),
        history: (await accountHistory(ctx.snapshots, account.id)).map(historyPoint),
        ...(!fresh && outcome !== 'finished' && { note: notes[outcome] }),
        ...(account.status !== 'active' && {
          note: `The account is ${account.status}; these are the last numbers known.`,
        }),
      };
    },
  );
}
