import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fleetMetrics } from '@tiktok-fleet/observability';
import { AccountRefreshLock } from '@tiktok-fleet/queue';
import { TikTokApiError } from '@tiktok-fleet/tiktok';
import type { ApiContext } from '../context';
import { ApiError } from '../errors';

/** A token this close to its end is refreshed first: the call might outlive it. */
const MARGIN_MS = 60_000;
const LOCK_TRIES = 20;

/**
 * The account's access token, refreshed first when it is about to expire. The refresh runs
 * under the account's refresh lease, the one the token-refresh worker takes, so a rotating
 * refresh token is used exactly once; the new tokens are stored before they are used.
 */
export async function freshAccessToken(
  ctx: ApiContext,
  accountId: string,
  options: {
    /** A token TikTok has just refused: refresh even if it has not expired yet. */
    staleToken?: string;
  } = {},
): Promise<string> {
  const isFresh = (tokens: { accessToken: string; accessTokenExpiresAt: Date }) =>
    tokens.accessToken !== options.staleToken &&
    tokens.accessTokenExpiresAt.getTime() - Date.now() > MARGIN_MS;
  const tokens = await ctx.accounts.getTokens(accountId);
  if (isFresh(tokens)) return tokens.accessToken;

  const lock = new AccountRefreshLock(ctx.redis, {
    accountId,
    token: `api-${randomUUID()}`,
    prefix: ctx.prefix,
    ttlMs: 30_000,
  });
  for (let attempt = 0; attempt < LOCK_TRIES; attempt++) {
    const result = await lock.run(async () => {
      // Whoever held the lock before may have refreshed already.
      const current = await ctx.accounts.getTokens(accountId);
      if (isFresh(current)) return current.accessToken;
      try {
        const next = await ctx.tiktok.refreshToken(current.refreshToken);
        fleetMetrics.tokenRefresh('refreshed');
        await ctx.accounts.saveTokens(accountId, next);
        return next.accessToken;
      } catch (error) {
        const revoked = error instanceof TikTokApiError && error.code === 'invalid_grant';
        // TikTok's answer is what counts: a database error while storing is no refresh failure.
        if (error instanceof TikTokApiError)
          fleetMetrics.tokenRefresh(revoked ? 'revoked' : 'failed');
        if (revoked) {
          await ctx.accounts.markNeedsReauth(
            accountId,
            'TikTok refused the refresh token (expired or revoked)',
          );
        }
        throw error;
      }
    });
    if (result.acquired) return result.value;
    if (attempt === 0) fleetMetrics.lockWait('refresh');
    await sleep(250);
  }
  throw new ApiError(
    503,
    'account_busy',
    `The tokens of account ${accountId} are being refreshed by another process. Try again in a few seconds.`,
    undefined,
    { 'retry-after': '5' },
  );
}
