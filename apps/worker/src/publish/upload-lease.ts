import { fleetMetrics } from '@tiktok-fleet/observability';
import { AccountUploadLock, busyDeferralDelay } from '@tiktok-fleet/queue';
import { DeferRequest } from '../errors';
import type { PublishRun } from './publish-run';

/**
 * One upload at a time per account. A job that finds the lease taken registers as a waiter
 * and goes back to `delayed` without spending an attempt; the holder wakes one waiter when
 * it lets go.
 */
export async function takeUploadLease(run: PublishRun): Promise<void> {
  const { ctx, job } = run;
  const { accountId } = run.post;
  const lock = new AccountUploadLock(ctx.redis, {
    accountId,
    // The job id: a retried job takes back the lease its crashed attempt held.
    token: job.id as string,
    ttlMs: ctx.settings.uploadLockTtlMs,
    signal: run.signal,
    prefix: ctx.settings.prefix,
  });
  let attempt = await lock.acquire();
  if (!attempt.acquired) {
    await run.waiters.add(accountId, job.id as string);
    // The holder may have let go between the two calls, before it could wake anyone.
    attempt = await lock.acquire();
    if (!attempt.acquired) {
      fleetMetrics.lockWait('upload');
      throw new DeferRequest(
        busyDeferralDelay(job, ctx.settings.busyBackoff),
        `account ${accountId} is uploading another post`,
      );
    }
  }
  run.lock = lock;
}

/** Lets go of the lease (if this run holds it) and wakes the account's next waiting post. */
export async function releaseUploadLease(run: PublishRun): Promise<void> {
  const lock = run.lock;
  if (!lock) return;
  run.lock = undefined;
  await lock.release();
  await run.waiters.wakeOne(run.post.accountId).catch((error: unknown) => {
    run.log.warn({ err: error }, 'could not wake a waiting upload');
  });
}
