import type { ApiContext } from '../context';
import { removeUpload } from './media-store';

/**
 * Deletes uploads no post used within MEDIA_UPLOAD_TTL_SECONDS: the file, then its row
 * (a row whose file is gone is harmless; a file without a row would never be found again).
 * Runs on an interval in the API and before each upload's quota check.
 */
export async function sweepExpiredUploads(ctx: ApiContext): Promise<number> {
  const before = new Date(ctx.now() - ctx.config.MEDIA_UPLOAD_TTL_SECONDS * 1000);
  const expired = await ctx.mediaUploads.listExpiredUnused(before);
  let removed = 0;
  for (const upload of expired) {
    await removeUpload(ctx.config.MEDIA_ROOT, upload.path);
    if (await ctx.mediaUploads.deleteUnused(upload.path)) removed += 1;
  }
  return removed;
}
