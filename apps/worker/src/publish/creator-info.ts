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
    await storeCreatorInfo(ctx, run.post.accountId, creator);
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

/** Keeps the latest creator info on the account, for the API and the next publish. */
async function storeCreatorInfo(
  ctx: WorkerContext,
  accountId: string,
  creator: CreatorInfo,
): Promise<void> {
  // The handle builds share URLs; creator info has it even without user.info.profile.
  await ctx.accounts.saveCreatorInfo(accountId, creator, { usernameIfMissing: creator.username });
}
