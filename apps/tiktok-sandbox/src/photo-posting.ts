import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { authenticate, creatorOf, requireScope } from './auth';
import type { SandboxContext } from './context';
import { ApiError, sendOk } from './errors';
import { pullPhotos } from './photo-pull';
import { postingBlock } from './post-caps';
import { checkDirectPost, checkInboxCap, createPublish, readBody, refuse } from './posting';
import type { PhotoPublish } from './state';
import { isVerifiedUrl } from './verified-urls';

const contentInitPath = '/v2/post/publish/content/init/';

/** TikTok's photo limits (docs/tiktok-api.md, Photo posts). Copies: the sandbox imports no fleet code. */
const TITLE_MAX = 90;
const DESCRIPTION_MAX = 4000;
const PHOTOS_MAX = 35;

const invalidParam = (message: string) => new ApiError('invalid_param', 400, message);

function objectField(body: Record<string, unknown>, name: string): Record<string, unknown> {
  const value = body[name];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidParam(`${name} is required and must be an object.`);
  }
  return value as Record<string, unknown>;
}

function optionalText(info: Record<string, unknown>, name: string, max: number): string | null {
  const value = info[name];
  if (value === undefined) return null;
  if (typeof value !== 'string') throw invalidParam(`${name} must be a string.`);
  if (value.length > max)
    throw invalidParam(`${name} may be at most ${max} UTF-16 characters long.`);
  return value;
}

function optionalBool(info: Record<string, unknown>, name: string): boolean {
  const value = info[name];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalidParam(`${name} must be a boolean.`);
  return value;
}

interface PhotoInit {
  mode: 'direct' | 'inbox';
  title: string | null;
  privacyLevel: string | null;
  brandContent: boolean;
  photo: Omit<PhotoPublish, 'images'>;
}

/** The body of a photo init, checked as TikTok documents it. */
function parsePhotoInit(ctx: SandboxContext, body: Record<string, unknown>): PhotoInit {
  if (body.media_type !== 'PHOTO') throw invalidParam('media_type must be PHOTO.');
  // The field table spells it "DIRECT POST"; the examples say DIRECT_POST. Both are taken.
  const postMode = body.post_mode;
  if (postMode !== 'DIRECT_POST' && postMode !== 'DIRECT POST' && postMode !== 'MEDIA_UPLOAD') {
    throw invalidParam('post_mode must be DIRECT_POST or MEDIA_UPLOAD.');
  }
  const info = objectField(body, 'post_info');
  const source = objectField(body, 'source_info');
  if (source.source !== 'PULL_FROM_URL') {
    throw invalidParam('source_info.source must be PULL_FROM_URL: photos are only pulled.');
  }
  const urls = source.photo_images;
  if (
    !Array.isArray(urls) ||
    urls.length < 1 ||
    urls.length > PHOTOS_MAX ||
    !urls.every((u) => typeof u === 'string')
  ) {
    throw invalidParam(`photo_images must be a list of 1 to ${PHOTOS_MAX} URLs.`);
  }
  const cover = source.photo_cover_index;
  if (typeof cover !== 'number' || !Number.isInteger(cover) || cover < 0 || cover >= urls.length) {
    throw invalidParam(
      'photo_cover_index is required and must be the index of one of photo_images.',
    );
  }
  for (const url of urls as string[]) {
    if (!isVerifiedUrl(ctx.state.config, url)) {
      throw new ApiError(
        'url_ownership_unverified',
        403,
        'Every photo_images URL must be on a domain or URL prefix verified for this app.',
      );
    }
  }
  for (const key of ['video_cover_timestamp_ms', 'disable_duet', 'disable_stitch']) {
    if (info[key] !== undefined)
      ctx.state.violation('photo_video_field', `post_info.${key} sent for a photo post`);
  }
  const privacy = info.privacy_level;
  return {
    mode: postMode === 'MEDIA_UPLOAD' ? 'inbox' : 'direct',
    title: optionalText(info, 'title', TITLE_MAX),
    privacyLevel: typeof privacy === 'string' ? privacy : null,
    brandContent: optionalBool(info, 'brand_content_toggle'),
    photo: {
      urls: urls as string[],
      coverIndex: cover,
      description: optionalText(info, 'description', DESCRIPTION_MAX),
      disableComment: optionalBool(info, 'disable_comment'),
      autoAddMusic: optionalBool(info, 'auto_add_music'),
    },
  };
}

/** `p_pub_url~v2.…` for Direct Post, `p_inbox_url~v2.…` for drafts (docs/tiktok-api.md, Photo posts). */
function newPhotoPublishId(mode: 'direct' | 'inbox'): string {
  let digits = String(randomInt(1, 10));
  while (digits.length < 19) digits += String(randomInt(0, 10));
  return `${mode === 'direct' ? 'p_pub_url' : 'p_inbox_url'}~v2.${digits}`;
}

export function registerPhotoPosting(app: FastifyInstance, ctx: SandboxContext): void {
  const { state } = ctx;

  app.post(contentInitPath, async (req, reply) => {
    const token = authenticate(state, req, contentInitPath);
    const init = parsePhotoInit(ctx, readBody(req));
    requireScope(token, init.mode === 'direct' ? 'video.publish' : 'video.upload');
    const creator = creatorOf(state, token);
    const block = postingBlock(state, creator, 403, init.mode);
    if (block) refuse(state, block);
    if (init.mode === 'direct') {
      checkDirectPost(state, creator, {
        title: init.title,
        privacyLevel: init.privacyLevel,
        isAigc: false,
      });
    } else {
      checkInboxCap(state, creator);
    }
    const publish = createPublish(state, token.token, creator, {
      publishId: newPhotoPublishId(init.mode),
      mode: init.mode,
      source: 'PULL_FROM_URL',
      status: 'PROCESSING_DOWNLOAD',
      privacyLevel: init.mode === 'direct' ? init.privacyLevel : null,
      title: init.title,
      isAigc: false,
      videoSize: null,
      chunkSize: null,
      totalChunkCount: null,
      videoUrl: null,
      photo: { ...init.photo, images: [] },
    });
    void pullPhotos(ctx, publish);
    return sendOk(reply, { publish_id: publish.publishId });
  });
}
