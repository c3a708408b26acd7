import { randomUUID } from 'node:crypto';
import { DEFAULT_PREFIX } from './connection';
import { checkPrefix, fleetKey } from './keys';
import { tiktokLimiterKey } from './rate-limiter';
import { fleetCommands, type RedisClient } from './scripts';

/** TikTok counts posts per creator over a rolling 24 hours, not per calendar day. */
export const POST_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface ReserveRequest {
  accountId: string;
  /** The post's id: the same id asking again keeps its one slot. */
  reservationId: string;
  /** How many posts the window may hold (DAILY_POST_CAP). */
  cap: number;
  /**
   * Epoch milliseconds. Leave it out to use the Redis server's clock, which every worker
   * shares; give it only when every caller of this account's window does (tests).
   */
  nowMs?: number;
  /** @defaultValue 24 hours */
  windowMs?: number;
}

export type Reservation =
  | {
      ok: true;
      /** Reservations in the window, this one included. */
      count: number;
      reservedAt: Date;
      /** True when this id already held a slot (a retried job): nothing was added. */
      alreadyReserved: boolean;
    }
  | {
      ok: false;
      count: number;
      /** When the window frees a slot: the entry in the way plus the window length. */
      retryAt: Date;
    };

export interface PostWindowOptions {
  /** @defaultValue `{tiktok-fleet}` */
  prefix?: string;
}

/**
 * Each account's posts in a rolling window (default 24 h), one sorted set of reservation ids
 * scored by the time they were taken. Reserving is one atomic script, so workers racing
 * for the last slot never both get it.
 */
export class PostWindow {
  readonly #redis: RedisClient;
  readonly #prefix: string;

  constructor(redis: RedisClient, options: PostWindowOptions = {}) {
    this.#redis = redis;
    this.#prefix = checkPrefix(options.prefix ?? DEFAULT_PREFIX);
  }

  /** Takes a slot for `reservationId`, or says when one frees. */
  async reserve(request: ReserveRequest): Promise<Reservation> {
    const { accountId, reservationId, cap, nowMs, windowMs = POST_WINDOW_MS } = request;
    if (!Number.isInteger(cap) || cap < 1) {
      throw new RangeError(`The post cap must be a whole number ≥ 1 (got ${cap}).`);
    }
    checkWindow(windowMs);
    const reply = await fleetCommands(this.#redis).tfWindowReserve(
      this.#key(accountId),
      reservationId,
      cap,
      windowMs,
      nowMs ?? '',
    );
    return reservationOf(reply);
  }

  /**
   * Takes the slot and one call of the account's init rate limit together, in one command
   * (commands/init-admit-2.lua): just before the init, which needs both. A spent limit
   * takes no slot and answers when a call is allowed again; a full window spends no call.
   * The limiter key is SlidingWindowRateLimiter's for `init` (rate-limiter.ts), so every
   * other init of the account counts against the same minute.
   */
  async reserveWithInitCall(
    request: ReserveRequest & { initLimit: { limit: number; windowMs: number } },
  ): Promise<Reservation | { ok: false; rateLimited: true; retryAfterMs: number }> {
    const { accountId, reservationId, cap, nowMs, windowMs = POST_WINDOW_MS, initLimit } = request;
    if (!Number.isInteger(cap) || cap < 1) {
      throw new RangeError(`The post cap must be a whole number ≥ 1 (got ${cap}).`);
    }
    checkWindow(windowMs);
    checkWindow(initLimit.windowMs);
    const reply = await fleetCommands(this.#redis).tfInitAdmit(
      this.#key(accountId),
      fleetKey(this.#prefix, 'rate', tiktokLimiterKey(accountId, 'init')),
      reservationId,
      cap,
      windowMs,
      initLimit.limit,
      initLimit.windowMs,
      randomUUID(),
      nowMs ?? '',
    );
    if (Number(reply[0]) === 2) {
      return { ok: false, rateLimited: true, retryAfterMs: Number(reply[1] ?? 1) };
    }
    return reservationOf(reply);
  }

  /**
   * Gives a slot back, for a post that never reached TikTok (it failed validation or init).
   * A post TikTok accepted keeps its slot: TikTok counts it whatever happens next.
   */
  async release(accountId: string, reservationId: string): Promise<boolean> {
    return (await this.#redis.zrem(this.#key(accountId), reservationId)) === 1;
  }

  /** How many reservations the window holds now, and when the oldest of them was taken. */
  async peek(
    accountId: string,
    options: { nowMs?: number; windowMs?: number } = {},
  ): Promise<{ count: number; oldestAt: Date | null }> {
    const windowMs = options.windowMs ?? POST_WINDOW_MS;
    checkWindow(windowMs);
    const [count = 0, oldest = -1] = await fleetCommands(this.#redis).tfWindowPeek(
      this.#key(accountId),
      windowMs,
      options.nowMs ?? '',
    );
    return { count: Number(count), oldestAt: Number(oldest) < 0 ? null : new Date(Number(oldest)) };
  }

  /** The reservation ids (post ids) the window holds, oldest first: what a message names. */
  async reservations(accountId: string): Promise<string[]> {
    return await this.#redis.zrange(this.#key(accountId), '0', '-1');
  }

  /** How many reservations the window holds now. */
  async count(accountId: string, options: { nowMs?: number; windowMs?: number } = {}) {
    return (await this.peek(accountId, options)).count;
  }

  #key(accountId: string): string {
    return fleetKey(this.#prefix, 'post-window', accountId);
  }
}

/**
 * The app's distinct posting accounts in a rolling 24 h (APP_DAILY_ACTIVE_ACCOUNTS): one
 * sorted set of account ids scored by when each first posted in the window, reserved with
 * the same script as an account's posts. An account already in it keeps its place.
 */
export class ActiveAccountsWindow {
  readonly #redis: RedisClient;
  readonly #key: string;

  constructor(redis: RedisClient, options: PostWindowOptions = {}) {
    this.#redis = redis;
    this.#key = fleetKey(checkPrefix(options.prefix ?? DEFAULT_PREFIX), 'active-accounts');
  }

  /** Counts the account as active, or says when a place frees. */
  async admit(accountId: string, cap: number): Promise<Reservation> {
    return reservationOf(
      await fleetCommands(this.#redis).tfWindowReserve(
        this.#key,
        accountId,
        cap,
        POST_WINDOW_MS,
        '',
      ),
    );
  }
}

/** The window script's answer: `[1, count, reservedAt, already]` or `[0, count, retryAt]`. */
function reservationOf(reply: Array<string | number>): Reservation {
  const [ok, count, at, already] = reply.map(Number);
  if (ok === 1) {
    return {
      ok: true,
      count: count ?? 0,
      reservedAt: new Date(at ?? 0),
      alreadyReserved: already === 1,
    };
  }
  return { ok: false, count: count ?? 0, retryAt: new Date(at ?? 0) };
}

function checkWindow(windowMs: number): void {
  if (!Number.isInteger(windowMs) || windowMs < 1) {
    throw new RangeError(`A window must be a whole number of milliseconds ≥ 1 (got ${windowMs}).`);
  }
}
