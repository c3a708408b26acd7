import type { ChunkPlan } from '@tiktok-fleet/tiktok';
import { recordEvent } from '../post-outcomes';
import { resolveUploadSource } from '../prepare/prepared-source';
import { replaceDeadUpload } from './fresh-upload';
import { handOverToStatus } from './hand-over';
import type { PublishResult, Upload } from './publish-run';
import { storedPlan } from './stored-post';
import { uploadChunks } from './upload-chunks';
import { probeVideoFile } from './video-file';

/**
 * The post already has a publish id and the upload did not finish: carry on where TikTok
 * says it stands while the upload URL lives, never with a second init.
 */
export async function resumeUpload(upload: Upload): Promise<PublishResult> {
  const { run, request } = upload;
  const post = run.post;
  const plan = storedPlan(post);
  if (post.videoSourceKind === 'pullFromUrl') {
    return await handOverToStatus(run, undefined, upload.session);
  }
  if (
    !plan ||
    !post.uploadUrl ||
    !post.uploadUrlExpiresAt ||
    post.uploadUrlExpiresAt <= new Date()
  ) {
    return await replaceDeadUpload(upload, 'expired');
  }
  const source = await resolveUploadSource(run, request.video);
  if (source.kind !== 'file') throw new Error('A file upload cannot continue from a URL source.');
  const file = await probeVideoFile(source.path);
  const startAt = await resumeOffset(upload, post.publishId as string, plan);
  if (startAt === plan.videoSize) {
    // TikTok has every byte (the crash came after the last chunk, before we stored it).
    run.tikTokHoldsAll();
    return await handOverToStatus(
      run,
      { message: 'TikTok has the whole video and is processing it.' },
      upload.session,
    );
  }
  await recordEvent(
    run.ctx,
    post.id,
    post.status,
    {
      message: `Resuming the upload at byte ${startAt} of ${plan.videoSize}: an earlier attempt stopped before it finished.`,
      publishId: post.publishId,
    },
    { fence: run.fence },
  );
  const sent = await uploadChunks(upload, file, plan, post.uploadUrl, startAt);
  // A refused URL starts over: the job's result is the publish that lives, not this one.
  if (sent === 'url-refused') return await replaceDeadUpload(upload, 'refused');
  return sent;
}

/**
 * Where to carry on: where TikTok says it stands (status/fetch's `uploaded_bytes`), which
 * may be a chunk ahead of the database (a crash between TikTok's answer and our write);
 * else the stored offset. Anything that is no chunk boundary starts at 0, and TikTok's 416
 * then says where it stands.
 */
async function resumeOffset(
  { run, session }: Upload,
  publishId: string,
  plan: ChunkPlan,
): Promise<number> {
  const { ctx, post } = run;
  const atTikTok = await session
    .tryCall('status', (t) => ctx.tiktok.fetchPublishStatus(t, publishId))
    .then((status) => status?.uploadedBytes)
    .catch((error: unknown) => {
      run.log.warn({ err: error }, 'status/fetch before resuming failed; using the stored offset');
      return undefined;
    });
  const isBoundary = (offset: number | undefined): offset is number =>
    offset !== undefined &&
    (offset === plan.videoSize || plan.chunks.some((c) => c.start === offset));
  if (isBoundary(atTikTok)) return atTikTok;
  const stored = Number(post.uploadedBytes);
  return isBoundary(stored) ? stored : 0;
}
