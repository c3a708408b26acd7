import type { PostChanges, PostStatus, Prisma } from '@tiktok-fleet/db';
import { fleetMetrics } from '@tiktok-fleet/observability';
import { AccountUploadLock, busyDeferralDelay } from '@tiktok-fleet/queue';
import { DeferRequest, PostCanceled } from '../errors';
import { reconcilePost } from '../reconcile/reconcile-post';
import type { PublishRun } from './publish-run';
import { uploadFinished } from './stored-post';

/**
 * One upload at a time per account: TikTok takes one per creator. A job that finds the
 * account busy registers as a waiter and goes back to `delayed` without spending an
 * attempt; the holder wakes one waiter when it lets go.
 *
 * Busy means either that another job holds the account's lease, or that another post of
 * the account still has an upload open at TikTok (its job crashed or waits for a retry, and
 * its lease ran out meanwhile): that post must finish first, or TikTok would see two.
 */
export async function takeUploadLease(
  run: PublishRun,
  moveTo?: { status: PostStatus; changes?: PostChanges; detail?: Prisma.InputJsonObject },
): Promise<AccountUploadLock> {
  const { ctx, job } = run;
  const { accountId } = run.post;
  const lock = new AccountUploadLock(ctx.redis, {
    accountId,
    // The post id (the job id): a retried or rescued job takes back the lease its earlier
    // attempt held.
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
    if (!attempt.acquired) throw busy(run, `post ${attempt.holder} is uploading`);
  }
  // One statement: no other upload of the account open at TikTok, then the claim with the
  // lease's fence (from here on the post's writes carry it, and a holder that paused past its
  // lease finds them refused once this one claimed the post), and the move to `moveTo`.
  const { fence } = attempt;
  const claimWith = (move: typeof moveTo) =>
    ctx.posts.claimUploadFor(run.post.id, accountId, fence, move).catch(async (error) => {
      await lock.release();
      throw run.takenOver(error);
    });
  let claim = await claimWith(moveTo);
  // The post as the claim left it, not as this job read it when it started: an earlier
  // attempt that stalled past its locks (BullMQ handed the job over, and the same job id
  // takes the lease back at once) may have stored its init in between. Deciding from the
  // older read would init a second publish beside the one that attempt is still uploading;
  // the claim refuses its move for such a post (`has_init`), which is claimed as it stands
  // and resumed.
  if (claim.kind === 'has_init') claim = await claimWith(undefined);
  if (claim.kind === 'open_upload') {
    const openUpload = claim.otherPostId;
    await lock.release();
    await run.waiters.add(accountId, job.id as string);
    // Its job may be dead: have the reconciler look now rather than at its next pass.
    reconcilePost(ctx, openUpload).catch(() => undefined);
    throw busy(run, `post ${openUpload} has an upload open at TikTok that must finish first`);
  }
  run.lock = lock;
  run.fence = fence;
  if (claim.kind === 'final') throw new PostCanceled(run.post.id);
  if (claim.kind === 'has_init') throw new Error('claimUploadFor answers has_init only to a move');
  run.post = claim.post;
  return lock;
}

function busy(run: PublishRun, why: string): DeferRequest {
  fleetMetrics.lockWait('upload');
  return new DeferRequest(
    busyDeferralDelay(run.job, run.ctx.settings.busyBackoff),
    'account_busy',
    `account ${run.post.accountId} is busy: ${why} (TikTok takes one upload at a time per account)`,
  );
}

/**
 * Lets go of the account (if this run holds it) and wakes its next waiting post. While the
 * post has an upload open at TikTok the lease stays with it instead, to run out by itself
 * unless this post's next run (a retry, a resume after shutdown) takes it back first; other
 * posts of the account wait for the upload either way.
 */
export async function releaseUploadLease(run: PublishRun): Promise<void> {
  const lock = run.lock;
  if (!lock) return;
  run.lock = undefined;
  if (hasOpenUpload(run)) {
    lock.leave();
    return;
  }
  // The release takes the next waiter in the same command.
  const taken = await lock.releaseAndTakeWaiter(run.waiters.keyOf(run.post.accountId));
  await run.waiters.wakeOne(run.post.accountId, taken).catch((error: unknown) => {
    run.log.warn({ err: error }, 'could not wake a waiting upload');
  });
}

function hasOpenUpload(run: PublishRun): boolean {
  const post = run.post;
  return (
    post.status === 'uploading' &&
    post.videoSourceKind !== 'pullFromUrl' &&
    !uploadFinished(post) &&
    post.uploadUrlExpiresAt != null &&
    post.uploadUrlExpiresAt > new Date()
  );
}
