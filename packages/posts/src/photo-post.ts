import type { NewPost } from '@tiktok-fleet/db';
import { z } from 'zod';
import { checkedPath } from './enqueue-post';
import { EnqueuePostError } from './errors/enqueue-post-error';
import type { PhotoPostRequest } from './photo-request';
import { PREPARE_MODES } from './post-rules';

/**
 * What a photo post stores in its `photo_post` column: the images (paths relative to
 * MEDIA_ROOT, as for a video) and the options only photos have. The title is the post's
 * `caption` column; privacy, comments, disclosure, mode and schedule use the video's columns.
 */
export const storedPhotoPostSchema = z.object({
  photos: z.array(z.union([z.object({ path: z.string() }), z.object({ url: z.string() })])),
  coverIndex: z.number().int().min(0),
  description: z.string(),
  autoAddMusic: z.boolean(),
  prepare: z.enum(PREPARE_MODES),
});
export type StoredPhotoPost = z.infer<typeof storedPhotoPostSchema>;

/** The photo part of a stored post; null for a video post. Throws on a row no version wrote. */
export function photoPostOf(post: { photoPost?: unknown }): StoredPhotoPost | null {
  if (post.photoPost == null) return null;
  return storedPhotoPostSchema.parse(post.photoPost);
}

export function photoHostingNotConfigured(): EnqueuePostError {
  return new EnqueuePostError(
    'photo_hosting_not_configured',
    'This fleet cannot post photos yet: TikTok takes photos only as URLs it fetches from a ' +
      'domain verified for the app, and MEDIA_PUBLIC_BASE_URL is not set. Its operator must ' +
      'set MEDIA_PUBLIC_BASE_URL to a verified prefix (see the README, Photo posts).',
  );
}

export async function toNewPhotoPost(
  ownerId: string,
  request: PhotoPostRequest,
  idempotencyKey: string | undefined,
  mediaRoot: string | undefined,
): Promise<NewPost> {
  const photos = await Promise.all(
    request.photos.map(async (photo, index) =>
      'path' in photo
        ? { path: await checkedPath(photo.path, mediaRoot, outsideMediaRoot(index)) }
        : { url: photo.url },
    ),
  );
  const photoPost: StoredPhotoPost = {
    photos,
    coverIndex: request.coverIndex,
    description: request.description,
    autoAddMusic: request.autoAddMusic,
    prepare: request.prepare,
  };
  return {
    ownerId,
    accountId: request.accountId,
    videoSourceKind: null,
    videoSource: null,
    photoPost,
    caption: request.title,
    privacyLevel: request.privacyLevel ?? null,
    disableComment: request.disableComment,
    // The video-only columns hold their defaults, so a replay compares equal to the row.
    disableDuet: false,
    disableStitch: false,
    coverTimestampMs: null,
    isAigc: false,
    brandContent: request.brandContent,
    brandOrganic: request.brandOrganic,
    mode: request.mode,
    scheduledAt: request.scheduledAt ? new Date(request.scheduledAt) : null,
    callbackUrl: request.callbackUrl ?? null,
    failWhenCapReached: request.onDailyCap === 'fail',
    idempotencyKey: idempotencyKey ?? null,
  };
}

const outsideMediaRoot = (index: number) => (requested: string) =>
  new EnqueuePostError(
    'photo_path_outside_media_root',
    `photos[${index}].path "${requested}" is outside the media directory. Give a path ` +
      'relative to MEDIA_ROOT, without ".." and without links out of it.',
    [{ field: `photos[${index}].path`, problem: 'must stay inside MEDIA_ROOT' }],
  );
