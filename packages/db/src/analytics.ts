import type { AnalyticsSnapshot, PrismaClient } from '../generated/prisma/client';

/** One video's counts as TikTok reported them at one moment. */
export interface VideoCounts {
  tiktokVideoId: string;
  /** The post that became this video, when the fleet published it. */
  postId: string | null;
  views: number;
  likes: number;
  comments: number;
  shares: number;
  /** (likes + comments + shares) / views × 100; 0 while a video has no views. */
  engagementRate: number;
}

export function createAnalyticsRepository(db: PrismaClient) {
  const lastSnapshots = async (
    where: { postId: string } | { accountId: string },
    limit: number,
  ): Promise<AnalyticsSnapshot[]> => {
    const rows = await db.analyticsSnapshot.findMany({
      where,
      orderBy: [{ capturedAt: 'desc' }, { id: 'desc' }],
      take: limit,
    });
    return rows.reverse();
  };

  return {
    /** Stores one refresh of an account's videos, all captured at `at`. */
    async record(accountId: string, videos: readonly VideoCounts[], at: Date): Promise<void> {
      if (videos.length === 0) return;
      await db.analyticsSnapshot.createMany({
        data: videos.map((v) => ({
          accountId,
          postId: v.postId,
          tiktokVideoId: v.tiktokVideoId,
          views: BigInt(v.views),
          likes: BigInt(v.likes),
          comments: BigInt(v.comments),
          shares: BigInt(v.shares),
          engagementRate: v.engagementRate,
          capturedAt: at,
        })),
      });
    },

    /** The post's newest snapshot, or null before its first refresh. */
    async latestOfPost(postId: string): Promise<AnalyticsSnapshot | null> {
      return db.analyticsSnapshot.findFirst({ where: { postId }, orderBy: { capturedAt: 'desc' } });
    },

    /** The newest snapshot of each of the account's videos. */
    async latestOfAccount(accountId: string): Promise<AnalyticsSnapshot[]> {
      return db.analyticsSnapshot.findMany({
        where: { accountId },
        distinct: ['tiktokVideoId'],
        orderBy: [{ tiktokVideoId: 'asc' }, { capturedAt: 'desc' }],
      });
    },

    /** The post's last `limit` snapshots, oldest first. */
    historyOfPost: (postId: string, limit: number) => lastSnapshots({ postId }, limit),

    /** The account's last `limit` snapshots (of all its videos), oldest first. */
    historyOfAccount: (accountId: string, limit: number) => lastSnapshots({ accountId }, limit),
  };
}

export type AnalyticsRepository = ReturnType<typeof createAnalyticsRepository>;
