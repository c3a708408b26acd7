import { randomBytes } from 'node:crypto';
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
}

/** One-time, expiring OAuth `state` values, bound to the owner who started the flow. */
export class OAuthStateStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;

  constructor(redis: RedisClient, options: OAuthStateStoreOptions = {}) {
    this.#redis = redis;
    this.#prefix = checkPrefix(options.prefix ?? DEFAULT_PREFIX);
  }

  /** Stores `data` under a new random state and returns the state. */
  async create(data: OAuthStateData, ttlSec = OAUTH_STATE_TTL_SEC): Promise<string> {
    if (!Number.isInteger(ttlSec) || ttlSec < 1) {
      throw new RangeError(`An OAuth state TTL must be whole seconds ≥ 1 (got ${ttlSec}).`);
    }
    const value = JSON.stringify(oauthStateDataSchema.parse(data));
    const state = randomBytes(32).toString('base64url');
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
    return parsed.success ? parsed.data : null;
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
