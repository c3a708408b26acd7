import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_PREFIX } from './connection';
import { checkPrefix, fleetKey } from './keys';
import type { RedisClient } from './scripts';

/** What an OAuth `state` stands for until TikTok sends the browser back. */
export const oauthStateDataSchema = z.object({
  /** The backend's own user id the connected account will belong to. */
  ownerId: z.string().min(1),
  /** Where to send the browser once the account is connected. */
  redirectTo: z.string().min(1),
  /** PKCE verifier, when the flow uses one. It never leaves Redis except to the callback. */
  codeVerifier: z.string().min(43).max(128).optional(),
});

export type OAuthStateData = z.infer<typeof oauthStateDataSchema>;

/** 32 random bytes, base64url: unguessable, and safe in a URL and a Redis key. */
const STATE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** @defaultValue 10 minutes: long enough to log in at TikTok, short enough to go stale. */
export const OAUTH_STATE_TTL_SEC = 600;

export interface OAuthStateStoreOptions {
  /** @defaultValue `{tiktok-fleet}` */
  prefix?: string;
  /** States alive at once in all; a new one past it is refused. @defaultValue 10000 */
  maxLive?: number;
  /** States alive at once for one owner. @defaultValue 50 */
  maxPerOwner?: number;
}

/**
 * Too many connect flows are open: for one owner, or in all. Redis runs `noeviction`, so
 * states that could pile up without bound would fill it and stop the queues.
 */
export class OAuthStateLimitError extends Error {
  override readonly name = 'OAuthStateLimitError';

  constructor(
    readonly scope: 'owner' | 'all',
    readonly limit: number,
    /** When the oldest of the counted states expires, so a slot frees up. */
    readonly retryAfterSec: number,
  ) {
    super(
      scope === 'owner'
        ? `This owner already has ${limit} connect flows open (OAUTH_STATES_MAX_PER_OWNER); ` +
            'each lasts 10 minutes or until used. Finish or wait for one before starting another.'
        : `The fleet has ${limit} connect flows open (OAUTH_STATES_MAX_LIVE), the most it keeps. ` +
            'Try again in a few minutes.',
    );
  }
}

/** One-time, expiring OAuth `state` values, bound to the owner who started the flow. */
export class OAuthStateStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #maxLive: number;
  readonly #maxPerOwner: number;

  constructor(redis: RedisClient, options: OAuthStateStoreOptions = {}) {
    this.#redis = redis;
    this.#prefix = checkPrefix(options.prefix ?? DEFAULT_PREFIX);
    this.#maxLive = options.maxLive ?? 10_000;
    this.#maxPerOwner = options.maxPerOwner ?? 50;
  }

  /** Stores `data` under a new random state and returns the state. */
  async create(data: OAuthStateData, ttlSec = OAUTH_STATE_TTL_SEC): Promise<string> {
    if (!Number.isInteger(ttlSec) || ttlSec < 1) {
      throw new RangeError(`An OAuth state TTL must be whole seconds ≥ 1 (got ${ttlSec}).`);
    }
    const value = JSON.stringify(oauthStateDataSchema.parse(data));
    const state = randomBytes(32).toString('base64url');
    await this.#takeSlot(data.ownerId, state, ttlSec);
    // NX: a collision of 256 random bits will not happen, but if it did it must not overwrite.
    const stored = await this.#redis.set(this.#key(state), value, 'EX', ttlSec, 'NX');
    if (stored !== 'OK') throw new Error('Could not store a new OAuth state; try again.');
    return state;
  }

  /**
   * The data of `state`, exactly once (GETDEL is atomic, so two callbacks racing with the
   * same state cannot both win). Null when the state is unknown, already used or expired.
   */
  async consume(state: string): Promise<OAuthStateData | null> {
    // Anything we could not have issued is refused without a round trip.
    if (!STATE_PATTERN.test(state)) return null;
    const value = await this.#redis.getdel(this.#key(state));
    if (value === null) return null;
    const parsed = oauthStateDataSchema.safeParse(safeJson(value));
    if (!parsed.success) return null;
    await this.#redis
      .multi()
      .zrem(this.#liveKey(), state)
      .zrem(this.#ownerKey(parsed.data.ownerId), state)
      .exec();
    return parsed.data;
  }

  /**
   * Counts the new state among the live ones (sorted sets scored by expiry, trimmed of the
   * expired on each call), or refuses it. Two creates racing may both pass at the limit:
   * the cap is a bound on memory, not an exact count.
   */
  async #takeSlot(ownerId: string, state: string, ttlSec: number): Promise<void> {
    const now = Date.now();
    const expiresAt = now + ttlSec * 1000;
    const live = this.#liveKey();
    const owner = this.#ownerKey(ownerId);
    const counted = await this.#redis
      .multi()
      .zremrangebyscore(live, '-inf', String(now))
      .zremrangebyscore(owner, '-inf', String(now))
      .zcard(live)
      .zcard(owner)
      .zrange(owner, '0', '0', 'WITHSCORES')
      .zrange(live, '0', '0', 'WITHSCORES')
      .exec();
    const result = (index: number) => counted?.[index]?.[1];
    const retryAfter = (oldest: unknown) => {
      const score = Number((oldest as string[] | undefined)?.[1] ?? expiresAt);
      return Math.max(1, Math.ceil((score - now) / 1000));
    };
    if (Number(result(3)) >= this.#maxPerOwner) {
      throw new OAuthStateLimitError('owner', this.#maxPerOwner, retryAfter(result(4)));
    }
    if (Number(result(2)) >= this.#maxLive) {
      throw new OAuthStateLimitError('all', this.#maxLive, retryAfter(result(5)));
    }
    await this.#redis
      .multi()
      .zadd(live, expiresAt, state)
      .pexpire(live, ttlSec * 1000)
      .zadd(owner, expiresAt, state)
      .pexpire(owner, ttlSec * 1000)
      .exec();
  }

  #liveKey(): string {
    return fleetKey(this.#prefix, 'oauth-states-live');
  }

  /** Owner ids are the caller's; hashed, so any id makes a plain key. */
  #ownerKey(ownerId: string): string {
    const id = createHash('sha256').update(ownerId).digest('hex').slice(0, 32);
    return fleetKey(this.#prefix, 'oauth-states-owner', id);
  }

  #key(state: string): string {
    return fleetKey(this.#prefix, 'oauth-state', state);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
