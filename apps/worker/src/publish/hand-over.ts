import type { Prisma } from '@tiktok-fleet/db';
import { ensureStatusJob } from '../post-outcomes';
import type { PublishResult, PublishRun } from './publish-run';

/**
 * The end of the publish job: status `processing`, the status poll queued, the download
 * (if any) removed. Each step is safe to repeat, for a job that gets here again.
 */
export async function handOverToStatus(
  run: PublishRun,
  detail?: Prisma.InputJsonObject,
): Promise<PublishResult> {
  const post = run.post;
  const publishId = post.publishId as string;
  if (post.status !== 'processing') {
    await run.transition('processing', {
      changes: post.totalBytes != null ? { uploadedBytes: post.totalBytes } : {},
      detail: { ...detail, publishId },
    });
  }
  await ensureStatusJob(run.ctx, { id: post.id, publishId });
  await run.removeDownload();
  return { status: 'processing', publishId };
}
