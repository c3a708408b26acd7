import {
  enqueueRefresh,
  type FleetProcessor,
  jobCatalog,
  scheduleRefreshSweep,
} from '@tiktok-fleet/queue';
import type { WorkerContext } from '../deps';
import { AccountNeedsReauthError } from '../errors';
import { ensureFreshAccessToken } from './ensure-fresh-token';

/** The job scheduler that runs the sweep. */
export const SWEEP_SCHEDULER_ID = jobCatalog['token-refresh'].schedulers.sweep;

export type TokenRefreshResult =
  | { refreshed: boolean; accountId: string }
  | { accountsDue: number };

/**
 * `token-refresh` queue:
 * - `sweep` (every few minutes, from a job scheduler): a `refresh` job for each account
 *   whose access token expires within TOKEN_REFRESH_LEAD_SECONDS. (Posts without a job are
 *   the reconciler's: see reconcile/.)
 * - `refresh`: the account's tokens, refreshed under its lock (see ensureFreshAccessToken).
 */
export function createTokenRefreshProcessor(
  ctx: WorkerContext,
): FleetProcessor<'token-refresh', TokenRefreshResult> {
  return async (job) => {
    if (job.name === 'refresh') {
      const { accountId } = job.data;
      const before = await ctx.accounts.get(accountId);
      if (before?.status !== 'active') return { refreshed: false, accountId };
      try {
        await ensureFreshAccessToken(ctx, accountId, {
          leadSec: ctx.settings.tokenRefreshLeadSec,
        });
      } catch (error) {
        // Marked needs_reauth and its posts told; retrying cannot help.
        if (error instanceof AccountNeedsReauthError) return { refreshed: false, accountId };
        throw error;
      }
      const after = await ctx.accounts.get(accountId);
      return {
        refreshed: after?.accessTokenExpiresAt.getTime() !== before.accessTokenExpiresAt.getTime(),
        accountId,
      };
    }
    return await sweep(ctx);
  };
}

async function sweep(ctx: WorkerContext) {
  const dueBefore = new Date(Date.now() + ctx.settings.tokenRefreshLeadSec * 1000);
  const due = await ctx.accounts.listDueForRefresh(dueBefore, 500);
  for (const account of due) {
    // One job per account and expiry: sweeps that overlap add it once.
    await enqueueRefresh(ctx.queues, account);
  }

  return { accountsDue: due.length };
}

/** Runs the sweep every `sweepEveryMs` (one scheduler for the whole fleet, whatever the pods). */
export async function scheduleSweep(ctx: WorkerContext): Promise<void> {
  await scheduleRefreshSweep(ctx.queues, ctx.settings.sweepEveryMs);
}
