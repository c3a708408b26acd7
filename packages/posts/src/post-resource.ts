import type { Post, PostStatusEvent } from '@tiktok-fleet/db';
import { z } from 'zod';
import { photoPostOf } from './photo-post';
import { POST_STATUSES, PREPARE_MODES, PRIVACY_LEVELS } from './post-rules';

/**
 * A post as callers read it back (docs/architecture.md, A post as read back): the HTTP API answers
 * with it, callbacks carry it, and `enqueuePost` returns it. One shape everywhere, so a
 * backend parses a callback the way it parses `GET /v1/posts/:id`.
 *
 * What stays out: the upload URL (it carries TikTok's upload credential), chunk bookkeeping,
 * attempt counters and the owner id (the caller knows who it is).
 */
export const postResourceSchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    status: z.enum(POST_STATUSES),
    caption: z.string(),
    privacyLevel: z.enum(PRIVACY_LEVELS).nullable(),
    mode: z.enum(['direct', 'draft']),
    /** Null for a photo post. */
    video: z
      .union([
        z.object({ path: z.string() }),
        z.object({ url: z.string() }),
        z.object({ pullFromUrl: z.string() }),
      ])
      .nullable(),
    /** A photo post's images and options (its title is `caption`); null for a video post. */
    photos: z
      .object({
        images: z.array(z.union([z.object({ path: z.string() }), z.object({ url: z.string() })])),
        coverIndex: z.number().int(),
        description: z.string(),
        autoAddMusic: z.boolean(),
        prepare: z.enum(PREPARE_MODES),
      })
      .nullable(),
    disableComment: z.boolean(),
    disableDuet: z.boolean(),
    disableStitch: z.boolean(),
    coverTimestampMs: z.number().int().nullable(),
    brandContent: z.boolean(),
    brandOrganic: z.boolean(),
    isAigc: z.boolean(),
    scheduledAt: z.string().nullable().describe('ISO 8601'),
    callbackUrl: z.string().nullable(),
    onDailyCap: z.enum(['wait', 'fail']),
    /** As asked; null: the fleet's default (PREPARE_DEFAULT). */
    prepare: z.enum(PREPARE_MODES).nullable(),
    progress: z.object({
      uploadedBytes: z.number().int(),
      /** Known once the worker has looked at the file. */
      totalBytes: z.number().int().nullable(),
      /**
       * How far ffmpeg got (0-100) while the post is `preparing`; 100 once prepared; null when
       * it was never prepared. (Optional in the schema only so older readers' shapes fit.)
       */
      preparedPercent: z.number().int().nullable().optional(),
    }),
    publishId: z.string().nullable(),
    /**
     * What the init sent to TikTok, which may differ from what was asked: an interaction the
     * creator turned off in their settings stays off. Null before the init, and for drafts
     * (TikTok's inbox takes none of these; the creator chooses in the app).
     */
    sentToTikTok: z
      .object({
        privacyLevel: z.enum(PRIVACY_LEVELS),
        disableComment: z.boolean(),
        disableDuet: z.boolean(),
        disableStitch: z.boolean(),
      })
      .nullable(),
    tiktok: z.object({
      /** TikTok's post id exactly as TikTok sent it: 19 digits, above 2^53, so a string. */
      postId: z.string().nullable(),
      shareUrl: z.string().nullable(),
    }),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    history: z.array(
      z.object({
        status: z.enum(POST_STATUSES),
        at: z.string().describe('ISO 8601'),
        detail: z.unknown().nullable(),
      }),
    ),
    createdAt: z.string().describe('ISO 8601'),
    updatedAt: z.string().describe('ISO 8601'),
  })
  .meta({ id: 'Post' });

export type PostResource = z.infer<typeof postResourceSchema>;

function videoOf(post: Post): PostResource['video'] {
  if (post.videoSource == null) return null;
  switch (post.videoSourceKind) {
    case null:
      return null;
    case 'path':
      return { path: post.videoSource };
    case 'url':
      return { url: post.videoSource };
    case 'pullFromUrl':
      return { pullFromUrl: post.videoSource };
  }
}

function photosOf(post: Post): PostResource['photos'] {
  const stored = photoPostOf(post);
  if (!stored) return null;
  const { photos, ...options } = stored;
  return { images: photos, ...options };
}

/** The latest init's settings, as the worker noted them in the history. */
function sentToTikTokOf(history: Array<{ detail: unknown }>): PostResource['sentToTikTok'] {
  for (let i = history.length - 1; i >= 0; i--) {
    const sent = (history[i]?.detail as { sentToTikTok?: unknown } | null)?.sentToTikTok;
    const parsed = postResourceSchema.shape.sentToTikTok.safeParse(sent);
    if (sent && parsed.success) return parsed.data;
  }
  return null;
}

/**
 * A byte count for JSON. Counts are far below 2^53 (TikTok's limit is 4 GB), so a number
 * is exact and easier on callers than a string.
 */
const bytes = (value: bigint) => Number(value);

/**
 * The public shape of a post and its status events (any order; the history comes out
 * oldest first). Pure: no I/O, so workers and the API call it on rows they already hold.
 */
export function toPostResource(post: Post, events: readonly PostStatusEvent[]): PostResource {
  const history = [...events]
    .sort((a, b) => a.at.getTime() - b.at.getTime() || Number(a.id - b.id))
    .map((event) => ({
      status: event.status,
      at: event.at.toISOString(),
      detail: event.detail ?? null,
    }));
  const draft = post.mode === 'draft';
  return {
    id: post.id,
    accountId: post.accountId,
    status: post.status,
    caption: post.caption,
    // A draft sends TikTok no privacy level or cover (docs/tiktok-api.md, Video init), so it
    // shows none, even on a row stored before drafts refused them.
    privacyLevel: draft ? null : post.privacyLevel,
    mode: post.mode,
    video: videoOf(post),
    photos: photosOf(post),
    disableComment: post.disableComment,
    disableDuet: post.disableDuet,
    disableStitch: post.disableStitch,
    coverTimestampMs: draft ? null : post.coverTimestampMs,
    brandContent: post.brandContent,
    brandOrganic: post.brandOrganic,
    isAigc: post.isAigc,
    scheduledAt: post.scheduledAt?.toISOString() ?? null,
    callbackUrl: post.callbackUrl,
    onDailyCap: post.failWhenCapReached ? 'fail' : 'wait',
    prepare: post.prepare,
    progress: {
      uploadedBytes: bytes(post.uploadedBytes),
      totalBytes: post.totalBytes == null ? null : bytes(post.totalBytes),
      preparedPercent: post.preparePercent,
    },
    publishId: post.publishId,
    sentToTikTok: sentToTikTokOf(history),
    tiktok: { postId: post.tiktokPostId, shareUrl: post.shareUrl },
    error:
      post.errorCode != null
        ? { code: post.errorCode, message: post.errorMessage ?? post.errorCode }
        : null,
    history,
    createdAt: post.createdAt.toISOString(),
    updatedAt: post.updatedAt.toISOString(),
  };
}
