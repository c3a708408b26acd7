import { PrivacyLevel as DbPrivacyLevel } from '@tiktok-fleet/db';
import { type CreatorInfo, isTikTokApiError } from '@tiktok-fleet/tiktok';
import type { WorkerContext } from '../deps';
import type { PublishRun } from './publish-run';

/** What the creator may post right now, asked of TikTok and kept on the account. */
export async function fetchCreatorInfo(run: PublishRun): Promise<CreatorInfo | undefined> {
  const { ctx } = run;
  try {
    const creator = await run.session.call('creatorInfo', (t) => ctx.tiktok.queryCreatorInfo(t));
    await storeCreatorInfo(ctx, run.post.accountId, creator);
    return creator;
  } catch (error) {
    // Drafts need only video.upload; creator info needs video.publish. Without it the
    // draft goes ahead with TikTok's general limits.
    if (
      run.request?.mode === 'draft' &&
      isTikTokApiError(error) &&
      error.code === 'scope_not_authorized'
    ) {
      return undefined;
    }
    throw error;
  }
}

const knownLevels = new Set<string>(Object.values(DbPrivacyLevel));

/** Keeps the latest creator info on the account, for the API and the next publish. */
async function storeCreatorInfo(
  ctx: WorkerContext,
  accountId: string,
  creator: CreatorInfo,
): Promise<void> {
  const account = await ctx.db.account.findUnique({
    where: { id: accountId },
    select: { username: true },
  });
  await ctx.db.account.update({
    where: { id: accountId },
    data: {
      creatorNickname: creator.nickname ?? null,
      creatorAvatarUrl: creator.avatarUrl ?? null,
      privacyLevelOptions: creator.privacyLevelOptions.filter((l) =>
        knownLevels.has(l),
      ) as DbPrivacyLevel[],
      commentDisabled: creator.commentDisabled,
      duetDisabled: creator.duetDisabled,
      stitchDisabled: creator.stitchDisabled,
      maxVideoPostDurationSec: creator.maxVideoPostDurationSec ?? null,
      creatorInfoFetchedAt: new Date(),
      // The handle builds share URLs; creator info has it even without user.info.profile.
      ...(!account?.username && creator.username ? { username: creator.username } : {}),
    },
  });
}
