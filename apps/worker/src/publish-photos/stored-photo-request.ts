import type { Post } from '@tiktok-fleet/db';
import { type PhotoPostRequest, photoPostOf, photoPostRequestSchema } from '@tiktok-fleet/posts';
import { parseStoredRequest, storedPostFields } from '../publish/stored-post';

/**
 * A photo post's request as its row says it, checked again against the public schema (the
 * worker is the last line before TikTok, as for videos: publish/stored-post.ts).
 */
export function storedPhotoRequest(post: Post): PhotoPostRequest {
  const stored = photoPostOf(post);
  if (!stored) throw new Error(`Post ${post.id} is not a photo post.`);
  return parseStoredRequest(photoPostRequestSchema, {
    ...storedPostFields(post),
    photos: stored.photos,
    coverIndex: stored.coverIndex,
    title: post.caption,
    description: stored.description,
    privacyLevel: post.privacyLevel ?? undefined,
    autoAddMusic: stored.autoAddMusic,
    prepare: stored.prepare,
  });
}
