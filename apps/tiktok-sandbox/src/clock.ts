/**
 * TikTok's clock as the sandbox sees it: the wall clock plus whatever a test advanced it by
 * (`POST /_sandbox/clock`). Every expiry, sliding window, daily cap and growing count reads
 * it, so a test can let an hour pass without waiting for one. The status machine's own
 * delays (processingDelayMs, moderationDelayMs) stay real timers of a few milliseconds.
 */
export class SandboxClock {
  #offsetMs = 0;

  now(): number {
    return Date.now() + this.#offsetMs;
  }

  /** How far ahead of the wall clock the sandbox is. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** Moves the clock forward; it never goes back, as TikTok's would not. */
  advance(ms: number): void {
    if (!Number.isSafeInteger(ms) || ms < 0) {
      throw new RangeError(`advanceMs must be a whole number of milliseconds ≥ 0 (got ${ms}).`);
    }
    this.#offsetMs += ms;
  }
}
