import { createHash } from 'node:crypto';
import type { ApiKeyRepository, PublicApiKey } from '@tiktok-fleet/db';

/** Enough for every live key of a fleet; an attacker's guesses are never stored. */
const MAX_ENTRIES = 10_000;

/**
 * Known API keys, remembered for a few seconds in this process so that a request does not
 * cost a PostgreSQL round trip. Only keys that verified are kept (a new key works at once;
 * a guess is never remembered), by the SHA-256 of the key, never the key itself. A key
 * revoked elsewhere (the CLI, another API process) stops working here within `ttlMs`: the
 * bound the README states for API_KEY_CACHE_SECONDS.
 */
export class ApiKeyCache {
  readonly #keys: ApiKeyRepository;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { apiKey: PublicApiKey; until: number }>();

  constructor(keys: ApiKeyRepository, options: { ttlMs: number; now?: () => number }) {
    this.#keys = keys;
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  /** The key a caller presented, or null when it is unknown or revoked. */
  async verify(plaintext: string): Promise<PublicApiKey | null> {
    if (this.#ttlMs <= 0) return this.#keys.verify(plaintext);
    const id = createHash('sha256').update(plaintext).digest('base64');
    const now = this.#now();
    const hit = this.#entries.get(id);
    if (hit && hit.until > now) return hit.apiKey;
    if (hit) this.#entries.delete(id);
    const apiKey = await this.#keys.verify(plaintext);
    if (apiKey) {
      if (this.#entries.size >= MAX_ENTRIES) this.#evictExpiredOrOldest(now);
      this.#entries.set(id, { apiKey, until: now + this.#ttlMs });
    }
    return apiKey;
  }

  #evictExpiredOrOldest(now: number): void {
    for (const [id, entry] of this.#entries) if (entry.until <= now) this.#entries.delete(id);
    // Maps iterate in insertion order: the first entry is the oldest.
    const oldest = this.#entries.keys().next();
    if (this.#entries.size >= MAX_ENTRIES && !oldest.done) this.#entries.delete(oldest.value);
  }
}
