import type { PrismaClient } from '../generated/prisma/client';
import { holds } from './media-uploads';

/**
 * What the preparer made under MEDIA_ROOT/prepared (docs/architecture.md, Preparing a
 * video): a video `prepared/<sha256>.mp4`, shared by every post whose source has those
 * bytes (`posts.prepared_video`), and a photo post's images in `prepared/photos/<post id>/`.
 * The rows are the posts themselves; this only answers which of those files a post still
 * needs: one that is not final, or turned final (its last update) on or after
 * `releasedBefore`.
 */
export function createPreparedMediaRepository(db: PrismaClient) {
  return {
    /** Of these prepared videos (paths relative to MEDIA_ROOT), the ones a post still needs. */
    async videosStillNeeded(paths: readonly string[], releasedBefore: Date): Promise<Set<string>> {
      if (paths.length === 0) return new Set();
      const rows = await db.$queryRaw<Array<{ path: string }>>`
        SELECT DISTINCT p.prepared_video AS path FROM posts p
        WHERE p.prepared_video = ANY(${paths as string[]}) AND ${holds(releasedBefore)}`;
      return new Set(rows.map((row) => row.path));
    },

    /**
     * Of these post ids (names of prepared/photos/ folders), the ones whose post still
     * needs its folder. An id with no post (a folder left by a test or a lost database)
     * is not needed.
     */
    async photoPostsStillNeeded(
      postIds: readonly string[],
      releasedBefore: Date,
    ): Promise<Set<string>> {
      if (postIds.length === 0) return new Set();
      const rows = await db.$queryRaw<Array<{ id: string }>>`
        SELECT p.id FROM posts p WHERE p.id = ANY(${postIds as string[]}) AND ${holds(releasedBefore)}`;
      return new Set(rows.map((row) => row.id));
    },
  };
}

export type PreparedMediaRepository = ReturnType<typeof createPreparedMediaRepository>;
