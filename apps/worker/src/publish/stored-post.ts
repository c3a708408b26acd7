import type { Post } from '@tiktok-fleet/db';
import { formatValidationIssues, type PostRequest, postRequestSchema } from '@tiktok-fleet/posts';
import type { ChunkPlan, ChunkRange } from '@tiktok-fleet/tiktok';
import type { z } from 'zod';
import { PostFailure } from '../errors';

/**
 * The post request as the stored row says it, checked again against the public schema: a
 * job may come from a producer that skipped the checks (an older version, a script), and
 * the worker is the last line before TikTok.
 */
export function storedRequest(post: Post): PostRequest {
  const video =
    post.videoSourceKind === 'path'
      ? { path: post.videoSource }
      : post.videoSourceKind === 'url'
        ? { url: post.videoSource }
        : { pullFromUrl: post.videoSource };
  return parseStoredRequest(postRequestSchema, {
    ...storedPostFields(post),
    video,
    caption: post.caption,
    // Drafts may be stored without one (the creator picks it in the app); any valid level
    // lets the rest of the request be checked.
    privacyLevel: post.privacyLevel ?? (post.mode === 'draft' ? 'SELF_ONLY' : undefined),
    disableDuet: post.disableDuet,
    disableStitch: post.disableStitch,
    coverTimestampMs: post.coverTimestampMs ?? undefined,
    isAigc: post.isAigc,
  });
}

/** The request fields a video and a photo post store the same way. */
export function storedPostFields(post: Post) {
  return {
    accountId: post.accountId,
    disableComment: post.disableComment,
    brandContent: post.brandContent,
    brandOrganic: post.brandOrganic,
    mode: post.mode,
    scheduledAt: post.scheduledAt?.toISOString() ?? null,
    callbackUrl: post.callbackUrl ?? undefined,
    onDailyCap: post.failWhenCapReached ? 'fail' : 'wait',
  };
}

/** A stored request that no longer passes its public schema fails the post as invalid_request. */
export function parseStoredRequest<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
): z.output<Schema> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const body = formatValidationIssues(parsed.error);
  throw new PostFailure('invalid_request', body.message, { details: body.details as never });
}

/**
 * The chunk plan sent at init, rebuilt from what the post stored: a resumed upload must
 * follow the plan TikTok was given, whatever the current chunk size setting says.
 */
export function storedPlan(post: Post): ChunkPlan | undefined {
  if (post.totalBytes == null || post.chunkSize == null || post.totalChunkCount == null) {
    return undefined;
  }
  const videoSize = Number(post.totalBytes);
  const { chunkSize, totalChunkCount } = post;
  const chunks: ChunkRange[] = [];
  for (let index = 0; index < totalChunkCount; index++) {
    const start = index * chunkSize;
    const end = index === totalChunkCount - 1 ? videoSize - 1 : start + chunkSize - 1;
    chunks.push({ index, start, end, size: end - start + 1 });
  }
  return { videoSize, chunkSize, totalChunkCount, chunks };
}

/** TikTok holds the whole video (it answered 201), or pulls it (or a post's photos) itself. */
export function uploadFinished(post: Post): boolean {
  if (!post.publishId) return false;
  if (post.videoSourceKind === 'pullFromUrl' || post.photoPost != null) return true;
  return post.totalBytes != null && post.uploadedBytes >= post.totalBytes;
}
