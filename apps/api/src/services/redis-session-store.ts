import type { RedisClient } from '@tiktok-fleet/queue';
import { fleetKey } from '@tiktok-fleet/queue';
import type { Session } from 'fastify';

type Callback = (error?: unknown) => void;

/** How long a session without a sign-in (an open sign-in form) is kept. */
export const ANONYMOUS_SESSION_TTL_MS = 60 * 60_000;

/**
 * @fastify/session's store in Redis, so every API replica knows every session and a
 * restart signs no one out. One key per session under the fleet prefix, expiring with the
 * session's cookie; the session is stored as JSON (its cookie serialises itself).
 */
export class RedisSessionStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #fallbackTtlMs: number;

  constructor(redis: RedisClient, options: { prefix: string; ttlMs: number }) {
    this.#redis = redis;
    this.#prefix = options.prefix;
    this.#fallbackTtlMs = options.ttlMs;
  }

  set(sessionId: string, session: Session, callback: Callback): void {
    const expires = (session as { cookie?: { expires?: Date | null } }).cookie?.expires;
    const untilCookieEnds = expires ? expires.getTime() - Date.now() : this.#fallbackTtlMs;
    // A session nobody signed in with holds only a form's CSRF secret: anyone can make one
    // by opening /login, so it is not kept for the whole session lifetime.
    const ttlMs = session.operator
      ? untilCookieEnds
      : Math.min(untilCookieEnds, ANONYMOUS_SESSION_TTL_MS);
    if (ttlMs <= 0) {
      this.destroy(sessionId, callback);
      return;
    }
    this.#redis
      .set(this.#key(sessionId), JSON.stringify(session), 'PX', Math.ceil(ttlMs))
      .then(() => callback(), callback);
  }

  get(sessionId: string, callback: (error: unknown, session?: Session | null) => void): void {
    this.#redis.get(this.#key(sessionId)).then((value) => {
      if (value === null) return callback(null, null);
      try {
        callback(null, JSON.parse(value) as Session);
      } catch {
        // A value this store did not write: treat it as no session.
        callback(null, null);
      }
    }, callback);
  }

  destroy(sessionId: string, callback: Callback): void {
    this.#redis.del(this.#key(sessionId)).then(() => callback(), callback);
  }

  #key(sessionId: string): string {
    return fleetKey(this.#prefix, 'session', sessionId);
  }
}
