/**
 * Reads of the stored rows as they are, for tests that prove what is kept at rest (ciphertexts
 * instead of tokens, the owner of a row, that a refused request stored nothing). Production
 * code reads and writes through the repositories; tests set up states through the repositories
 * too (`posts.transition`, `accounts.markNeedsReauth`, `analytics.record`), so every write the
 * suite makes is one the fleet can make.
 */
import type { Account, AnalyticsSnapshot, Post, PrismaClient } from '../generated/prisma/client';

export function createRowInspector(db: PrismaClient) {
  return {
    /** The post row as stored, or null (to compare what a statement returned with it). */
    post: (postId: string): Promise<Post | null> => db.post.findUnique({ where: { id: postId } }),

    /** The account row with its encrypted token columns. */
    account: (accountId: string): Promise<Account> =>
      db.account.findUniqueOrThrow({ where: { id: accountId } }),

    /** How many accounts hold this TikTok user (one at most, whoever connects it again). */
    accountsWithOpenId: (openId: string): Promise<number> =>
      db.account.count({ where: { openId } }),

    /** How many posts match: 0 after a refused request proves nothing was stored. */
    postCount: (where: { ownerId?: string; idempotencyKey?: string }): Promise<number> =>
      db.post.count({ where }),

    /** Every failed post of the database (each test file has its own database). */
    failedPosts: () => db.post.findMany({ where: { status: 'failed' } }),

    /** The post's analytics snapshots, oldest first. */
    snapshotsOfPost: (postId: string): Promise<AnalyticsSnapshot[]> =>
      db.analyticsSnapshot.findMany({ where: { postId }, orderBy: { capturedAt: 'asc' } }),
  };
}

export type RowInspector = ReturnType<typeof createRowInspector>;
