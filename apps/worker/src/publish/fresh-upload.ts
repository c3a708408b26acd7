import { assertValidVideo } from '@tiktok-fleet/media';
import { PostFailure } from '../errors';
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
 * From nothing at TikTok to an upload in flight, then to processing: the source, the video
 * against TikTok's rules, the creator check, a daily slot, the init, the chunks.
 */
export async function uploadFromScratch(upload: Upload): Promise<PublishResult> {
  const { run, request } = upload;
  const source = await resolveUploadSource(run, request.video);
  await run.checkpoint();
  // The file first: a video that breaks TikTok's rules fails before any call to TikTok.
  const file =
    source.kind === 'file' ? await probeVideoFile(source.path, {}, run.probed) : undefined;
  if (file) checkCoverTimestamp(request.coverTimestampMs, file.durationSec);

  const creator = await fetchCreatorInfo(upload);
  const interaction: InteractionSettings = creator
    ? checkAgainstCreator(request, creator)
    : { ...request, forced: [] };
  if (file && creator) {
    assertValidVideo(file.probe, { maxDurationSec: creator.maxVideoPostDurationSec });
  }
  await run.checkpoint();
  // Only now, with the video checked, does the post take a place in the account's day.
  await reserveDailySlot(run.ctx, run.post, request.onDailyCap, upload.session);

  if (source.kind === 'pull') {
    await initUpload(upload, { source: 'PULL_FROM_URL', videoUrl: source.url }, interaction);
    return await handOverToStatus(
      run,
      { message: 'TikTok is downloading the video from its URL.' },
      upload.session,
    );
  }
  if (!file) throw new Error('A file upload without its probed file.');
  const init = await initUpload(
    upload,
    { source: 'FILE_UPLOAD', videoSize: file.size, chunkSize: run.ctx.settings.chunkSize },
    interaction,
  );
  // The client answers a file upload with both, or throws unexpected_response.
  if (!init.plan || !init.uploadUrl) throw new Error('A file upload init came back without a URL.');
  const sent = await uploadChunks(upload, file, init.plan, init.uploadUrl, 0);
  // A refused URL starts over: the job's result is the publish that lives, not this one.
  if (sent === 'url-refused') return await replaceDeadUpload(upload, 'refused');
  return sent;
}

/** After a dead upload URL: polling when TikTok has the whole video, else a new init. */
export async function replaceDeadUpload(
  upload: Upload,
  why: 'expired' | 'refused',
): Promise<PublishResult> {
  const handedOver = await settleDeadUploadUrl(upload, why);
  if (handedOver) return handedOver;
  return await uploadFromScratch(upload);
}

/**
 * TikTok takes any cover timestamp and quietly uses the first frame when it is past the end
 * (docs/tiktok-api.md, Video init): refuse it instead, now that the duration is known.
 */
function checkCoverTimestamp(
  coverTimestampMs: number | undefined,
  durationSec: number | undefined,
) {
  if (coverTimestampMs === undefined || durationSec === undefined) return;
  const durationMs = Math.floor(durationSec * 1000);
  if (coverTimestampMs <= durationMs) return;
  throw new PostFailure(
    'cover_timestamp_out_of_range',
    `coverTimestampMs is ${coverTimestampMs}, but the video is only ${durationMs} ms long, so ` +
      `there is no frame there for the cover. Send a coverTimestampMs from 0 to ${durationMs}, ` +
      'or leave it out to use the first frame.',
    { coverTimestampMs, durationMs, field: 'coverTimestampMs' },
  );
}
