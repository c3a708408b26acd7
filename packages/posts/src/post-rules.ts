/**
 * The post vocabulary every process shares: statuses, TikTok's privacy levels and the caption
 * limit. This module imports nothing, so the browser bundle (apps/web) can use it through the
 * `@tiktok-fleet/posts/rules` subpath without pulling in zod, BullMQ or Prisma.
 *
 * PostgreSQL has the same statuses and privacy levels as enums in packages/db/prisma/schema.prisma;
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

/** TikTok's four privacy levels; which of them an account may use comes from creator info. */
export const PRIVACY_LEVELS = [
  'PUBLIC_TO_EVERYONE',
  'MUTUAL_FOLLOW_FRIENDS',
  'FOLLOWER_OF_CREATOR',
  'SELF_ONLY',
] as const;
export type PrivacyLevel = (typeof PRIVACY_LEVELS)[number];

/**
 * Whether the fleet may turn a video TikTok would refuse into one it takes (docs/architecture.md,
 * Preparing a video). `never` uploads the file as it is, or refuses it.
 */
export const PREPARE_MODES = ['never', 'auto'] as const;
export type PrepareMode = (typeof PREPARE_MODES)[number];

/** TikTok counts the caption in UTF-16 code units, which is what a JS string's length is. */
export const CAPTION_MAX_LENGTH = 2200;
