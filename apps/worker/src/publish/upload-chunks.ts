import { performance } from 'node:perf_hooks';
import { fleetMetrics } from '@tiktok-fleet/observability';
import { type ChunkPlan, isTikTokApiError } from '@tiktok-fleet/tiktok';
import { PostCanceled } from '../errors';
import { handOverToStatus } from './hand-over';
import type { PublishResult, Upload } from './publish-run';
import type { VideoFile } from './video-file';

/**
 * Streams the chunks from `startAt`, storing progress on the job and the post after every
 * chunk TikTok confirms but the last; then hands the post to the status poll (its result
 * is the job's). Answers `url-refused` when TikTok refused the upload URL before it had the
 * whole video: the caller decides what becomes of that upload.
 */
export async function uploadChunks(
  upload: Upload,
  file: Pick<VideoFile, 'path' | 'contentType'>,
  plan: ChunkPlan,
  uploadUrl: string,
  startAt: number,
): Promise<PublishResult | 'url-refused'> {
  const { run, session, lock } = upload;
  const { ctx, job } = run;
  const post = run.post;
  const publishId = post.publishId as string;
  const canceled = new AbortController();
  const started = performance.now();
  // Bytes TikTok has confirmed so far; a 416 resync may move it back, which counts nothing.
  let confirmed = startAt;
  try {
    await ctx.tiktok.uploadVideo({
      uploadUrl,
      filePath: file.path,
      plan,
      contentType: file.contentType,
      startAt,
      // Set while the lease is held, which it is for the whole upload.
      signal: AbortSignal.any([lock.signal as AbortSignal, canceled.signal]),
      // A shutdown lets the chunk in flight finish and starts no other.
      stopBeforeNextChunk: ctx.draining,
      onProgress: async (progress) => {
        fleetMetrics.bytesUploaded(progress.bytesSent - confirmed);
        confirmed = Math.max(confirmed, progress.bytesSent);
        run.tikTokHolds(progress.bytesSent);
        // The last chunk's bytes are written by the move to processing (hand-over.ts), and a
        // cancel can no longer stop a video TikTok holds whole. A crash before that write
        // resumes from what TikTok says it holds (resume-upload.ts), as after any chunk. The
        // job's progress is not written either: its result carries the bytes (hand-over.ts).
        if (progress.bytesSent >= progress.totalBytes) return;
        await job.updateProgress({
          uploadedBytes: progress.bytesSent,
          totalBytes: progress.totalBytes,
          chunksSent: progress.chunksSent,
          totalChunks: progress.totalChunks,
        });
        // One write per chunk, which also tells whether the post was canceled meanwhile.
        if (!(await run.recordUploadProgress(progress.bytesSent))) {
          canceled.abort();
        }
        // Before the next chunk: is the account's upload still ours? A worker cut off from
        // Redis may find on its return that another took the post over; it stops here
        // (the lock's signal aborts) rather than send chunks beside the new holder.
        await lock.confirm();
      },
      getUploadedBytes: async () => {
        const status = await session.tryCall('status', (t) =>
          ctx.tiktok.fetchPublishStatus(t, publishId),
        );
        return status?.uploadedBytes;
      },
    });
  } catch (error) {
    if (canceled.signal.aborted && !run.reachedTikTok) throw new PostCanceled(post.id);
    if (isTikTokApiError(error) && error.code === 'upload_url_expired' && !run.reachedTikTok) {
      return 'url-refused';
    }
    throw error;
  }
  fleetMetrics.uploadFinished(plan.videoSize - startAt, (performance.now() - started) / 1000);
  return await handOverToStatus(
    run,
    { message: 'TikTok has the whole video and is processing it.' },
    session,
  );
}
