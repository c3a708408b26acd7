import { LeaseLock, POST_WINDOW_MS, PostWindow } from '@tiktok-fleet/queue';
import type { ApiContext } from '../context';

export interface AccountActivity {
  /** Posts of the account in the fleet's rolling 24 h window (DAILY_POST_CAP counts these). */
  used: number;
  cap: number;
  /** When the full window frees a slot; null while a slot is free. */
  nextSlotAt: Date | null;
  /** A worker holds the account's upload lease: its other posts wait behind that upload. */
  uploadInProgress: boolean;
}

/**
 * What the workers are doing with an account right now, read from the same Redis keys they
 * write: the rolling 24 h post window and the account's upload lease.
 */
export async function accountActivity(
  ctx: ApiContext,
  accountId: string,
): Promise<AccountActivity> {
  const [window, holder] = await Promise.all([
    new PostWindow(ctx.redis, { prefix: ctx.prefix }).peek(accountId),
    new LeaseLock(ctx.redis, 'upload', { prefix: ctx.prefix }).holder(accountId),
  ]);
  const cap = ctx.config.DAILY_POST_CAP;
  // With the window full, the oldest post leaving it frees the next slot.
  const nextSlotAt =
    window.count >= cap && window.oldestAt
      ? new Date(window.oldestAt.getTime() + POST_WINDOW_MS)
      : null;
  return { used: window.count, cap, nextSlotAt, uploadInProgress: holder !== null };
}
