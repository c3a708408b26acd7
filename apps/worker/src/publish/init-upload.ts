import type { Prisma } from '@tiktok-fleet/db';
import type { PrivacyLevel } from '@tiktok-fleet/posts/rules';
import type { InitResult, VideoSource } from '@tiktok-fleet/tiktok';
import { describeForced, type InteractionSettings } from './creator-check';
import type { Upload } from './publish-run';

/** TikTok: "The upload_url is valid for one hour after issuance." */
const UPLOAD_URL_TTL_MS = 60 * 60_000;

/**
 * Asks TikTok for a publish (a direct post, or a draft to the creator's inbox) and stores
 * its publish id, upload URL and chunk plan before the first byte is sent, so that any
 * later attempt resumes this upload instead of starting another.
 */
export async function initUpload(
  { run, request, session }: Upload,
  videoSource: VideoSource,
  interaction: InteractionSettings,
): Promise<InitResult> {
  const { tiktok } = run.ctx;
  // A canceled post must not reach TikTok. A PULL_FROM_URL init starts the fetch at once, so
  // the stored status is read first. A file upload needs no read: a cancel before its init is
  // refused by the conditional write to `uploading` just after it, and no byte is sent, so
  // TikTok posts nothing (the empty upload expires).
  if (videoSource.source === 'PULL_FROM_URL') await run.confirmWanted();
  else await run.checkpoint();
  const init = await session.call('init', (accessToken) =>
    request.mode === 'draft'
      ? tiktok.initInboxUpload(accessToken, { source: videoSource })
      : tiktok.initDirectPost(accessToken, {
          source: videoSource,
          postInfo: {
            title: request.caption,
            // Always set on a Direct Post: the request schema requires it.
            privacyLevel: request.privacyLevel as PrivacyLevel,
            disableComment: interaction.disableComment,
            disableDuet: interaction.disableDuet,
            disableStitch: interaction.disableStitch,
            videoCoverTimestampMs: request.coverTimestampMs,
            brandContentToggle: request.brandContent,
            brandOrganicToggle: request.brandOrganic,
            isAigc: request.isAigc,
          },
        }),
  );
  // The one window this cannot close: TikTok answered, and the process dies before the
  // write below. The publish_id is then lost and the next attempt inits again. For
  // FILE_UPLOAD that cannot make a second post: TikTok posts nothing until every byte has
  // arrived at the upload URL, and an upload that receives no bytes expires after an
  // hour. (PULL_FROM_URL is different: TikTok starts fetching at once, so a crash exactly
  // here can post twice; only file uploads are safe against it.)
  const forced = describeForced(interaction.forced);
  const detail: Prisma.InputJsonObject = {
    message:
      videoSource.source === 'PULL_FROM_URL'
        ? 'TikTok accepted the post and will fetch the video from its URL.'
        : `Uploading ${init.plan?.videoSize} bytes in ${init.plan?.totalChunkCount} chunk(s).`,
    publishId: init.publishId,
    // What TikTok was sent, beside what was asked (the post resource shows both). A draft
    // sends none of these: the creator chooses them in the app.
    ...(request.mode === 'direct' && {
      sentToTikTok: {
        privacyLevel: request.privacyLevel,
        disableComment: interaction.disableComment,
        disableDuet: interaction.disableDuet,
        disableStitch: interaction.disableStitch,
      },
    }),
    ...(forced &&
      request.mode === 'direct' && { forcedSettings: interaction.forced, note: forced }),
  };
  await run.transition('uploading', {
    changes: {
      publishId: init.publishId,
      uploadUrl: init.uploadUrl ?? null,
      uploadUrlExpiresAt: init.uploadUrl ? new Date(Date.now() + UPLOAD_URL_TTL_MS) : null,
      uploadedBytes: 0,
      totalBytes: init.plan?.videoSize ?? null,
      chunkSize: init.plan?.chunkSize ?? null,
      totalChunkCount: init.plan?.totalChunkCount ?? null,
    },
    detail,
  });
  return init;
}
