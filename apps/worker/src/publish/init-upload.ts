import type { Prisma } from '@tiktok-fleet/db';
import type { PrivacyLevel } from '@tiktok-fleet/posts/rules';
import type { InitResult, VideoSource } from '@tiktok-fleet/tiktok';
import { describeForced, type InteractionSettings } from './creator-check';
import type { Upload } from './publish-run';
import { sendPullInit } from './pull-init';

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
  const send = () =>
    session.call('init', (accessToken) =>
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
  // TikTok fetches a PULL_FROM_URL video at once: that init is sent at most once (pull-init.ts).
  const init =
    videoSource.source === 'PULL_FROM_URL' ? await sendPullInit(run, send) : await send();
  // The window this cannot close for a file upload: TikTok answered (or took the init and
  // the answer was lost), and the answer is not stored below: the process died, or stalled
  // past its locks so that the fenced write is refused. The next attempt inits again; the
  // first init is abandoned. That cannot make a second post: TikTok posts nothing until
  // every byte has arrived at the upload URL, only this process knows that URL, and it
  // sends no byte without the write below (docs/architecture.md, Crash rules).
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
