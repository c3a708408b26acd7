import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AccountTokens } from '@tiktok-fleet/db';
import { fleetMetrics } from '@tiktok-fleet/observability';
import { AccountRefreshLock } from '@tiktok-fleet/queue';
import { isTikTokApiError, type UserTokens } from '@tiktok-fleet/tiktok';
import type { WorkerContext } from '../deps';
import { AccountNeedsReauthError } from '../errors';
import { failWaitingPosts } from './fail-waiting-posts';

export interface FreshTokenOptions {
  /** Refresh when the access token expires within this many seconds. */
  leadSec: number;
  /**
   * The access token TikTok just refused (`access_token_invalid`): refresh unless the
   * stored token is already another one, whatever its expiry says.
   */
  staleToken?: string;
  /** How long to wait for another worker's refresh of the same account. @defaultValue 20000 */
  waitMs?: number;
  /** The tokens the caller read a moment ago with the account (one read per job, not two). */
  tokens?: AccountTokens;
}

/**
 * A usable access token for the account, refreshed first when it is about to expire.
 *
 * TikTok rotates refresh tokens: the old one stops working once a new one is issued, so two
 * workers refreshing the same account at once would lose it. The refresh therefore runs
 * under the account's refresh lease, and the tokens are read again once the lease is held: a
 * worker that waited finds the token another one refreshed and uses it. The new tokens are
 * stored before anything else happens, so a crash right after cannot lose them.
 *
 * Throws AccountNeedsReauthError when TikTok refuses the refresh token (`invalid_grant`):
 * the account is marked `needs_reauth` and its waiting posts fail with what to do.
 */
export async function ensureFreshAccessToken(
  ctx: WorkerContext,
  accountId: string,
  options: FreshTokenOptions,
): Promise<string> {
  const needsRefresh = (tokens: AccountTokens) =>
    options.staleToken !== undefined
      ? tokens.accessToken === options.staleToken
      : tokens.accessTokenExpiresAt.getTime() - Date.now() <= options.leadSec * 1000;

  const tokens = options.tokens ?? (await ctx.accounts.getTokens(accountId));
  if (!needsRefresh(tokens)) return tokens.accessToken;

  const deadline = Date.now() + (options.waitMs ?? 20_000);
  let waited = false;
  for (;;) {
    const lock = new AccountRefreshLock(ctx.redis, {
      accountId,
      token: randomUUID(),
      ttlMs: 30_000,
      prefix: ctx.settings.prefix,
    });
    const attempt = await lock.acquire();
    if (attempt.acquired) {
      try {
        // Another worker may have refreshed while this one waited: use its token.
        const current = await ctx.accounts.getTokens(accountId);
        if (!needsRefresh(current)) return current.accessToken;
        return await refreshUnderLock(ctx, accountId, current);
      } finally {
        await lock.release();
      }
    }
    if (!waited) fleetMetrics.lockWait('refresh');
    waited = true;
    if (Date.now() > deadline) {
      throw new Error(
        `Another worker has been refreshing the tokens of account ${accountId} for too long; ` +
          'this job will try again.',
      );
    }
    await sleep(Math.min(250, Math.max(20, attempt.expiresInMs)));
    const after = await ctx.accounts.getTokens(accountId);
    if (!needsRefresh(after)) return after.accessToken;
  }
}

async function refreshUnderLock(
  ctx: WorkerContext,
  accountId: string,
  tokens: AccountTokens,
): Promise<string> {
  const account = await ctx.accounts.get(accountId);
  if (account && account.status !== 'active') {
    throw new AccountNeedsReauthError(
      accountId,
      account.statusReason ?? `the account is ${account.status.replace('_', ' ')}`,
    );
  }
  let fresh: UserTokens;
  try {
    fresh = await ctx.tiktok.refreshToken(tokens.refreshToken);
    fleetMetrics.tokenRefresh('refreshed');
  } catch (error) {
    const revoked = isTikTokApiError(error) && error.action === 'reauthorize';
    fleetMetrics.tokenRefresh(revoked ? 'revoked' : 'failed');
    if (isTikTokApiError(error) && error.action === 'reauthorize') {
      const reason = `TikTok refused its refresh token (${error.code}): it was revoked, expired or the user removed the app`;
      await ctx.accounts.markNeedsReauth(accountId, reason);
      await failWaitingPosts(ctx, accountId, reason);
      ctx.logger.warn({ accountId, code: error.code }, 'account needs to be connected again');
      throw new AccountNeedsReauthError(accountId, reason);
    }
    throw error;
  }
  await saveWithRetries(ctx, accountId, {
    accessToken: fresh.accessToken,
    refreshToken: fresh.refreshToken,
    accessTokenExpiresAt: fresh.accessTokenExpiresAt,
    refreshTokenExpiresAt: fresh.refreshTokenExpiresAt,
  });
  ctx.logger.info({ accountId }, 'access token refreshed');
  return fresh.accessToken;
}

/**
 * The old refresh token no longer works once TikTok answered, so the new one must reach
 * the database: a short database hiccup here would otherwise cost the account.
 */
async function saveWithRetries(
  ctx: WorkerContext,
  accountId: string,
  tokens: AccountTokens,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.accounts.saveTokens(accountId, tokens);
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
      ctx.logger.error({ err: error, accountId, attempt }, 'could not store refreshed tokens');
      await sleep(200 * 2 ** attempt);
    }
  }
}
