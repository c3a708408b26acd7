import type { PublicAccount } from '@tiktok-fleet/db';
import type { ApiContext } from '../context';
import { accountActivity } from './account-activity';

/** An account as callers see it: profile, scopes, status and creator info; never a token. */
export function toAccountResource(account: PublicAccount) {
  return {
    id: account.id,
    ownerId: account.ownerId,
    openId: account.openId,
    unionId: account.unionId,
    displayName: account.displayName,
    username: account.username,
    avatarUrl: account.avatarUrl,
    grantedScopes: account.grantedScopes,
    status: account.status,
    statusReason: account.statusReason,
    // When TikTok stops honouring the token unless it is refreshed; useful for support.
    accessTokenExpiresAt:
      account.status === 'revoked' ? null : account.accessTokenExpiresAt.toISOString(),
    creator: {
      nickname: account.creatorNickname,
      avatarUrl: account.creatorAvatarUrl,
      privacyLevelOptions: account.privacyLevelOptions,
      commentDisabled: account.commentDisabled,
      duetDisabled: account.duetDisabled,
      stitchDisabled: account.stitchDisabled,
      maxVideoPostDurationSec: account.maxVideoPostDurationSec,
      fetchedAt: account.creatorInfoFetchedAt?.toISOString() ?? null,
    },
    createdAt: account.createdAt.toISOString(),
    updatedAt: account.updatedAt.toISOString(),
  };
}

/** The account resource with what the workers are doing with it (daily window, upload lease). */
export async function accountWithActivity(ctx: ApiContext, account: PublicAccount) {
  const activity = await accountActivity(ctx, account.id);
  return {
    ...toAccountResource(account),
    postsLast24h: activity.used,
    dailyCap: activity.cap,
    uploadInProgress: activity.uploadInProgress,
  };
}
