import { LeaseLostError } from './errors/lease-lost-error';
import { type Lease, LeaseLock, type LeaseNamespace } from './lease-lock';
import type { RedisClient } from './scripts';

export interface AccountLockOptions {
  accountId: string;
  /** Who is asking; a job's id lets a retried job take back what its crashed attempt held. */
  token: string;
  /**
   * How long the lease lives without a renewal: how long an account stays blocked after a
   * worker dies mid-upload.
   * @defaultValue 60000
   */
  ttlMs?: number;
  /**
   * How often the lease is renewed. At most ttlMs / 2, so that one slow renewal does not
   * lose it.
   * @defaultValue ttlMs / 3
   */
  renewEveryMs?: number;
  /** Aborting this (for example BullMQ's job signal) aborts the work too. */
  signal?: AbortSignal;
  /** @defaultValue `{tiktok-fleet}` */
  prefix?: string;
}

/** What the work receives while it holds the lock. */
export interface HeldLock {
  /** Pass to storage writes so a stale holder's writes are refused. */
  fence: number;
  /** Aborts when the lease is lost (reason: a LeaseLostError) or the parent signal aborts. */
  signal: AbortSignal;
}

export type AccountLockResult<T> =
  | { acquired: true; value: T }
  | { acquired: false; holder: string; expiresInMs: number };

/**
 * A per-account lease that renews itself while work runs and is released on every path.
 *
 * ```ts
 * const lock = new AccountUploadLock(redis, { accountId, token: job.id, signal });
 * const result = await lock.run(({ fence, signal }) => upload(post, { fence, signal }));
 * if (!result.acquired) await deferJob(job, token, busyDeferralDelay(job));
 * ```
 */
export class AccountLock {
  readonly #lock: LeaseLock;
  readonly #options: Required<Omit<AccountLockOptions, 'signal' | 'prefix'>>;
  readonly #parentSignal: AbortSignal | undefined;
  #lease: Lease | undefined;
  #lost: AbortController | undefined;
  #signal: AbortSignal | undefined;
  #timer: NodeJS.Timeout | undefined;
  #renewing = false;
  /** performance.now() by which the lease has surely expired unless renewed again. */
  #expiresBy = 0;
  #lastRenewError: unknown;

  constructor(redis: RedisClient, namespace: LeaseNamespace, options: AccountLockOptions) {
    const ttlMs = options.ttlMs ?? 60_000;
    const renewEveryMs = options.renewEveryMs ?? Math.floor(ttlMs / 3);
    if (renewEveryMs < 1 || renewEveryMs > ttlMs / 2) {
      throw new RangeError(
        `renewEveryMs must be between 1 and half the TTL (${ttlMs / 2}); got ${renewEveryMs}.`,
      );
    }
    this.#lock = new LeaseLock(redis, namespace, { prefix: options.prefix });
    this.#options = { accountId: options.accountId, token: options.token, ttlMs, renewEveryMs };
    this.#parentSignal = options.signal;
  }

  /** The fence of the lease held now, if any. */
  get fence(): number | undefined {
    return this.#lease?.fence;
  }

  /** Aborts when the lease is lost; undefined until the lock is acquired. */
  get signal(): AbortSignal | undefined {
    return this.#signal;
  }

