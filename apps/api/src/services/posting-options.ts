import type { PublicAccount } from '@tiktok-fleet/db';
import { TIKTOK_PHOTO_LIMITS, TIKTOK_VIDEO_LIMITS } from '@tiktok-fleet/media';
import {
  CAPTION_MAX_LENGTH,
  PHOTO_DESCRIPTION_MAX_LENGTH,
  PHOTO_MAX_COUNT,
  PHOTO_TITLE_MAX_LENGTH,
} from '@tiktok-fleet/posts';
import { SlidingWindowRateLimiter } from '@tiktok-fleet/queue';
import { type CreatorInfo, isTikTokApiError, type TikTokApiError } from '@tiktok-fleet/tiktok';
import type { FastifyBaseLogger } from 'fastify';
import type { ApiContext } from '../context';
import { ApiError } from '../errors';
import { freshAccessToken } from './access-token';
import { accountActivity } from './account-activity';
import { POSTING_TEXTS } from './posting-texts';

export interface CannotPost {
  code: string;
  message: string;
  retryAt: string | null;
}

/** creator_info's codes for "this creator cannot post right now" (answered with HTTP 200). */
const POSTING_BLOCKS = new Set([
  'spam_risk_too_many_posts',
  'spam_risk_user_banned_from_posting',
  'reached_active_user_cap',
]);

const FORMATS = ['video/mp4', 'video/quicktime', 'video/webm'] as const;

type Creator = {
  nickname: string | null;
  username: string | null;
  avatarUrl: string | null;
  privacyLevelOptions: string[];
  commentDisabled: boolean | null;
  duetDisabled: boolean | null;
  stitchDisabled: boolean | null;
  maxVideoPostDurationSec: number | null;
  fetchedAt: string | null;
};

const cachedCreator = (account: PublicAccount): Creator => ({
  nickname: account.creatorNickname,
  username: account.username,
  avatarUrl: account.creatorAvatarUrl,
  privacyLevelOptions: account.privacyLevelOptions,
  commentDisabled: account.commentDisabled,
  duetDisabled: account.duetDisabled,
  stitchDisabled: account.stitchDisabled,
  maxVideoPostDurationSec: account.maxVideoPostDurationSec,
  fetchedAt: account.creatorInfoFetchedAt?.toISOString() ?? null,
});

const freshCreator = (info: CreatorInfo, account: PublicAccount): Creator => ({
  nickname: info.nickname ?? null,
  username: info.username ?? account.username,
  avatarUrl: info.avatarUrl ?? null,
  privacyLevelOptions: info.privacyLevelOptions,
  commentDisabled: info.commentDisabled,
  duetDisabled: info.duetDisabled,
  stitchDisabled: info.stitchDisabled,
  maxVideoPostDurationSec: info.maxVideoPostDurationSec ?? null,
  fetchedAt: new Date().toISOString(),
});

function accountBlock(account: PublicAccount): CannotPost | null {
  if (account.status === 'active') return null;
  const reason = account.statusReason ? ` (${account.statusReason})` : '';
  return account.status === 'revoked'
    ? {
        code: 'account_revoked',
        message: `This account was disconnected${reason}. Connect it again to post.`,
        retryAt: null,
      }
    : {
        code: 'account_needs_reauth',
        message: `TikTok no longer accepts this account's authorization${reason}. Reconnect the account, then post.`,
        retryAt: null,
      };
}

