import type { PublicAccount } from '@tiktok-fleet/db';
import { PRIVACY_LEVELS } from '@tiktok-fleet/posts/rules';
import { type CreatorInfo, isTikTokApiError } from '@tiktok-fleet/tiktok';
import type { WorkerContext } from '../deps';
import type { Upload } from './publish-run';

/** What fetching creator info needs of a publish; a video's Upload and a photo post both have it. */
interface CreatorInfoFetch {
  readonly run: Upload['run'];
  readonly session: Upload['session'];
  readonly request: { readonly mode: Upload['request']['mode'] };
}

/**
 * What the creator may post right now, asked of TikTok and kept on the account. Video and
 * photo posts both use it.
 */
export async function fetchCreatorInfo({
  run,
  request,
  session,
}: CreatorInfoFetch): Promise<CreatorInfo | undefined> {
  const { ctx } = run;
  try {
    const creator = await session.call('creatorInfo', (t) => ctx.tiktok.queryCreatorInfo(t));
    await storeCreatorInfo(ctx, run, creator);
    return creator;
  } catch (error) {
    // Drafts need only video.upload; creator info needs video.publish. Without it the
    // draft goes ahead with TikTok's general limits.
    if (
      request.mode === 'draft' &&
      isTikTokApiError(error) &&
      error.code === 'scope_not_authorized'
    ) {
      return undefined;
    }
    throw error;
  }
}

/**
 * A stored copy younger than this that says the same is not written again: the API's
 * `fetchedAt` is then at most this old, and a post costs no write for an unchanged account.
 */
const CREATOR_INFO_REFRESH_MS = 5 * 60_000;

/** Keeps the latest creator info on the account, for the API and the next publish. */
async function storeCreatorInfo(
  ctx: WorkerContext,
  run: Upload['run'],
  creator: CreatorInfo,
): Promise<void> {
  const stored = run.account?.account;
  // The handle builds share URLs; creator info has it even without user.info.profile.
  const usernameIfMissing = stored?.username ? undefined : creator.username;
  if (stored && !usernameIfMissing && sameCreatorInfo(stored, creator)) return;
  await ctx.accounts.saveCreatorInfo(run.post.accountId, creator, { usernameIfMissing });
}

function sameCreatorInfo(stored: PublicAccount, creator: CreatorInfo): boolean {
  const fetchedAt = stored.creatorInfoFetchedAt?.getTime() ?? 0;
  if (Date.now() - fetchedAt > CREATOR_INFO_REFRESH_MS) return false;
  // Only TikTok's known levels are stored (accounts.saveCreatorInfo): compare those.
  const levels = creator.privacyLevelOptions.filter((level) => KNOWN_LEVELS.has(level));
  return (
    (stored.creatorNickname ?? null) === (creator.nickname ?? null) &&
    (stored.creatorAvatarUrl ?? null) === (creator.avatarUrl ?? null) &&
    levels.length === stored.privacyLevelOptions.length &&
    levels.every((level, i) => stored.privacyLevelOptions[i] === level) &&
    stored.commentDisabled === creator.commentDisabled &&
    stored.duetDisabled === creator.duetDisabled &&
    stored.stitchDisabled === creator.stitchDisabled &&
    (stored.maxVideoPostDurationSec ?? null) === (creator.maxVideoPostDurationSec ?? null)
  );
}

const KNOWN_LEVELS = new Set<string>(PRIVACY_LEVELS);
