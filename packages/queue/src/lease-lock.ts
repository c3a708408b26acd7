import { DEFAULT_PREFIX } from './connection';
import { checkPrefix, fleetKey } from './keys';
import { fleetCommands, type RedisClient } from './scripts';

/**
 * What a lease protects, per account:
 * - `upload`: one upload per account at a time;
 * - `token-refresh`: one refresh per account at a time, so a rotating refresh token is
 *   never sent twice.
 */
export type LeaseNamespace = 'upload' | 'token-refresh';

/** A lease held by one caller: the token it chose and the fence Redis gave it. */
export interface Lease {
  readonly namespace: LeaseNamespace;
  readonly resourceId: string;
  readonly token: string;
  /**
   * Larger for every new holder of this resource. Pass it to writes in storage and refuse a
   * write whose fence is smaller than the last one seen: a holder that paused past its TTL
   * can then do no harm.
   */
  readonly fence: number;
}

export type LeaseAttempt =
  | { acquired: true; lease: Lease }
  | { acquired: false; holder: string; expiresInMs: number };

export interface LeaseLockOptions {
  /** @defaultValue `{tiktok-fleet}` */
  prefix?: string;
}

/**
 * Single-holder leases in one Redis (the compare-and-set pattern of the Redis docs, plus a
 * fencing counter). Each call is one atomic script. Prefer {@link AccountLock}, which also
 * renews and releases.
 */
export class LeaseLock {
  readonly #redis: RedisClient;
  readonly #prefix: string;

  constructor(
    redis: RedisClient,
    readonly namespace: LeaseNamespace,
    options: LeaseLockOptions = {},
  ) {
    this.#redis = redis;
    this.#prefix = checkPrefix(options.prefix ?? DEFAULT_PREFIX);
  }

  /** Takes the lease unless another token holds it. The same token takes it again. */
  async acquire(resourceId: string, token: string, ttlMs: number): Promise<LeaseAttempt> {
    checkTtl(ttlMs);
    if (token.length === 0) throw new TypeError('A lease token must not be empty.');
    const reply = await fleetCommands(this.#redis).tfLeaseAcquire(
      this.#leaseKey(resourceId),
      fleetKey(this.#prefix, 'fence', this.namespace, resourceId),
      token,
      ttlMs,
    );
    if (reply[0] === 1) {
      return {
        acquired: true,
        lease: { namespace: this.namespace, resourceId, token, fence: Number(reply[1]) },
      };
    }
    return { acquired: false, holder: String(reply[1]), expiresInMs: Number(reply[2]) };
  }

  /** Extends the lease to `ttlMs` from now; false when the caller no longer holds it. */
  async renew(lease: Lease, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    const key = this.#leaseKey(lease.resourceId);
    return (await fleetCommands(this.#redis).tfLeaseRenew(key, holderValue(lease), ttlMs)) === 1;
  }

  /** Gives the lease back; false when the caller no longer held it (nothing is deleted). */
  async release(lease: Lease): Promise<boolean> {
    const key = this.#leaseKey(lease.resourceId);
    return (await fleetCommands(this.#redis).tfLeaseRelease(key, holderValue(lease))) === 1;
  }

  /**
   * Gives the lease back (as {@link release}) and takes one member of the `waiters` set in
   * the same command: the id of the next job to wake, or null.
   */
  async releaseAndPop(
    lease: Lease,
    waiters: string,
  ): Promise<{ released: boolean; waiter: string | null }> {
    const key = this.#leaseKey(lease.resourceId);
    const [released, waiter] = await fleetCommands(this.#redis).tfLeaseReleasePop(
      key,
      waiters,
      holderValue(lease),
    );
    return { released: released === 1, waiter: waiter ?? null };
  }

  /** Who holds the lease now, if anyone (for operators and tests). */
  async holder(resourceId: string): Promise<{ token: string; fence: number } | null> {
    const value = await this.#redis.get(this.#leaseKey(resourceId));
    const match = value === null ? null : /^(\d+):(.*)$/s.exec(value);
    return match?.[1] && match[2] !== undefined
      ? { token: match[2], fence: Number(match[1]) }
      : null;
  }

  #leaseKey(resourceId: string): string {
    return fleetKey(this.#prefix, 'lease', this.namespace, resourceId);
  }
}

function holderValue(lease: Lease): string {
  return `${lease.fence}:${lease.token}`;
}

function checkTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs < 1) {
    throw new RangeError(`A lease TTL must be a whole number of milliseconds ≥ 1 (got ${ttlMs}).`);
  }
}
