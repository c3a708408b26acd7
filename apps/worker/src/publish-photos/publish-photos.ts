import { signMediaLink } from '@tiktok-fleet/media';
import type { PhotoPostRequest } from '@tiktok-fleet/posts';
import type { CreatorInfo } from '@tiktok-fleet/tiktok';
import { PostFailure } from '../errors';
import { requireActiveAccount } from '../publish/account-gate';
import { fetchCreatorInfo } from '../publish/creator-info';
import { reserveDailySlot } from '../publish/daily-slot';
import { handOverToStatus } from '../publish/hand-over';
import type { PublishResult, PublishRun } from '../publish/publish-run';
import { sendPullInit } from '../publish/pull-init';
import { takeUploadLease } from '../publish/upload-lease';
import { TikTokSession } from '../tiktok-session';
import { readyImages } from './ready-images';
import { storedPhotoRequest } from './stored-photo-request';

/**
 * The photo post's path through the publish job (docs/architecture.md, Photo posts): the
 * account's upload lease and its daily slot as for a video, every image checked (and
 * prepared when asked) before TikTok hears of the post, then one content/init with a signed
 * link per image. TikTok pulls them itself, so there is no chunked upload: the post goes
 * straight to the status poll, as a PULL_FROM_URL video does.
 */
export async function publishPhotos(run: PublishRun): Promise<PublishResult> {
  const { ctx, post } = run;
  const hosting = ctx.settings.mediaPublic;
  if (!hosting) {
    throw new PostFailure(
      'photo_hosting_not_configured',
      'This worker has no MEDIA_PUBLIC_BASE_URL, so TikTok could not fetch the photos. Its ' +
        'operator must set it to a prefix verified with TikTok (see the README, Photo posts).',
    );
  }
  const request = storedPhotoRequest(post);
  run.account = await requireActiveAccount(ctx, post.accountId);
  await takeUploadLease(run);
  // An earlier attempt that stalled past its locks may have stored its init since this job
  // read the post: TikTok pulls that one, so a second init would post twice.
  if (run.post.publishId) return await handOverToStatus(run);
  await reserveDailySlot(ctx, post, request.onDailyCap);
  if (run.post.status !== 'validating') {
    await run.transition('validating', {
      detail: {
        message: `Checking the request, the account and ${request.photos.length} image(s).`,
      },
      changes: { attemptCount: run.job.attemptsMade + 1 },
    });
  }
  const images = await readyImages(ctx, post.id, request, run.signal);
  await run.checkpoint();

  const session = await TikTokSession.open(ctx, post.accountId, run.account.tokens);
  const creator = await fetchCreatorInfo({ run, session, request });
  const disableComment = request.disableComment || (creator?.commentDisabled ?? false);
  if (creator && request.mode === 'direct') checkPrivacy(request, creator);
  await run.checkpoint();

  const photoUrls = images.map((image) =>
    signMediaLink({
      baseUrl: hosting.baseUrl,
      relativePath: image.relativePath,
      secret: hosting.secret,
      ttlSec: hosting.ttlSec,
    }),
  );
  const direct = request.mode === 'direct';
  // TikTok pulls the photos at once: the init is sent at most once (publish/pull-init.ts).
  const { publishId } = await sendPullInit(run, () =>
    session.call('init', (accessToken) =>
      ctx.tiktok.initPhotoPost(accessToken, {
        postMode: direct ? 'DIRECT_POST' : 'MEDIA_UPLOAD',
        photoUrls,
        coverIndex: request.coverIndex,
        title: request.title,
        description: request.description,
        ...(direct && {
          privacyLevel: request.privacyLevel,
          disableComment,
          autoAddMusic: request.autoAddMusic,
          brandContentToggle: request.brandContent,
          brandOrganicToggle: request.brandOrganic,
        }),
      }),
    ),
  );
  // As for a PULL_FROM_URL video, TikTok starts fetching at once: the publish id is stored
  // straight away, so a later attempt follows this post instead of making a second.
  const prepared = images.filter((image) => image.prepared).length;
  await run.transition('uploading', {
    changes: { publishId, uploadUrl: null, uploadUrlExpiresAt: null, uploadedBytes: 0 },
    detail: {
      message:
        `TikTok accepted the photo post and is fetching its ${images.length} image(s)` +
        (prepared > 0 ? ` (${prepared} turned into JPEG first).` : '.'),
      publishId,
      ...(creator?.commentDisabled &&
        !request.disableComment && {
          forcedSettings: ['comment'],
          note: 'The creator has turned off comments in their TikTok settings, so they are off for this post too.',
        }),
    },
  });
  return await handOverToStatus(
    run,
    { message: 'TikTok is fetching the photos from their links.' },
    session,
  );
}

/** The privacy level must be one of the creator's (docs/tiktok-api.md, Posting screen rules). */
function checkPrivacy(request: PhotoPostRequest, creator: CreatorInfo): void {
  const level = request.privacyLevel;
  if (level && creator.privacyLevelOptions.includes(level)) return;
  const allowed = creator.privacyLevelOptions;
  throw new PostFailure(
    'privacy_level_option_mismatch',
    `The privacy level ${level} is not one this TikTok account can use right now; it allows ` +
      `${allowed.length > 0 ? allowed.join(', ') : 'none at the moment'}. Send the post again with one of those.`,
    { privacyLevel: level ?? null, allowed },
  );
}
