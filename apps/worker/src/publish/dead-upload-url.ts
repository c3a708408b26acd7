import { isTikTokApiError, type PublishStatus } from '@tiktok-fleet/tiktok';
import { handOverToStatus } from './hand-over';
import type { PublishResult, Upload } from './publish-run';

/**
 * The upload URL is gone (its hour is up, or TikTok answered 403/404). If TikTok got the
 * whole video after all (a crash between the last 201 and storing it), go on to polling.
 * Otherwise that publish can never complete, so nothing can be posted from it: forget it,
 * so that the caller starts over with a new init (answers undefined then). This is the
 * only way a post ever gets a second init.
 */
export async function settleDeadUploadUrl(
  { run, session }: Upload,
  why: 'expired' | 'refused',
): Promise<PublishResult | undefined> {
  const post = run.post;
  const publishId = post.publishId as string;
  const total = Number(post.totalBytes ?? 0);
  let status: PublishStatus | undefined;
  try {
    status = await session.call('status', (t) => run.ctx.tiktok.fetchPublishStatus(t, publishId));
  } catch (error) {
    if (!isTikTokApiError(error) || error.code !== 'invalid_publish_id') throw error;
  }
  const incomplete =
    status === undefined ||
    (status.status === 'PROCESSING_UPLOAD' && (status.uploadedBytes ?? 0) < total);
  if (!incomplete) {
    run.tikTokHoldsAll();
    return await handOverToStatus(
      run,
      { message: 'TikTok already holds the whole video.' },
      session,
    );
  }
  if (run.startedOver) {
    throw new Error('The new upload URL was refused as well; the job will try again.');
  }
  run.startedOver = true;
  await run.transition('validating', {
    changes: {
      publishId: null,
      uploadUrl: null,
      uploadUrlExpiresAt: null,
      uploadedBytes: 0,
      totalBytes: null,
      chunkSize: null,
      totalChunkCount: null,
    },
    detail: {
      message:
        `The upload URL ${why === 'expired' ? 'expired' : 'was refused by TikTok'} before the ` +
        'video was complete, so TikTok cannot publish that upload. Starting over with a new one.',
      abandonedPublishId: publishId,
    },
  });
  return undefined;
}
