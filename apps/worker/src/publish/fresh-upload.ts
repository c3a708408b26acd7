import type { PostRequest } from '@tiktok-fleet/posts';
import type { ChunkPlan } from '@tiktok-fleet/tiktok';
import { checkAgainstCreator, type InteractionSettings } from './creator-check';
import { fetchCreatorInfo } from './creator-info';
import { reserveDailySlot } from './daily-slot';
import { settleDeadUploadUrl } from './dead-upload-url';
import { handOverToStatus } from './hand-over';
import { initUpload } from './init-upload';
import type { PublishResult, PublishRun } from './publish-run';
import { resolveSource } from './resolve-source';
import { uploadChunks } from './upload-chunks';
import { probeVideoFile, type VideoFile } from './video-file';

/**
 * From nothing at TikTok to an upload in flight, then to processing: the source, the
 * creator check, the video against TikTok's rules, the init, the chunks.
 */
export async function uploadFromScratch(run: PublishRun): Promise<PublishResult> {
  const request = run.request as PostRequest;
  const source = await resolveSource(run.ctx, run.post.id, request.video, run.signal);
  await run.checkpoint();

  const creator = await fetchCreatorInfo(run);
  const interaction: InteractionSettings = creator
    ? checkAgainstCreator(request, creator)
    : { ...request, forced: [] };

  let file: VideoFile | undefined;
  if (source.kind === 'file') {
    file = await probeVideoFile(source.path, {
      maxDurationSec: creator?.maxVideoPostDurationSec,
    });
  }
  await run.checkpoint();

  const init = await initUpload(run, source, file, interaction);
  if (source.kind === 'pull') {
    run.reachedTikTok = true;
    return await handOverToStatus(run, {
      message: 'TikTok is downloading the video from its URL.',
    });
  }
  const sent = await uploadChunks(
    run,
    file as VideoFile,
    init.plan as ChunkPlan,
    init.uploadUrl as string,
    0,
  );
  if (sent === 'url-refused') await replaceDeadUpload(run, 'refused');
  return { status: 'processing', publishId: init.publishId };
}

/** After a dead upload URL: polling when TikTok has the whole video, else a new init. */
export async function replaceDeadUpload(
  run: PublishRun,
  why: 'expired' | 'refused',
): Promise<PublishResult> {
  const handedOver = await settleDeadUploadUrl(run, why);
  if (handedOver) return handedOver;
  await reserveDailySlot(run.ctx, run.post, run.request?.onDailyCap);
  return await uploadFromScratch(run);
}
