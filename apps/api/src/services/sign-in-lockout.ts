import type { RedisClient } from '@tiktok-fleet/queue';
import { fleetKey, SlidingWindowRateLimiter } from '@tiktok-fleet/queue';

/** Wrong passwords one address may try in the window before it must wait. */
export const SIGN_IN_FAILURES = 10;
export const SIGN_IN_WINDOW_MS = 15 * 60_000;

/**
 * Slows password guessing at /login: after SIGN_IN_FAILURES wrong attempts from one
 * address within SIGN_IN_WINDOW_MS, that address may not try again until the window lets
 * it. Right passwords are not counted, so an operator signing in often is never locked out.
 */
export class SignInLockout {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #limiter: SlidingWindowRateLimiter;

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#limiter = new SlidingWindowRateLimiter(redis, { prefix });
  }

  /** How long this address must still wait, in ms; 0 when it may try. */
  async waitMs(address: string): Promise<number> {
    const left = await this.#redis.pttl(this.#blockKey(address));
    // -2: no key (not blocked); -1 cannot happen, the key is always set with an expiry.
    return Math.max(left, 0);
  }

  /** Counts a wrong password; past the limit the address is blocked until the window frees. */
  async recordFailure(address: string): Promise<void> {
    const decision = await this.#limiter.acquire(
      `sign-in:${address}`,
      SIGN_IN_FAILURES,
      SIGN_IN_WINDOW_MS,
    );
    // The last failure allowed blocks for a whole window (when its oldest failure leaves is
    // not told); one past it only until the window frees.
    const blockMs = decision.ok
      ? decision.remaining === 0
        ? SIGN_IN_WINDOW_MS
        : 0
      : decision.retryAfterMs;
    if (blockMs > 0) await this.#redis.set(this.#blockKey(address), '1', 'PX', blockMs);
  }

  #blockKey(address: string): string {
    return fleetKey(this.#prefix, 'sign-in-blocked', address);
  }
}