  /** Takes the lock and starts renewing it. Call {@link release} when done, on every path. */
  async acquire(): Promise<
    { acquired: true; fence: number } | { acquired: false; holder: string; expiresInMs: number }
  > {
    if (this.#lease) throw new Error('This lock is already held; release it first.');
    // Work that is already canceled must not take an account's lock, even briefly.
    this.#parentSignal?.throwIfAborted();
    const { accountId, token, ttlMs, renewEveryMs } = this.#options;
    const sentAt = performance.now();
    const attempt = await this.#lock.acquire(accountId, token, ttlMs);
    if (!attempt.acquired) return attempt;

    this.#lease = attempt.lease;
    this.#expiresBy = sentAt + ttlMs;
    this.#lost = new AbortController();
    this.#signal = this.#parentSignal
      ? AbortSignal.any([this.#lost.signal, this.#parentSignal])
      : this.#lost.signal;
    this.#timer = setInterval(() => this.#tick(), renewEveryMs);
    // The work under the lock keeps the process alive; the renewal timer alone should not.
    this.#timer.unref();
    return { acquired: true, fence: attempt.lease.fence };
  }

  /**
   * Stops renewing and gives the lease back. Never throws: when Redis cannot be reached the
   * lease simply expires after its TTL, which is the same outcome a crash would have.
   * Resolves to whether the lease was deleted by this call, within the lease's TTL at most: a
   * client that queues commands while Redis is away (a worker's; a Redis Cluster client
   * after it was cut off) would otherwise hold the caller until Redis is back, for a lease
   * that has run out by then anyway.
   */
  async release(): Promise<boolean> {
    return (await this.#giveBack((lease) => this.#lock.release(lease), false)) ?? false;
  }

  /**
   * Gives the lease back as {@link release} does, and takes one member of the `waiters` set
   * (a job waiting for the account) in the same command. Never throws: null when Redis could
   * not be reached or the set was empty.
   */
  async releaseAndTakeWaiter(waiters: string): Promise<string | null> {
    return await this.#giveBack(
      async (lease) => (await this.#lock.releaseAndPop(lease, waiters)).waiter,
      null,
    );
  }

  async #giveBack<T, F>(send: (lease: Lease) => Promise<T>, fallback: F): Promise<T | F> {
    this.#stopRenewing();
    const lease = this.#lease;
    this.#lease = undefined;
    if (!lease) return fallback;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<F>((resolve) => {
      timer = setTimeout(() => resolve(fallback), this.#options.ttlMs);
    });
    try {
      return await Promise.race([send(lease), expired]);
    } catch {
      return fallback;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Renews the lease now and says whether this holder still has it; when another holder
   * took it meanwhile, the lock's signal aborts as on any loss. For work that is about to
   * take a step another holder must not take at the same time (the next chunk of an upload):
   * a holder cut off from Redis for a while learns here, not at its next renewal, that the
   * resource moved on without it. Redis out of reach answers true: nobody can take the
   * lease over while it is away.
   */
  async confirm(): Promise<boolean> {
    const lease = this.#lease;
    if (!lease || this.#lost?.signal.aborted) return false;
    const sentAt = performance.now();
    // Past its TTL by this holder's own clock (its process stalled: a long GC, a starved
    // or frozen process): another holder may have it, so stop without asking Redis.
    if (sentAt >= this.#expiresBy) {
      this.#lose('expired');
      return false;
    }
    try {
      if (!(await this.#lock.renew(lease, this.#options.ttlMs))) {
        this.#lose('taken');
        return false;
      }
      if (this.#lease === lease) this.#expiresBy = sentAt + this.#options.ttlMs;
      return true;
    } catch {
      return true;
    }
  }

  /**
   * Stops renewing and forgets the lease without giving it back: it runs out after its TTL
   * unless the same token takes it again first. For work that is not done but must stop
   * here, and whose next run (same token) should find the resource still its own.
   */
  leave(): void {
    this.#stopRenewing();
    this.#lease = undefined;
  }

  /**
   * Runs `work` while holding the lock; when another holder has it, returns who without
   * running anything. When the lease is lost mid-work the signal aborts, and a failure of
   * the work is reported as the LeaseLostError (with the work's error as its cause).
   */
  async run<T>(work: (held: HeldLock) => Promise<T>): Promise<AccountLockResult<T>> {
    const attempt = await this.acquire();
    if (!attempt.acquired) return attempt;
    const signal = this.#signal as AbortSignal;
    const lostSignal = (this.#lost as AbortController).signal;
    try {
      return { acquired: true, value: await work({ fence: attempt.fence, signal }) };
    } catch (error) {
      if (lostSignal.aborted && lostSignal.reason instanceof LeaseLostError) {
        const { namespace, resourceId, reason } = lostSignal.reason;
        throw new LeaseLostError(namespace, resourceId, reason, { cause: error });
      }
      throw error;
    } finally {
      await this.release();
    }
  }

  #tick(): void {
    const lease = this.#lease;
    if (!lease) return;
    const { ttlMs, renewEveryMs } = this.#options;
    // The first tick after a stall longer than the TTL (the process was stopped or its event
    // loop blocked): the lease ran out meanwhile and may be another's; the work stops now
    // (an upload aborts the chunk in flight) instead of after a renewal's round trip.
    if (performance.now() >= this.#expiresBy) {
      this.#lose('expired');
      return;
    }
    // A renewal still in flight, or one that failed, may not land before the lease runs out:
    // stop the work while no one else can have taken the lease yet.
    if (this.#renewing || this.#lastRenewError !== undefined) {
      if (performance.now() + renewEveryMs >= this.#expiresBy) {
        this.#lose('expired', this.#lastRenewError);
        return;
      }
      if (this.#renewing) return;
    }
    this.#renewing = true;
    const sentAt = performance.now();
    this.#lock.renew(lease, ttlMs).then(
      (renewed) => {
        this.#renewing = false;
        if (this.#lease !== lease) return;
        if (!renewed) return this.#lose('taken');
        this.#expiresBy = sentAt + ttlMs;
        this.#lastRenewError = undefined;
      },
      (error: unknown) => {
        this.#renewing = false;
        this.#lastRenewError = error;
      },
    );
  }

  #lose(reason: 'taken' | 'expired', cause?: unknown): void {
    this.#stopRenewing();
    const lease = this.#lease;
    if (!lease || !this.#lost || this.#lost.signal.aborted) return;
    this.#lost.abort(new LeaseLostError(lease.namespace, lease.resourceId, reason, { cause }));
  }

  #stopRenewing(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** One upload per account at a time. */
export class AccountUploadLock extends AccountLock {
  constructor(redis: RedisClient, options: AccountLockOptions) {
    super(redis, 'upload', options);
  }
}

/** One token refresh per account at a time, so a rotating refresh token is used once. */
export class AccountRefreshLock extends AccountLock {
  constructor(redis: RedisClient, options: AccountLockOptions) {
    super(redis, 'token-refresh', options);
  }
}
