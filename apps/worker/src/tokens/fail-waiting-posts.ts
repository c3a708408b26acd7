import type { WorkerContext } from '../deps';
import { accountNeedsReauthMessage } from '../errors';
import { failPost } from '../post-outcomes';

/**
 * The account can no longer post until it is connected again: its posts that have not
 * started fail now, with what to do, rather than each waiting to find out. Posts already
 * handed to TikTok are left to their status polls.
 */
export async function failWaitingPosts(
  ctx: WorkerContext,
  accountId: string,
  reason: string,
): Promise<number> {
  const waiting = await ctx.posts.listNotStartedOfAccount(accountId);
  let failed = 0;
  for (const post of waiting) {
    const done = await failPost(
      ctx,
      post,
      { code: 'account_needs_reauth', message: accountNeedsReauthMessage(accountId, reason) },
      { releaseSlot: true },
    );
    if (done) failed += 1;
  }
  return failed;
}

/**
 * TikTok refused the account's authorization (a `reauthorize` error): the account is marked
 * to be connected again and its waiting posts fail now. The publish and the status
 * processors both come here, so the two cannot disagree.
 */
export async function accountLostAuthorization(
  ctx: WorkerContext,
  accountId: string,
  reason: string,
): Promise<void> {
  await ctx.accounts.markNeedsReauth(accountId, reason);
  await failWaitingPosts(ctx, accountId, reason);
}
