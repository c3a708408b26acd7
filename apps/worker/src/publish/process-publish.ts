import { deferJob, type FleetProcessor } from '@tiktok-fleet/queue';
import { UnrecoverableError } from 'bullmq';
import type { WorkerContext } from '../deps';
import { infrastructureDelay, isInfrastructureUnavailable } from '../infrastructure';
import { isFinal } from '../post-outcomes';
import { handOverToPrepare } from '../prepare/hand-over';
import { publishPhotos } from '../publish-photos/publish-photos';
import { TikTokSession } from '../tiktok-session';
import { requireActiveAccount } from './account-gate';
import { applyErrorOutcome } from './apply-error-outcome';
import { uploadFromScratch } from './fresh-upload';
import { handOverToStatus } from './hand-over';
import { type PublishResult, PublishRun } from './publish-run';
import { resumeUpload } from './resume-upload';
import { storedRequest } from './stored-post';
import { releaseUploadLease, takeUploadLease } from './upload-lease';
import { UploadWaiters } from './upload-waiters';

/**
 * The `publish` processor (docs/architecture.md, "The flow of one post"): validate, take the
 * account's upload lease, make sure the token is fresh, check the video and the creator's
 * options, take a slot in the account's 24 h window, init the upload at TikTok, send the
 * chunks and hand the post over to the `status` queue.
 *
 * Every job may run again (a crash, a deferral, a retry), so each step first looks at what
 * the post already holds: a post that TikTok has a live upload or a publish id for is
 * resumed or followed, never initialised a second time.
 */
export function createPublishProcessor(
  ctx: WorkerContext,
): FleetProcessor<'publish', PublishResult> {
  const waiters = new UploadWaiters(ctx);
  return async (job, token, signal) => {
    const { postId } = job.data;
    const post = await ctx.posts.getForJob(postId).catch(async (error: unknown) => {
      if (!isInfrastructureUnavailable(error)) throw error;
      return await deferJob(job, token, infrastructureDelay(job));
    });
    if (!post) throw new UnrecoverableError(`There is no post ${postId}; nothing to publish.`);
    return await runPublish(new PublishRun(ctx, waiters, job, token, signal, post));
  };
}

async function runPublish(run: PublishRun): Promise<PublishResult> {
  const { post } = run;
  if (isFinal(post.status)) return { status: post.status };
  if (run.reachedTikTok) {
    // A crash after the last chunk (or after a PULL_FROM_URL init): only the hand-over to
    // the status poll is missing.
    return await handOverToStatus(run);
  }
  try {
    return await publish(run);
  } catch (error) {
    return await applyErrorOutcome(run, error);
  } finally {
    await releaseUploadLease(run);
  }
}

async function publish(run: PublishRun): Promise<PublishResult> {
  if (run.post.photoPost != null) return await publishPhotos(run);
  const { ctx, post } = run;
  const request = storedRequest(post);
  run.account = await requireActiveAccount(ctx, post.accountId);
  if (!post.publishId) {
    // Before the lease and the slot: a transcode must not hold the account.
    const preparing = await handOverToPrepare(run, request);
    if (preparing) return preparing;
  }
  // The move to validating is made by the lease's claim (one statement), unless the claim
  // finds the post already inited at TikTok by an earlier attempt (upload-lease.ts).
  const lock = await takeUploadLease(
    run,
    post.publishId || post.status === 'validating'
      ? undefined
      : {
          status: 'validating',
          detail: { message: 'Checking the request, the account and the video.' },
          changes: { attemptCount: run.job.attemptsMade + 1 },
        },
  );
  // From here on, the post as the lease's claim found it.
  if (run.reachedTikTok) return await handOverToStatus(run);
  const session = await TikTokSession.open(ctx, post.accountId, run.account.tokens);
  if (run.post.publishId) return await resumeUpload({ run, request, session, lock });
  // The daily slot is taken just before the init (fresh-upload.ts), once the video passed.
  return await uploadFromScratch({ run, request, session, lock });
}
