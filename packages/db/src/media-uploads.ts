import type { MediaUpload, PrismaClient } from '../generated/prisma/client';

/**
 * Files uploaded with POST /v1/media, one row each: the owner who may post it, its size
 * (counted against the owner's storage quota) and when a post first used it.
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

    /** Marks an upload as used by a post: from then on it no longer expires unused. */
    async markUsed(path: string, at = new Date()): Promise<void> {
      await db.mediaUpload.updateMany({ where: { path, usedAt: null }, data: { usedAt: at } });
    },

    /** Bytes of the owner's recorded uploads (the storage quota counts these). */
    async storageUsedBy(ownerId: string): Promise<number> {
      const sum = await db.mediaUpload.aggregate({ where: { ownerId }, _sum: { sizeBytes: true } });
      return Number(sum._sum.sizeBytes ?? 0n);
    },

    /** Unused uploads created before `before`, oldest first: the ones to delete. */
    async listExpiredUnused(before: Date, limit = 500): Promise<MediaUpload[]> {
      return db.mediaUpload.findMany({
        where: { usedAt: null, createdAt: { lt: before } },
        orderBy: { createdAt: 'asc' },
        take: limit,
      });
    },

    /** Forgets an unused upload whose file was deleted; a used one is kept. */
    async deleteUnused(path: string): Promise<boolean> {
      const { count } = await db.mediaUpload.deleteMany({ where: { path, usedAt: null } });
      return count === 1;
    },
  };
}

export type MediaUploadRepository = ReturnType<typeof createMediaUploadRepository>;
