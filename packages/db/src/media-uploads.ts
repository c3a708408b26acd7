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
 * "A post still needs the upload at u.path": one that is not final, or turned final (its
 * last update) on or after `releasedBefore`. A post names an upload as its `video_source`
 * or as one of its photos' paths; both lookups are indexed (posts_video_source_idx, a hash,
 * and posts_photo_post_idx, a GIN on jsonb_path_ops). Read from the posts themselves, not
 * from a link kept beside them: a post stored a moment before its upload was marked used
 * (enqueue-post.ts) is seen all the same.
 */
function neededByAPost(releasedBefore: Date) {
  const holds = Prisma.sql`(p.status::text <> ALL(${finalStatuses as string[]})
    OR p.updated_at >= ${releasedBefore}::timestamp)`;
  return Prisma.sql`(
    EXISTS (SELECT 1 FROM posts p
            WHERE p.video_source = u.path AND p.video_source_kind = 'path' AND ${holds})
    OR EXISTS (SELECT 1 FROM posts p
            WHERE p.photo_post @> jsonb_build_object('photos',
                    jsonb_build_array(jsonb_build_object('path', u.path)))
              AND ${holds}))`;
}

/** An upload past its time (see listExpired), as one SQL condition on `u`. */
function expired(retention: UploadRetention) {
  const { unusedBefore, releasedBefore } = retention;
  return Prisma.sql`(
    ((u.used_at IS NULL AND u.created_at < ${unusedBefore}::timestamp)
      OR (u.used_at IS NOT NULL AND u.used_at < ${releasedBefore}::timestamp))
    AND NOT ${neededByAPost(releasedBefore)})`;
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
     * Uploads to delete, oldest first, at most `limit`: one no post used, created before
     * `unusedBefore`; or one a post used, when no post that uses it is open and the last of
     * them turned final before `releasedBefore`. The walk is by created_at (indexed), each
     * candidate checked with two index lookups on posts; a held upload is only looked at.
     */
    async listExpired(retention: UploadRetention, limit = 500): Promise<string[]> {
      // Nothing created after both cutoffs can be due: the index range ends there.
      const newest = new Date(
        Math.max(retention.unusedBefore.getTime(), retention.releasedBefore.getTime()),
      );
      const rows = await db.$queryRaw<Array<{ path: string }>>`
        SELECT u.path FROM media_uploads u
        WHERE u.created_at < ${newest}::timestamp AND ${expired(retention)}
        ORDER BY u.created_at ASC
        LIMIT ${limit}`;
      return rows.map((row) => row.path);
    },

    /**
     * Forgets an upload whose time is up, by the same rule as listExpired checked again in
     * the same statement: a post that started using it since the list was read keeps it.
     * True when the row went; its file is the caller's to delete then (and only then).
     */
    async deleteExpired(path: string, retention: UploadRetention): Promise<boolean> {
      const count = await db.$executeRaw`
        DELETE FROM media_uploads u WHERE u.path = ${path} AND ${expired(retention)}`;
      return count === 1;
    },
  };
}

export type MediaUploadRepository = ReturnType<typeof createMediaUploadRepository>;
