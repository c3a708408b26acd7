import type { WorkerContext } from '../deps';
import { accountNeedsReauthMessage, PostFailure } from '../errors';

/** A post goes to TikTok only for an account that still exists and whose token works. */
export async function requireActiveAccount(ctx: WorkerContext, accountId: string): Promise<void> {
  const account = await ctx.accounts.get(accountId);
  if (!account) {
    throw new PostFailure(
      'account_not_found',
      `Account ${accountId} no longer exists. Connect the TikTok account again and send the post again.`,
    );
  }
  if (account.status !== 'active') {
    throw new PostFailure(
      'account_needs_reauth',
      accountNeedsReauthMessage(accountId, account.statusReason),
    );
  }
}
