import { setTimeout as sleep } from 'node:timers/promises';
import { fleetKey } from '@tiktok-fleet/queue';
import type { Job } from 'bullmq';
import type { WorkerContext } from '../deps';

const WAKE_LOOKS = 20;
const WAKE_LOOK_MS = 100;

/**
 * Publish jobs that found their account's upload lease taken and went back to `delayed`.
 * When the holder releases the lease it wakes one of them at once, so an account's posts
 * follow each other without waiting out a backoff; the delay stays as the fallback (a
 * waiter woken too early finds the lock busy again and simply waits once more).
 */
export class UploadWaiters {
  constructor(private readonly ctx: WorkerContext) {}

  keyOf(accountId: string): string {
    return fleetKey(this.ctx.settings.prefix, 'upload-waiters', accountId);
  }

  async add(accountId: string, jobId: string): Promise<void> {
    const key = this.keyOf(accountId);
    await this.ctx.redis
      .multi()
      .sadd(key, jobId)
      .pexpire(key, 24 * 3600_000)
      .exec();
  }

  /**
   * Promotes one delayed waiter of the account, skipping ids whose job moved on. `taken`: a
   * waiter the caller already took from the set (with the lease's release, one command), or
   * null when the set was empty then.
   */
  async wakeOne(accountId: string, taken?: string | null): Promise<void> {
    const key = this.keyOf(accountId);
    for (let tries = 0; tries < 5; tries++) {
      const jobId = tries === 0 && taken !== undefined ? taken : await this.ctx.redis.spop(key);
      if (!jobId) return;
      const job = await this.ctx.queues.publish.getJob(jobId);
      if (!job) continue;
      const state = await job.getState();
      if (state === 'active') {
        // It registered and is still on its way to `delayed` (found the account busy a
        // moment ago): skipping it would lose its wake-up, leaving it to its backoff, which
        // grows with every wait. Wake it once it gets there, and wake a delayed one too.
        void this.#promoteOnceDelayed(job);
        continue;
      }
      if (state !== 'delayed') continue;
      try {
        await job.promote();
        return;
      } catch {
        // It left `delayed` between the check and the promote: try the next one.
      }
    }
  }

  /** A few short looks, then it is left to its delay (it may have taken the lease after all). */
  async #promoteOnceDelayed(job: Job): Promise<void> {
    for (let look = 0; look < WAKE_LOOKS; look++) {
      // Unref: a worker shutting down does not wait for these looks.
      await sleep(WAKE_LOOK_MS, undefined, { ref: false });
      const state = await job.getState().catch(() => 'unknown');
      if (state === 'delayed') {
        await job.promote().catch(() => undefined);
        return;
      }
      if (state !== 'active') return;
    }
  }
}
