/**
 * Bulk rows for the benchmarks (apps/worker/bench/growth.ts): many accounts, and many posts
 * waiting with their first event, in one statement per batch. Not for the fleet itself,
 * whose writes go through the repositories one post at a time; kept here so that every write
 * to the product's tables is made by packages/db.
 */
import type { PrismaClient } from '../generated/prisma/client';

/**
 * `count` connected accounts `acc_<tag>_1..count` of `ownerId`, with placeholder token
 * columns (a benchmark that never calls TikTok never decrypts them).
 */
export async function seedAccounts(
  db: PrismaClient,
  input: { ownerId: string; tag: string; count: number },
): Promise<string[]> {
  await db.$executeRaw`
    INSERT INTO accounts (id, owner_id, open_id, access_token_ciphertext, refresh_token_ciphertext,
      token_key_id, access_token_expires_at, refresh_token_expires_at, updated_at)
    SELECT 'acc_' || ${input.tag} || '_' || n, ${input.ownerId}, 'open_' || ${input.tag} || '_' || n,
      'x', 'x', 'bench', now() + interval '1 day', now() + interval '300 days', now()
    FROM generate_series(1, ${input.count}::int) AS n`;
  return Array.from({ length: input.count }, (_, i) => `acc_${input.tag}_${i + 1}`);
}

/**
 * Posts `post_<tag>_<from..from+count-1>` scheduled `scheduledAt`, spread round-robin over
 * the accounts `acc_<tag>_1..accounts`, each with its `scheduled` event, as the enqueue path
 * leaves a scheduled post (its delayed job is the caller's). Returns the post ids.
 */
export async function seedScheduledPosts(
  db: PrismaClient,
  input: {
    ownerId: string;
    tag: string;
    accounts: number;
    from: number;
    count: number;
    scheduledAt: Date;
    updatedAt: Date;
    videoPath: string;
  },
): Promise<string[]> {
  const rows = await db.$queryRaw<Array<{ id: string }>>`
    WITH ins AS (
      INSERT INTO posts (id, owner_id, account_id, video_source_kind, video_source, caption,
        privacy_level, status, scheduled_at, created_at, updated_at)
      SELECT 'post_' || ${input.tag} || '_' || n, ${input.ownerId},
        'acc_' || ${input.tag} || '_' || (1 + n % ${input.accounts}::int),
        'path'::video_source_kind, ${input.videoPath}, 'growth bench',
        'SELF_ONLY'::privacy_level, 'scheduled'::post_status,
        ${input.scheduledAt}::timestamp, ${input.updatedAt}::timestamp, ${input.updatedAt}::timestamp
      FROM generate_series(${input.from}::int, ${input.from + input.count - 1}::int) AS n
      RETURNING id, created_at
    ), ev AS (
      INSERT INTO post_status_events (post_id, status, at)
      SELECT id, 'scheduled'::post_status, created_at FROM ins
    )
    SELECT id FROM ins`;
  return rows.map((r) => r.id);
}
