import { fleetKey } from '@tiktok-fleet/queue';
import type { WorkerContext } from '../deps';

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
      if (!job || !(await job.isDelayed())) continue;
      try {
        await job.promote();
        return;
      } catch {
        // It left `delayed` between the check and the promote: try the next one.
      }
    }
  }
}
