import { type MediaUpload, Prisma, type PrismaClient } from '../generated/prisma/client';
import { finalStatuses } from './posts';

/** When an upload may go: see {@link createMediaUploadRepository}'s `listExpired`. */
export interface UploadRetention {
  /** An upload no post used, created before this, goes (MEDIA_UPLOAD_TTL_SECONDS). */
  unusedBefore: Date;
  /** A used upload whose posts all turned final before this goes (MEDIA_USED_RETENTION_SECONDS). */
  releasedBefore: Date;
}

/**
 * A post (as `p`) that still holds the files it names: not final, or turned final (its last
 * update) on or after `releasedBefore`. The one rule for uploads and prepared files alike.
 */
export function holds(releasedBefore: Date) {
  return Prisma.sql`(p.status::text <> ALL(${finalStatuses as string[]})
    OR p.updated_at >= ${releasedBefore}::timestamp)`;
}

/** `{ "photos": [{ "path": <path> }] }`: what a photo post using `path` contains. */
const photoUsing = (path: string) => JSON.stringify({ photos: [{ path }] });

/**
 * "A post still needs the upload at `path`" (see {@link holds}). A post names an upload as its
 * `video_source` or as one of its photos' paths; both lookups are indexed
 * (posts_video_source_idx, a hash: a URL source has no length limit; posts_photo_post_idx, a
 * GIN on jsonb_path_ops). Always with the path as a value, never as a column of an outer
 * row: correlated, the planner would take EXISTS's first row from a sequential scan.
 */
function neededByAPost(path: string, releasedBefore: Date) {
  return Prisma.sql`(
    EXISTS (SELECT 1 FROM posts p
            WHERE p.video_source = ${path} AND p.video_source_kind = 'path'
              AND ${holds(releasedBefore)})
    OR EXISTS (SELECT 1 FROM posts p
            WHERE p.photo_post @> ${photoUsing(path)}::jsonb AND ${holds(releasedBefore)}))`;
}

/** Past its own clock (the upload's columns only): unused past the TTL, or used long enough ago. */
function pastItsTime(retention: UploadRetention) {
  const { unusedBefore, releasedBefore } = retention;
  return Prisma.sql`(
    (u.used_at IS NULL AND u.created_at < ${unusedBefore}::timestamp)
    OR (u.used_at IS NOT NULL AND u.used_at < ${releasedBefore}::timestamp))`;
}

/** Where a walk over uploads got to: the last one looked at, by (created_at, path). */
export interface UploadCursor {
  createdAt: Date;
  path: string;
}

/**
 * Files uploaded with POST /v1/media, one row each: the owner who may post it, its size
 * (counted against the owner's storage quota) and when a post first used it. A row lives
 * as long as its file: see listExpired for when both go.
 */
export function createMediaUploadRepository(db: PrismaClient) {
  return {
    /** Records a finished upload as the owner's, unused. */
    async recordUpload(input: { path: string; ownerId: string; sizeBytes: number }) {
      await db.mediaUpload.create({
        data: { path: input.path, ownerId: input.ownerId, sizeBytes: BigInt(input.sizeBytes) },
      });
    },

    /** The upload stored at `path`, or null when no upload was recorded there. */
    async findByPath(path: string): Promise<MediaUpload | null> {
      return db.mediaUpload.findUnique({ where: { path } });
    },

    /**
     * Marks an upload as used by a post: from then on it no longer expires unused, and is
     * kept while a post that uses it is open (listExpired).
     */
    async markUsed(path: string, at = new Date()): Promise<void> {
      await db.mediaUpload.updateMany({ where: { path, usedAt: null }, data: { usedAt: at } });
    },

    /** Bytes of the owner's recorded uploads (the storage quota counts these). */
    async storageUsedBy(ownerId: string): Promise<number> {
      const sum = await db.mediaUpload.aggregate({ where: { ownerId }, _sum: { sizeBytes: true } });
      return Number(sum._sum.sizeBytes ?? 0n);
    },

    /**
     * Uploads to delete, oldest first: one no post used, created before `unusedBefore`; or
     * one a post used, when no post that uses it is open and the last of them turned final
     * before `releasedBefore`. Looks at `limit` uploads past their own clock, after `after`
     * (all, or only `ownerId`'s), and answers those no post still needs, with where the walk
     * got to (`next`, null when it reached the end): uploads held by open posts are only
     * looked at, so a walk goes on past them instead of stopping there every pass. Three
     * indexed queries: the uploads by (created_at, path), the posts naming them by
     * `video_source` (hash) and by `photo_post` (GIN), each with the whole batch at once.
     */
    async listExpired(
      retention: UploadRetention,
      options: { limit?: number; after?: UploadCursor | null; ownerId?: string } = {},
    ): Promise<{ paths: string[]; next: UploadCursor | null }> {
      const limit = options.limit ?? 500;
      // Nothing created after both cutoffs can be due: the index range ends there.
      const newest = new Date(
        Math.max(retention.unusedBefore.getTime(), retention.releasedBefore.getTime()),
      );
      const after = options.after
        ? Prisma.sql`AND (u.created_at, u.path) > (${options.after.createdAt}::timestamp, ${options.after.path})`
        : Prisma.empty;
      const owner = options.ownerId
        ? Prisma.sql`AND u.owner_id = ${options.ownerId}`
        : Prisma.empty;
      const batch = await db.$queryRaw<Array<{ path: string; created_at: Date }>>`
        SELECT u.path, u.created_at FROM media_uploads u
        WHERE u.created_at < ${newest}::timestamp AND ${pastItsTime(retention)} ${after} ${owner}
        ORDER BY u.created_at ASC, u.path ASC
        LIMIT ${limit}`;
      const last = batch.at(-1);
      const next =
        batch.length === limit && last ? { createdAt: last.created_at, path: last.path } : null;
      if (batch.length === 0) return { paths: [], next };
      const paths = batch.map((row) => row.path);
      const { releasedBefore } = retention;
      const byVideo = await db.$queryRaw<Array<{ path: string }>>`
        SELECT DISTINCT p.video_source AS path FROM posts p
        WHERE p.video_source = ANY(${paths}) AND p.video_source_kind = 'path'
          AND ${holds(releasedBefore)}`;
      const byPhoto = await db.$queryRaw<Array<{ path: string }>>`
        SELECT DISTINCT e.value->>'path' AS path
        FROM posts p, jsonb_array_elements(p.photo_post->'photos') e
        WHERE p.photo_post @> ANY(${paths.map(photoUsing)}::jsonb[]) AND ${holds(releasedBefore)}
          AND e.value->>'path' = ANY(${paths})`;
      const needed = new Set([...byVideo, ...byPhoto].map((row) => row.path));
      return { paths: paths.filter((path) => !needed.has(path)), next };
    },

    /**
     * Forgets an upload whose time is up, by the same rule as listExpired checked again in
     * the same statement: a post that started using it since the list was read keeps it.
     * True when the row went; its file is the caller's to delete then (and only then).
     */
    async deleteExpired(path: string, retention: UploadRetention): Promise<boolean> {
      const count = await db.$executeRaw`
        DELETE FROM media_uploads u
        WHERE u.path = ${path} AND ${pastItsTime(retention)}
          AND NOT ${neededByAPost(path, retention.releasedBefore)}`;
      return count === 1;
    },
  };
}

export type MediaUploadRepository = ReturnType<typeof createMediaUploadRepository>;
