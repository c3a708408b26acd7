import type { AccountTokens, PublicAccount } from '@tiktok-fleet/db';
import type { WorkerContext } from '../deps';
import { accountNeedsReauthMessage, PostFailure } from '../errors';

/** What a job that posts knows of its account: read once, with the tokens. */
export interface PostingAccount {
  account: PublicAccount;
  tokens: AccountTokens | null;
}

/**
 * A post goes to TikTok only for an account that still exists and whose token works. One
 * read gives the gate, the tokens for the job's TikTok session and the handle for share URLs.
 */
export async function requireActiveAccount(
  ctx: WorkerContext,
  accountId: string,
): Promise<PostingAccount> {
  const found = await ctx.accounts.getForPosting(accountId);
  if (!found) {
    throw new PostFailure(
      'account_not_found',
      `Account ${accountId} no longer exists. Connect the TikTok account again and send the post again.`,
    );
  }
  if (found.account.status !== 'active') {
    throw new PostFailure(
      'account_needs_reauth',
      accountNeedsReauthMessage(accountId, found.account.statusReason),
    );
  }
  return found;
}
