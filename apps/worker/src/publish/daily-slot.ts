import type { Post } from '@tiktok-fleet/db';
import { fleetMetrics } from '@tiktok-fleet/observability';
import type { PostRequest } from '@tiktok-fleet/posts';
import { DailyCapReachedError, PostWindow } from '@tiktok-fleet/queue';
import type { WorkerContext } from '../deps';
import { DeferRequest, PostFailure } from '../errors';

type SlotHolder = Pick<Post, 'id' | 'accountId'>;

const postWindow = (ctx: WorkerContext) =>
  new PostWindow(ctx.redis, { prefix: ctx.settings.prefix });

/**
 * Takes the post's place in its account's rolling 24 h window (the post id is the
 * reservation, so a job that runs again keeps the place it had). A full window makes the
 * post wait until a slot frees, or fail when its request said so.
 */
export async function reserveDailySlot(
  ctx: WorkerContext,
  post: SlotHolder,
  onDailyCap: PostRequest['onDailyCap'] | undefined,
): Promise<void> {
  const { accountId, id } = post;
  const cap = ctx.settings.dailyPostCap;
  const reservation = await postWindow(ctx).reserve({ accountId, reservationId: id, cap });
  if (reservation.ok) return;
  const retryAt = reservation.retryAt;
  if (onDailyCap === 'fail') {
    throw new PostFailure(
      'daily_cap_reached',
      new DailyCapReachedError(accountId, cap, retryAt).message,
      { retryAt: retryAt.toISOString() },
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
        message:
          `Waiting for a daily slot: account ${accountId} has posted ${reservation.count} times ` +
          `in the last 24 hours, the most allowed (DAILY_POST_CAP ${cap}). A slot frees at ` +
          `${retryAt.toISOString()}, and the post goes ahead then.`,
        retryAt: retryAt.toISOString(),
      },
    },
  );
}

/**
 * Gives the post's place back. Only for a post TikTok never received: TikTok counts the
 * ones it did, whatever happens to them next.
 */
export async function releaseDailySlot(ctx: WorkerContext, post: SlotHolder): Promise<void> {
  await postWindow(ctx).release(post.accountId, post.id);
}