const rateLimited = (retryAfterMs: number, why: string) =>
  new ApiError(
    429,
    'rate_limit_exceeded',
    `${why} Try again in ${Math.ceil(retryAfterMs / 1000)} s.`,
    { retryAfterMs },
    { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  );

/**
 * One creator_info call, counted against the account's per-minute creator_info budget the
 * publish workers share (the same Redis key), so a page left open cannot starve uploads.
 * A token TikTok refuses is refreshed once, as the worker does.
 */
async function queryCreatorInfo(ctx: ApiContext, accountId: string): Promise<CreatorInfo> {
  const limiter = new SlidingWindowRateLimiter(ctx.redis, { prefix: ctx.prefix });
  let staleToken: string | undefined;
  for (;;) {
    const decision = await limiter.acquireTikTok(accountId, 'creatorInfo');
    if (!decision.ok) {
      throw rateLimited(
        decision.retryAfterMs,
        "This account's creator info has been asked for too often in the last minute (TikTok allows 20 a minute, shared with the uploads).",
      );
    }
    const token = await freshAccessToken(ctx, accountId, { staleToken });
    try {
      return await ctx.tiktok.queryCreatorInfo(token);
    } catch (error) {
      if (!isTikTokApiError(error) || error.action !== 'refresh_token' || staleToken) throw error;
      staleToken = token;
    }
  }
}

/** What a TikTok failure means for the answer: a reason not to post, or an error. */
async function fromTikTokError(
  ctx: ApiContext,
  account: PublicAccount,
  error: TikTokApiError,
): Promise<CannotPost> {
  if (POSTING_BLOCKS.has(error.code)) {
    return { code: error.code, message: error.description, retryAt: null };
  }
  if (error.action === 'reauthorize') {
    // A refused refresh token has just marked the account; say so in the account's words.
    const now = await ctx.accounts.get(account.id);
    const block = now ? accountBlock(now) : null;
    return block ?? { code: error.code, message: error.description, retryAt: null };
  }
  if (error.action === 'wait_rate_limit') {
    throw rateLimited(60_000, 'TikTok refused more creator info requests for now.');
  }
  throw new ApiError(
    502,
    'tiktok_unavailable',
    `TikTok did not answer the creator info request (${error.code}). Try again in a little while.`,
    { tiktokCode: error.code },
  );
}

/**
 * GET /v1/accounts/:id/posting-options: fresh creator info (TikTok's rules want it fetched
 * whenever the posting screen opens), whether the account can post now and why not, its
 * daily window and upload lease, the fleet's video rules and the texts to show.
 */
export async function postingOptions(
  ctx: ApiContext,
  account: PublicAccount,
  log: FastifyBaseLogger,
) {
  const activity = await accountActivity(ctx, account.id);
  let creator = cachedCreator(account);
  let cannotPost = accountBlock(account);
  if (!cannotPost) {
    try {
      const info = await queryCreatorInfo(ctx, account.id);
      creator = freshCreator(info, account);
      await ctx.accounts.saveCreatorInfo(account.id, info).catch((error: unknown) => {
        log.warn({ err: error, accountId: account.id }, 'could not store fresh creator info');
      });
    } catch (error) {
      if (!isTikTokApiError(error)) throw error;
      cannotPost = await fromTikTokError(ctx, account, error);
    }
  }
  if (!cannotPost && activity.used >= activity.cap) {
    const at = activity.nextSlotAt;
    cannotPost = {
      code: 'daily_cap_reached',
      message:
        `This account has made ${activity.used} posts in the last 24 hours, the most the ` +
        `fleet allows (DAILY_POST_CAP ${activity.cap}). ` +
        (at ? `Try again after ${at.toISOString()}, when a slot frees.` : 'Try again later.'),
      retryAt: at?.toISOString() ?? null,
    };
  }
  const creatorMax = creator.maxVideoPostDurationSec ?? TIKTOK_VIDEO_LIMITS.maxDurationSec;
  return {
    accountId: account.id,
    creator,
    canPost: cannotPost === null,
    cannotPost,
    uploadInProgress: activity.uploadInProgress,
    dailyCap: {
      cap: activity.cap,
      used: activity.used,
      nextSlotAt: activity.nextSlotAt?.toISOString() ?? null,
    },
    rules: {
      minDurationSec: TIKTOK_VIDEO_LIMITS.minDurationSec,
      maxDurationSec: Math.min(creatorMax, TIKTOK_VIDEO_LIMITS.maxDurationSec),
      captionMaxLength: CAPTION_MAX_LENGTH,
      formats: [...FORMATS],
      maxBytes: Math.min(TIKTOK_VIDEO_LIMITS.maxSizeBytes, ctx.config.MEDIA_MAX_UPLOAD_BYTES),
    },
    photoRules: photoRules(ctx),
    texts: POSTING_TEXTS,
  };
}

/**
 * TikTok's photo post rules (docs/tiktok-api.md, Photo posts), and whether this fleet can
 * post photos at all (MEDIA_PUBLIC_BASE_URL set).
 */
function photoRules(ctx: ApiContext) {
  return {
    available: Boolean(ctx.config.MEDIA_PUBLIC_BASE_URL),
    maxCount: PHOTO_MAX_COUNT,
    titleMaxLength: PHOTO_TITLE_MAX_LENGTH,
    descriptionMaxLength: PHOTO_DESCRIPTION_MAX_LENGTH,
    formats: ['image/jpeg', 'image/webp'],
    /** What `prepare: "auto"` turns into JPEG. */
    preparable: ['image/png', 'image/heic', 'image/heif'],
    maxBytes: TIKTOK_PHOTO_LIMITS.maxSizeBytes,
    maxLongerSidePx: TIKTOK_PHOTO_LIMITS.maxLongerSidePx,
  };
}
