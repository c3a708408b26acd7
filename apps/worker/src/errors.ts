import type { Prisma } from '@tiktok-fleet/db';

/**
 * The post cannot be published as asked. It ends `failed` with this code and message (the
 * message is for a person: what happened and what to do), and the job is not retried.
 */
export class PostFailure extends Error {
  override readonly name = 'PostFailure';

  constructor(
    readonly code: string,
    message: string,
    readonly details?: Prisma.InputJsonObject,
  ) {
    super(message);
  }
}

/** Why a job waits; each is a history entry on the post (`detail.code`). */
export type WaitCode =
  | 'account_busy'
  | 'fleet_rate_limit'
  | 'tiktok_rate_limit'
  | 'daily_cap'
  | 'tiktok_daily_cap'
  | 'app_active_accounts'
  | 'lease_lost'
  | 'infrastructure_unavailable';

/**
 * The job should come back later without spending an attempt (a busy account, a full
 * window, a rate limit). `event` is recorded on the post first when given; otherwise the
 * wait is noted in the post's history with `code`, the reason and when it tries again.
 */
export class DeferRequest extends Error {
  override readonly name = 'DeferRequest';

  constructor(
    readonly delayMs: number,
    readonly code: WaitCode,
    reason: string,
    readonly event?: { status: 'queued' | 'keep'; detail: Prisma.InputJsonObject },
  ) {
    super(reason);
  }
}

/** The post was canceled (by the API) while the worker had it: stop, quietly. */
export class PostCanceled extends Error {
  override readonly name = 'PostCanceled';

  constructor(readonly postId: string) {
    super(`Post ${postId} was canceled; the worker stopped working on it.`);
  }
}

/** The account's refresh token is dead: its owner must connect it again. */
export class AccountNeedsReauthError extends Error {
  override readonly name = 'AccountNeedsReauthError';
  readonly code = 'account_needs_reauth';

  constructor(
    readonly accountId: string,
    readonly reason: string,
  ) {
    super(accountNeedsReauthMessage(accountId, reason));
  }
}

export function accountNeedsReauthMessage(accountId: string, reason: string | null): string {
  return (
    `Account ${accountId} must be connected again before it can post: ` +
    `${reason ?? 'TikTok no longer accepts its authorization'}. ` +
    'Have its owner connect it again (POST /v1/accounts/connect), then send the post again.'
  );
}

/** Why something failed, for storing on a post: a stable code and a sentence. */
export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      code: typeof code === 'string' && /^[a-z][a-z0-9_]*$/.test(code) ? code : 'internal_error',
      message: error.message,
    };
  }
  return { code: 'internal_error', message: String(error) };
}
