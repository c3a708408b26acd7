/**
 * The post vocabulary every process shares: statuses, TikTok's privacy levels and the caption
 * limit. This module imports nothing, so the browser bundle (apps/web) can use it through the
 * `@tiktok-fleet/posts/rules` subpath without pulling in zod, BullMQ or Prisma.
 *
 * PostgreSQL has the same statuses and privacy levels as enums in prisma/schema.prisma;
 * test/post-rules.test.ts fails when the two disagree.
 */

/** Every post status (docs/architecture.md, Post statuses), in the order a post goes through them. */
export const POST_STATUSES = [
  'queued',
  'scheduled',
  /** ffmpeg is turning the file into one TikTok takes (`prepare: "auto"`); then `queued` again. */
  'preparing',
  'validating',
  'uploading',
  'processing',
  'published',
  'failed',
  'canceled',
] as const;
export type PostStatus = (typeof POST_STATUSES)[number];

/** Statuses after which nothing changes any more. */
export const FINAL_STATUSES = [
  'published',
  'failed',
  'canceled',
] as const satisfies readonly PostStatus[];

export const isFinalStatus = (status: PostStatus): boolean =>
  (FINAL_STATUSES as readonly PostStatus[]).includes(status);

/** The way of a post that goes well, as the page and the CLI show it step by step. */
export const PROGRESS_STEPS = [
  'validating',
  'uploading',
  'processing',
  'published',
] as const satisfies readonly PostStatus[];

/**
 * The steps to show for one post: a post the fleet converted first (`prepare: "auto"`) shows
 * `preparing` before the rest; every other post never passes through it, so it is left out.
 */
export function progressStepsOf(reached: Iterable<PostStatus>): readonly PostStatus[] {
  for (const status of reached) if (status === 'preparing') return ['preparing', ...PROGRESS_STEPS];
  return PROGRESS_STEPS;
}

/**
 * Statuses a caller can cancel from whatever the video's source: TikTok has no post yet
 * (docs/architecture.md, Cancelling a post). A pullFromUrl post can also be canceled while
 * `processing`, which TikTok decides (apps/api/src/services/cancel-post.ts).
 */
export const CANCELABLE_STATUSES = [
  'queued',
  'scheduled',
  'preparing',
  'validating',
  'uploading',
] as const satisfies readonly PostStatus[];

/** TikTok's four privacy levels; which of them an account may use comes from creator info. */
export const PRIVACY_LEVELS = [
  'PUBLIC_TO_EVERYONE',
  'MUTUAL_FOLLOW_FRIENDS',
  'FOLLOWER_OF_CREATOR',
  'SELF_ONLY',
] as const;
export type PrivacyLevel = (typeof PRIVACY_LEVELS)[number];

/**
 * Whether the fleet may turn a file TikTok would refuse into one it takes, a video or a photo
 * (docs/architecture.md, Preparing a video; Photo posts). `never` sends the file as it is, or
 * refuses it.
 */
export const PREPARE_MODES = ['never', 'auto'] as const;
export type PrepareMode = (typeof PREPARE_MODES)[number];

/** TikTok counts the caption in UTF-16 code units, which is what a JS string's length is. */
export const CAPTION_MAX_LENGTH = 2200;

/**
 * TikTok's photo post limits (docs/tiktok-api.md, Photo posts): a title of at most 90 and a
 * description of at most 4000 UTF-16 code units, 1 to 35 images.
 */
export const PHOTO_TITLE_MAX_LENGTH = 90;
export const PHOTO_DESCRIPTION_MAX_LENGTH = 4000;
export const PHOTO_MAX_COUNT = 35;
