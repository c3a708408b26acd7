import { type PublicAccount, TokenCipherError } from '@tiktok-fleet/db';
import { fleetMetrics } from '@tiktok-fleet/observability';
import { findPublishJob } from '@tiktok-fleet/queue';
import { TikTokApiError } from '@tiktok-fleet/tiktok';
import type { FastifyBaseLogger } from 'fastify';
import type { ApiContext } from '../context';
import { freshAccessToken } from './access-token';
import { queueNotify } from './notify';

/**
 * Marks an account revoked, erases its tokens, and fails the posts that can no longer be
 * made (those not started, and those a worker is validating or uploading: without a token
 * the upload cannot finish). Their publish jobs are removed and their callbacks queued.
 * Posts TikTok is already processing are left to TikTok's answer (`auth_removed`).
 */
export async function revokeLocally(
  ctx: ApiContext,
  accountId: string,
  reason: string,
  log: FastifyBaseLogger,
): Promise<void> {
  await ctx.accounts.revoke(accountId, reason);
  const failed = await ctx.posts.failOpenPostsOfAccount(
    accountId,
    {
      code: 'account_revoked',
      message: `The TikTok account was disconnected (${reason}) before this post could be made. Connect it again and send the post again.`,
    },
    ['queued', 'scheduled', 'validating', 'uploading'],
  );
  for (const post of failed) {
    fleetMetrics.postFinished('failed', 'account_revoked');
    try {
      const job = await findPublishJob(ctx.queues, post.id);
      if (job && (await job.getState()) !== 'active') await job.remove();
    } catch (error) {
      log.warn(
        { err: error, postId: post.id },
        'could not remove the publish job of a failed post',
      );
    }
    await queueNotify(ctx, post, 'failed', log);
  }
}

/**
 * DELETE /v1/accounts/:id: revokes the authorization at TikTok with the account's access
 * token (refreshed first if it has expired, so TikTok really drops the grant), then
 * disconnects it here. A token TikTok no longer accepts means the grant is gone already.
 */
export async function disconnectAccount(
  ctx: ApiContext,
  account: PublicAccount,
  log: FastifyBaseLogger,
): Promise<void> {
  if (account.status !== 'revoked') {
    try {
      const accessToken = await freshAccessToken(ctx, account.id);
      await ctx.tiktok.revokeToken(accessToken);
    } catch (error) {
      // A token we cannot decrypt cannot be sent either: disconnecting here is all we can do.
      const gone =
        error instanceof TokenCipherError ||
        (error instanceof TikTokApiError &&
          (error.action === 'reauthorize' || error.action === 'refresh_token'));
      // Anything else (TikTok down, a timeout) leaves the account as it was: try again.
      if (!gone) throw error;
      log.info({ accountId: account.id }, 'TikTok no longer honoured the token; disconnecting');
    }
  }
  await revokeLocally(ctx, account.id, 'disconnected through the API', log);
}
