import type { PostRequest } from '@tiktok-fleet/queue';
import { recordEvent } from '../post-outcomes';
import { replaceDeadUpload } from './fresh-upload';
import { handOverToStatus } from './hand-over';
import type { PublishResult, PublishRun } from './publish-run';
import { resolveSource } from './resolve-source';
import { storedPlan } from './stored-post';
import { uploadChunks } from './upload-chunks';
import { probeVideoFile } from './video-file';

/**
 * The post already has a publish id and the upload did not finish: carry on where TikTok
 * says it stands while the upload URL lives, never with a second init.
 */
export async function resumeUpload(run: PublishRun): Promise<PublishResult> {
  const post = run.post;
  const plan = storedPlan(post);
  if (post.videoSourceKind === 'pullFromUrl') {
    run.reachedTikTok = true;
    return await handOverToStatus(run);
  }
  if (
    !plan ||
    !post.uploadUrl ||
    !post.uploadUrlExpiresAt ||
    post.uploadUrlExpiresAt <= new Date()
  ) {
    return await replaceDeadUpload(run, 'expired');
  }
  const request = run.request as PostRequest;
  const source = await resolveSource(run.ctx, post.id, request.video, run.signal);
  if (source.kind !== 'file') throw new Error('A file upload cannot continue from a URL source.');
  const file = await probeVideoFile(source.path);
  const stored = Number(post.uploadedBytes);
  // The stored offset is always a chunk boundary; if it somehow is not, start at 0 and
  // let TikTok's 416 answer say where it stands.
  const startAt = plan.chunks.some((c) => c.start === stored) ? stored : 0;
  await recordEvent(run.ctx, post.id, post.status, {
    message: `Resuming the upload at byte ${startAt} of ${plan.videoSize}: an earlier attempt stopped before it finished.`,
    publishId: post.publishId,
  });
  const sent = await uploadChunks(run, file, plan, post.uploadUrl, startAt);
  if (sent === 'url-refused') await replaceDeadUpload(run, 'refused');
  return { status: 'processing', publishId: post.publishId };
}
