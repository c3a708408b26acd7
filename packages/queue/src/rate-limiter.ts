import { randomUUID } from 'node:crypto';
import { DEFAULT_PREFIX } from './connection';
import { checkPrefix, fleetKey } from './keys';
import { fleetCommands, type RedisClient } from './scripts';

/**
 * TikTok's documented limits (docs/tiktok-api.md, Rate limits), each over a one-minute sliding
 * window. `init` covers the Direct Post, inbox and photo init endpoints. For `display` TikTok does
 * not say whether the limit is per token or per app; per account is the optimistic reading.
 */
export const TIKTOK_RATE_LIMITS = {
  init: { limit: 6, windowMs: 60_000 },
  creatorInfo: { limit: 20, windowMs: 60_000 },
  status: { limit: 30, windowMs: 60_000 },
  display: { limit: 600, windowMs: 60_000 },
} as const satisfies Record<string, { limit: number; windowMs: number }>;

export type TikTokEndpoint = keyof typeof TIKTOK_RATE_LIMITS;

export type RateLimitDecision =
  | { ok: true; remaining: number }
  | { ok: false; retryAfterMs: number };

export interface RateLimiterOptions {
  /** @defaultValue `{tiktok-fleet}` */
  prefix?: string;
}

/**
 * A sliding-window limiter shared by every worker: at most `limit` calls in any `windowMs`.
 * One atomic script per call. It uses the Redis server's clock, so workers with skewed
 * clocks still agree.
 */
export class SlidingWindowRateLimiter {
  readonly #redis: RedisClient;
  readonly #prefix: string;

  constructor(redis: RedisClient, options: RateLimiterOptions = {}) {
    this.#redis = redis;
    this.#prefix = checkPrefix(options.prefix ?? DEFAULT_PREFIX);
  }

  /** Counts one call against `key` if the window allows it. A refused call is not counted. */
  async acquire(
    key: string,
    limit: number,
    windowMs: number,
    options: { nowMs?: number } = {},
  ): Promise<RateLimitDecision> {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`A rate limit must be a whole number ≥ 1 (got ${limit}).`);
    }
    if (!Number.isInteger(windowMs) || windowMs < 1) {
      throw new RangeError(`A rate window must be whole milliseconds ≥ 1 (got ${windowMs}).`);
    }
    const [ok, value = 0] = await fleetCommands(this.#redis).tfRateLimitAcquire(
      fleetKey(this.#prefix, 'rate', key),
      limit,
      windowMs,
      randomUUID(),
      options.nowMs ?? '',
    );
    return Number(ok) === 1
      ? { ok: true, remaining: Number(value) }
      : { ok: false, retryAfterMs: Number(value) };
  }

  /**
   * One call to a TikTok endpoint for one account. The key is the account, never the access
   * token: a token in a key name would show in every SCAN and MONITOR.
   */
  acquireTikTok(accountId: string, endpoint: TikTokEndpoint): Promise<RateLimitDecision> {
    const { limit, windowMs } = TIKTOK_RATE_LIMITS[endpoint];
    return this.acquire(tiktokLimiterKey(accountId, endpoint), limit, windowMs);
  }
}

/** The limiter key of one account's calls to one TikTok endpoint. */
export const tiktokLimiterKey = (accountId: string, endpoint: TikTokEndpoint) =>
  `tiktok:${endpoint}:${accountId}`;
