import { StaleUploadFenceError } from '@tiktok-fleet/db';
import { busyDeferralDelay, deferJob, LeaseLostError } from '@tiktok-fleet/queue';
import { UnrecoverableError } from 'bullmq';
import { type DeferRequest, describeError } from '../errors';
import { infrastructureDelay } from '../infrastructure';
import { recordTikTokWait } from '../metrics/tiktok-waits';
import { failPost, recordEvent } from '../post-outcomes';
import { accountLostAuthorization } from '../tokens/fail-waiting-posts';
import { releaseDailySlot } from './daily-slot';
import { type Failure, outcomeOf } from './error-outcome';
import type { PublishResult, PublishRun } from './publish-run';
import { releaseUploadLease } from './upload-lease';

/** Does what `outcomeOf` decided about an error of a publish attempt. */
export async function applyErrorOutcome(run: PublishRun, error: unknown): Promise<PublishResult> {
  const { ctx, job } = run;
  if (await supersededAttempt(run, error)) {
    // A newer attempt of this job (BullMQ handed it over while this one stalled) holds the
    // post now: its daily slot, download, history and job are that attempt's. Touch none of
    // them; BullMQ refuses this attempt's end of the job anyway, its lock being gone.
    run.log.warn({ err: error }, 'a newer attempt took the post over; this one stops here');
    throw error;
  }
  const outcome = outcomeOf(error, {
    shuttingDown: run.signal?.aborted === true || run.ctx.draining.aborted,
    leaseLost: run.lock?.signal?.reason instanceof LeaseLostError,
    failOnDailyCap: run.post.failWhenCapReached,
    busyDelayMs: () => busyDeferralDelay(job, ctx.settings.busyBackoff),
    infrastructureDelayMs: () => infrastructureDelay(job),
  });
  switch (outcome.kind) {
    case 'rethrow':
      throw error;
    case 'canceled':
      return await stopCanceled(run);
    case 'fail':
      if (outcome.reauthorize) {
        await accountLostAuthorization(ctx, run.post.accountId, outcome.reauthorize);
      }
      await markFailed(run, outcome.failure);
      throw new UnrecoverableError(`${outcome.failure.code}: ${outcome.failure.message}`);
    case 'requeue':
      // Shutdown: whatever was stored stays (publish id, upload URL, bytes sent), and the
      // job goes back to the queue at once without spending an attempt. An open upload keeps
      // the account's lease for the worker that resumes it.
      run.log.info('shutting down: the post is left to resume');
      await releaseUploadLease(run);
      return await deferJob(job, run.token, 0);
    case 'defer':
      recordTikTokWait(error);
      // A post TikTok has not taken (no publish id: the init did not answer, or answered
      // 429) holds no place in the account's day while it waits (docs/architecture.md, Waits).
      if ((outcome.releaseSlot || !run.post.publishId) && !run.reachedTikTok) {
        await releaseDailySlot(ctx, run.post);
      }
      return await defer(run, outcome.request);
    case 'retry':
      return await retryOrFail(run, error);
  }
}

async function defer(run: PublishRun, request: DeferRequest): Promise<never> {
  if (request.event) {
    const status = request.event.status === 'keep' ? run.post.status : request.event.status;
    // Every wait says when it ends (docs/architecture.md, Waits).
    const detail = {
      code: request.code,
      retryAt: new Date(Date.now() + request.delayMs).toISOString(),
      ...request.event.detail,
    };
    if (status === run.post.status) {
      await recordEvent(run.ctx, run.post.id, status, detail, { fence: run.fence });
    } else {
      await run.transition(status, { detail });
    }
  } else if (request.code !== 'infrastructure_unavailable') {
    // (With the database away there is nowhere to note it; the logs and metrics say it.)
    await noteWait(run, request);
  }
  run.log.debug({ delayMs: request.delayMs, reason: request.message }, 'deferred');
  // Let go of the account before waiting, so the next post of it can start.
  await releaseUploadLease(run);
  return await deferJob(run.job, run.token, request.delayMs);
}

/**
 * Every wait is a history entry: why, and when the post tries again. The same wait again
 * (a busy account's post woken and deferred once more) is not noted twice in a row.
 */
async function noteWait(run: PublishRun, request: DeferRequest): Promise<void> {
  const last = run.lastEventDetail as { code?: unknown; reason?: unknown } | null;
  if (last?.code === request.code && last?.reason === request.message) return;
  const retryAt = new Date(Date.now() + request.delayMs).toISOString();
  await run.ctx.posts.note(
    run.post.id,
    run.post.status,
    {
      code: request.code,
      reason: request.message,
      message: `Waiting: ${request.message}. The post tries again by ${retryAt}, without spending an attempt.`,
      retryAt,
    },
    { fence: run.fence },
  );
}

/** A failure that may pass: BullMQ retries with backoff; the last attempt fails the post. */
async function retryOrFail(run: PublishRun, error: unknown): Promise<never> {
  const attempts = run.job.opts.attempts ?? 1;
  const { code, message } = describeError(error);
  if (run.job.attemptsMade + 1 >= attempts) {
    await markFailed(run, { code, message: `${message} (gave up after ${attempts} attempts)` });
  } else {
    run.log.warn({ err: error, code }, 'publish attempt failed; it will be retried');
  }
  throw error;
}

async function markFailed(run: PublishRun, failure: Failure): Promise<void> {
  await failPost(
    run.ctx,
    run.post,
    { code: failure.code, message: failure.message, details: failure.details },
    { releaseSlot: !run.reachedTikTok, fence: run.fence },
  );
  // Final now: nothing of it is open at TikTok for the account's lease to wait for.
  run.post.status = 'failed';
  await run.removeDownload();
}

async function stopCanceled(run: PublishRun): Promise<PublishResult> {
  if (!run.reachedTikTok) await releaseDailySlot(run.ctx, run.post);
  await run.removeDownload();
  const status = await run.storedStatus();
  if (status) run.post.status = status;
  run.log.info({ status }, 'post left the pipeline (canceled)');
  return { status: status ?? 'canceled' };
}

/**
 * Whether the post was claimed by a newer attempt than this one: a write refused for a
 * stale fence, or the account's lease taken while the stored fence moved past this run's.
 * (A lease lost to another post, Redis being slow, is an ordinary `lease_lost` wait.)
 */
async function supersededAttempt(run: PublishRun, error: unknown): Promise<boolean> {
  if (run.fence === undefined) return false;
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof StaleUploadFenceError) return true;
  }
  const lost = run.lock?.signal?.reason;
  if (!(lost instanceof LeaseLostError) && !(error instanceof LeaseLostError)) return false;
  const stored = await run.ctx.posts.get(run.post.id).catch(() => null);
  return stored?.uploadFence != null && stored.uploadFence > BigInt(run.fence);
}
