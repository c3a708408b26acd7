import type { Post } from '@tiktok-fleet/db';
import { fleetMetrics } from '@tiktok-fleet/observability';
import type { PostRequest } from '@tiktok-fleet/posts';
import { ActiveAccountsWindow, PostWindow } from '@tiktok-fleet/queue';
import type { WorkerContext } from '../deps';
import { DeferRequest, PostFailure } from '../errors';
import type { TikTokSession } from '../tiktok-session';

type SlotHolder = Pick<Post, 'id' | 'accountId'>;

const postWindow = (ctx: WorkerContext) =>
  new PostWindow(ctx.redis, { prefix: ctx.settings.prefix });

/**
 * Takes the post's place in its account's rolling 24 h window (the post id is the
 * reservation, so a job that runs again keeps the place it had). Called just before the
 * init, once the video passed every check: TikTok counts what it was asked to post, so a
 * post that is still being checked, or waits for a rate limit, holds no slot. A full window
 * makes the post wait until a slot frees, or fail when its request said so.
 *
 * `initSession`: the session the init is sent with. The slot and the init's call of the
 * per-minute limit are then taken in one command (init-admit-2.lua), and the session does
 * not count that call again. A spent limit takes no slot: the post waits, as the init's
 * own count would have made it. (A post the app-wide cap turns away below gives its slot
 * back but not that call: the limit counts one call more than was made, never fewer.)
 */
export async function reserveDailySlot(
  ctx: WorkerContext,
  post: SlotHolder,
  onDailyCap: PostRequest['onDailyCap'] | undefined,
  initSession?: TikTokSession,
): Promise<void> {
  const { accountId, id } = post;
  const cap = ctx.settings.dailyPostCap;
  const request = { accountId, reservationId: id, cap };
  const reservation = initSession
    ? await postWindow(ctx).reserveWithInitCall({
        ...request,
        initLimit: ctx.settings.rateLimits.init,
      })
    : await postWindow(ctx).reserve(request);
  // Only the combined script answers this, so there is a session.
  if ('rateLimited' in reservation) {
    throw (initSession as TikTokSession).limitSpent('init', reservation.retryAfterMs);
  }
  if (reservation.ok) {
    initSession?.counted('init');
    await admitToApp(ctx, post);
    return;
  }
  const retryAt = reservation.retryAt;
  const counted = await describeWindow(ctx, accountId, reservation.count);
  if (onDailyCap === 'fail') {
    throw new PostFailure(
      'daily_cap_reached',
      `Account ${accountId} has ${counted}, the most this fleet allows (DAILY_POST_CAP ${cap}). ` +
        `A slot frees at ${retryAt.toISOString()}: post again after that, or send ` +
        `onDailyCap: 'wait' to have the post wait for the slot.`,
      { retryAt: retryAt.toISOString(), cap },
    );
  }
  fleetMetrics.dailyCapDeferral('fleet');
  throw new DeferRequest(
    Math.max(1_000, retryAt.getTime() - Date.now()),
    'daily_cap',
    'daily cap reached',
    {
      status: 'queued',
      detail: {
        code: 'daily_cap',
        message:
          `Waiting for a daily slot: account ${accountId} has ${counted}, the most allowed ` +
          `(DAILY_POST_CAP ${cap}). A slot frees at ${retryAt.toISOString()}, and the post ` +
          'goes ahead then.',
        retryAt: retryAt.toISOString(),
      },
    },
  );
}

/**
 * The app-wide cap of distinct posting accounts (APP_DAILY_ACTIVE_ACCOUNTS, off at 0): an
 * account that posted in the last 24 h goes on; a new one waits for a place, queued, and
 * gives back the account slot it just took.
 */
async function admitToApp(ctx: WorkerContext, post: SlotHolder): Promise<void> {
  const cap = ctx.settings.appDailyActiveAccounts;
  if (cap === 0) return;
  const admitted = await new ActiveAccountsWindow(ctx.redis, {
    prefix: ctx.settings.prefix,
  }).admit(post.accountId, cap);
  if (admitted.ok) return;
  await releaseDailySlot(ctx, post);
  const retryAt = admitted.retryAt.toISOString();
  throw new DeferRequest(
    Math.max(1_000, admitted.retryAt.getTime() - Date.now()),
    'app_active_accounts',
    'the app-wide cap of posting accounts is reached',
    {
      status: 'queued',
      detail: {
        message:
          `Waiting for the app's daily cap of posting accounts: ${admitted.count} accounts ` +
          `posted through this app in the last 24 hours, the most allowed ` +
          `(APP_DAILY_ACTIVE_ACCOUNTS ${cap}), and this account is not one of them. A place ` +
          `frees at ${retryAt}, and the post goes ahead then.`,
        retryAt,
      },
    },
  );
}

/** "10 posts in the last 24 hours (7 published, 3 in flight at TikTok)". */
async function describeWindow(
  ctx: WorkerContext,
  accountId: string,
  count: number,
): Promise<string> {
  const ids = await postWindow(ctx).reservations(accountId);
  const byStatus = await ctx.posts.countByStatus(ids);
  const published = byStatus.published ?? 0;
  const inFlight =
    (byStatus.validating ?? 0) + (byStatus.uploading ?? 0) + (byStatus.processing ?? 0);
  const others = Math.max(0, count - published - inFlight);
  const rest = others > 0 ? `, ${others} failed or canceled after TikTok received them` : '';
  return (
    `${count} posts in the last 24 hours (${published} published, ${inFlight} in flight at ` +
    `TikTok${rest})`
  );
}

/**
 * Gives the post's place back. Only for a post TikTok never received: TikTok counts the
 * ones it did, whatever happens to them next.
 */
export async function releaseDailySlot(ctx: WorkerContext, post: SlotHolder): Promise<void> {
  await postWindow(ctx).release(post.accountId, post.id);
}
