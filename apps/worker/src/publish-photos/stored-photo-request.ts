import type { Post } from '@tiktok-fleet/db';
import {
  formatValidationIssues,
  type PhotoPostRequest,
  photoPostOf,
  photoPostRequestSchema,
} from '@tiktok-fleet/posts';
import { PostFailure } from '../errors';

/**
 * A photo post's request as its row says it, checked again against the public schema (the
 * worker is the last line before TikTok, as for videos: publish/stored-post.ts).
 */
export function storedPhotoRequest(post: Post): PhotoPostRequest {
  const stored = photoPostOf(post);
  if (!stored) throw new Error(`Post ${post.id} is not a photo post.`);
  const parsed = photoPostRequestSchema.safeParse({
    accountId: post.accountId,
    photos: stored.photos,
    coverIndex: stored.coverIndex,
    title: post.caption,
    description: stored.description,
    // A photo draft (MEDIA_UPLOAD) takes none of these (docs/tiktok-api.md, Photo posts).
    ...(post.mode === 'direct' && {
      privacyLevel: post.privacyLevel ?? undefined,
      disableComment: post.disableComment,
      autoAddMusic: stored.autoAddMusic,
      brandContent: post.brandContent,
      brandOrganic: post.brandOrganic,
    }),
    mode: post.mode,
    prepare: stored.prepare,
    scheduledAt: post.scheduledAt?.toISOString() ?? null,
    callbackUrl: post.callbackUrl ?? undefined,
    onDailyCap: post.failWhenCapReached ? 'fail' : 'wait',
  });
  if (parsed.success) return parsed.data;
  const body = formatValidationIssues(parsed.error);
  throw new PostFailure('invalid_request', body.message, { details: body.details as never });
}
