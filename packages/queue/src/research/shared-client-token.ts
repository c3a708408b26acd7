import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_PREFIX } from '../connection';
import { checkPrefix, fleetKey } from '../keys';
import type { RedisClient } from '../scripts';

/** A client access token and when it ends, as the TikTok client hands it out. */
export interface IssuedClientToken {
  accessToken: string;
  expiresAt: Date;
}

export interface SharedClientTokenOptions {
  prefix?: string;
  /** Renew this long before the token's end. @defaultValue 10 minutes */
  renewLeadMs?: number;
  /** The clock expiries are read on. @defaultValue Date.now */
  now?: () => number;
  /** How the token is kept in Redis (encrypt it there); identity by default. */
  seal?: (plaintext: string) => string;
  open?: (sealed: string) => string;
  /** How long a process waits for another one's renewal. @defaultValue 15 s */
  waitMs?: number;
}

/** Another process held the renewal for longer than this one would wait. */
export class ClientTokenBusyError extends Error {
  override readonly name = 'ClientTokenBusyError';
  readonly code = 'research_token_busy';

  constructor() {
    super(
      'No Research API client token yet: another process is renewing it and has not finished. Try again shortly.',
    );
  }
}

interface Stored {
  token: string;
  expiresAt: number;
  /** When it was stored: a token that lives less than twice the lead is renewed at half-life. */
  issuedAt: number;
}

/** Long enough for TikTok's token endpoint to answer; a crashed holder frees it this soon. */
const LEASE_MS = 10_000;

// Deletes the lease only while it is still ours.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
// Forgets the cached token only if it is the one that failed, not a newer one.
const FORGET = `
local value = redis.call('GET', KEYS[1])
if value and cjson.decode(value).token == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * The Research API's client-credentials token (2 h, docs/tiktok-api.md, Token endpoint),
 * shared by every process in Redis (`<prefix>:research:client-token`) and renewed before its
 * end by one process at a time (`<prefix>:lease:research-client-token`): the others keep
 * using the still valid token meanwhile, or wait for the new one.
 */
export class SharedClientToken {
  readonly #redis: RedisClient;
  readonly #key: string;
  readonly #leaseKey: string;
  readonly #lead: number;
  readonly #now: () => number;
  readonly #seal: (plaintext: string) => string;
  readonly #open: (sealed: string) => string;
  readonly #waitMs: number;

  constructor(redis: RedisClient, options: SharedClientTokenOptions = {}) {
    const prefix = checkPrefix(options.prefix ?? DEFAULT_PREFIX);
    this.#redis = redis;
    this.#key = fleetKey(prefix, 'research', 'client-token');
    this.#leaseKey = fleetKey(prefix, 'lease', 'research-client-token');
    this.#lead = options.renewLeadMs ?? 10 * 60_000;
    this.#now = options.now ?? Date.now;
    this.#seal = options.seal ?? ((s) => s);
    this.#open = options.open ?? ((s) => s);
    this.#waitMs = options.waitMs ?? 15_000;
  }

  /** A token with more than the renewal lead left, issuing one through `issue` if needed. */
  async get(issue: () => Promise<IssuedClientToken>): Promise<string> {
    const deadline = this.#now() + this.#waitMs;
    for (;;) {
      const cached = await this.#read();
      if (cached && this.#fresh(cached)) return cached.token;
      const holder = randomUUID();
      const leased = await this.#redis.set(this.#leaseKey, holder, 'PX', LEASE_MS, 'NX');
      if (leased === 'OK') {
        try {
          // Another process may have renewed between our read and our lease.
          const again = await this.#read();
          if (again && this.#fresh(again)) return again.token;
          const issued = await issue();
          const stored: Stored = {
            token: this.#seal(issued.accessToken),
            expiresAt: issued.expiresAt.getTime(),
            issuedAt: this.#now(),
          };
          const ttl = stored.expiresAt - stored.issuedAt;
          if (ttl > 0) await this.#redis.set(this.#key, JSON.stringify(stored), 'PX', ttl);
          return issued.accessToken;
        } finally {
          await this.#redis.eval(RELEASE, 1, this.#leaseKey, holder).catch(() => undefined);
        }
      }
      // Someone else renews: the old token still works until its end.
      if (cached && cached.expiresAt > this.#now()) return cached.token;
      if (this.#now() > deadline) {
        throw new ClientTokenBusyError();
      }
      await sleep(50);
    }
  }

  /** Forgets `token` after TikTok refused it, unless a newer one replaced it already. */
  async forget(token: string): Promise<void> {
    const value = await this.#redis.get(this.#key);
    if (value === null) return;
    const stored = JSON.parse(value) as Stored;
    if (this.#open(stored.token) !== token) return;
    await this.#redis.eval(FORGET, 1, this.#key, stored.token);
  }

  #fresh(stored: Stored): boolean {
    const lead = Math.min(this.#lead, (stored.expiresAt - stored.issuedAt) / 2);
    return stored.expiresAt - this.#now() > lead;
  }

  async #read(): Promise<Stored | null> {
    const value = await this.#redis.get(this.#key);
    if (value === null) return null;
    const stored = JSON.parse(value) as Stored;
    return { ...stored, token: this.#open(stored.token) };
  }
}
