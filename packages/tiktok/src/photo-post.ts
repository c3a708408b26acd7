import type { PrivacyLevel } from '@tiktok-fleet/posts/rules';
import type { ClientContext } from './context';
import { TikTokApiError } from './errors';
import { toIdString } from './json';

export const CONTENT_INIT_PATH = '/v2/post/publish/content/init/';

/** TikTok's photo limits (docs/tiktok-api.md, Photo posts); a copy, checked before the call. */
const TITLE_MAX = 90;
const DESCRIPTION_MAX = 4000;
const PHOTOS_MAX = 35;

export interface PhotoPostParams {
  /** DIRECT_POST publishes; MEDIA_UPLOAD sends a draft to the creator's inbox. */
  postMode: 'DIRECT_POST' | 'MEDIA_UPLOAD';
  /** Each on a domain or URL prefix verified for the app: photos are PULL_FROM_URL only. */
  photoUrls: string[];
  /** 0-based index into `photoUrls`. */
  coverIndex: number;
  title?: string;
  description?: string;
  /** Required for DIRECT_POST. */
  privacyLevel?: PrivacyLevel;
  /** The rest are DIRECT_POST only, so they are not sent with MEDIA_UPLOAD. */
  disableComment?: boolean;
  autoAddMusic?: boolean;
  brandContentToggle?: boolean;
  brandOrganicToggle?: boolean;
}

/**
 * `POST /v2/post/publish/content/init/` with `media_type: PHOTO` (docs/tiktok-api.md, Photo
 * posts): TikTok fetches each image itself, so the answer is only a publish id
 * (`p_pub_url~…`), followed like a PULL_FROM_URL video with status/fetch.
 */
export async function initPhotoPost(
  ctx: ClientContext,
  accessToken: string,
  params: PhotoPostParams,
): Promise<{ publishId: string }> {
  const problem = paramsProblem(params);
  if (problem) {
    throw new TikTokApiError({
      code: 'invalid_params',
      endpoint: CONTENT_INIT_PATH,
      description: problem,
    });
  }
  const direct = params.postMode === 'DIRECT_POST';
  const postInfo: Record<string, unknown> = {
    title: params.title,
    description: params.description,
    ...(direct && {
      privacy_level: params.privacyLevel,
      disable_comment: params.disableComment ?? false,
      auto_add_music: params.autoAddMusic ?? false,
      brand_content_toggle: params.brandContentToggle ?? false,
      brand_organic_toggle: params.brandOrganicToggle ?? false,
    }),
  };
  const data = await ctx.http.envelope(CONTENT_INIT_PATH, {
    method: 'POST',
    accessToken,
    body: {
      post_info: postInfo,
      source_info: {
        source: 'PULL_FROM_URL',
        photo_cover_index: params.coverIndex,
        photo_images: params.photoUrls,
      },
      post_mode: params.postMode,
      media_type: 'PHOTO',
    },
  });
  const publishId = toIdString(data.publish_id);
  if (!publishId) {
    throw new TikTokApiError({
      code: 'unexpected_response',
      endpoint: CONTENT_INIT_PATH,
      tiktokMessage: 'no publish_id in the answer',
    });
  }
  return { publishId };
}

function paramsProblem(params: PhotoPostParams): string | undefined {
  const count = params.photoUrls.length;
  if (count < 1 || count > PHOTOS_MAX)
    return `A photo post takes 1 to ${PHOTOS_MAX} images, not ${count}.`;
  if (!Number.isInteger(params.coverIndex) || params.coverIndex < 0 || params.coverIndex >= count) {
    return `The cover index ${params.coverIndex} is not one of the ${count} images.`;
  }
  if ((params.title?.length ?? 0) > TITLE_MAX)
    return `The title is longer than ${TITLE_MAX} characters.`;
  if ((params.description?.length ?? 0) > DESCRIPTION_MAX) {
    return `The description is longer than ${DESCRIPTION_MAX} characters.`;
  }
  if (params.postMode === 'DIRECT_POST' && !params.privacyLevel) {
    return 'A Direct Post needs a privacy level.';
  }
  return undefined;
}
