import { resolveUploadSource } from '../prepare/prepared-source';
import { checkAgainstCreator, type InteractionSettings } from './creator-check';
import { fetchCreatorInfo } from './creator-info';
import { reserveDailySlot } from './daily-slot';
import { settleDeadUploadUrl } from './dead-upload-url';
import { handOverToStatus } from './hand-over';
import { initUpload } from './init-upload';
import type { PublishResult, Upload } from './publish-run';
import { uploadChunks } from './upload-chunks';
import { probeVideoFile } from './video-file';

/**
 * From nothing at TikTok to an upload in flight, then to processing: the source, the
 * creator check, the video against TikTok's rules, the init, the chunks.
 */
export async function uploadFromScratch(upload: Upload): Promise<PublishResult> {
  const { run, request } = upload;
  const source = await resolveUploadSource(run, request.video);
  await run.checkpoint();

  const creator = await fetchCreatorInfo(upload);
  const interaction: InteractionSettings = creator
    ? checkAgainstCreator(request, creator)
    : { ...request, forced: [] };

  if (source.kind === 'pull') {
    await run.checkpoint();
    await initUpload(upload, { source: 'PULL_FROM_URL', videoUrl: source.url }, interaction);
    return await handOverToStatus(run, {
      message: 'TikTok is downloading the video from its URL.',
    });
  }
  const file = await probeVideoFile(source.path, {
    maxDurationSec: creator?.maxVideoPostDurationSec,
  });
  await run.checkpoint();
  const init = await initUpload(
    upload,
    { source: 'FILE_UPLOAD', videoSize: file.size, chunkSize: run.ctx.settings.chunkSize },
    interaction,
  );
  // The client answers a file upload with both, or throws unexpected_response.
  if (!init.plan || !init.uploadUrl) throw new Error('A file upload init came back without a URL.');
  const sent = await uploadChunks(upload, file, init.plan, init.uploadUrl, 0);
  if (sent === 'url-refused') await replaceDeadUpload(upload, 'refused');
  return { status: 'processing', publishId: init.publishId };
}

/** After a dead upload URL: polling when TikTok has the whole video, else a new init. */
export async function replaceDeadUpload(
  upload: Upload,
  why: 'expired' | 'refused',
): Promise<PublishResult> {
  const handedOver = await settleDeadUploadUrl(upload, why);
  if (handedOver) return handedOver;
  await reserveDailySlot(upload.run.ctx, upload.run.post, upload.request.onDailyCap);
  return await uploadFromScratch(upload);
}
