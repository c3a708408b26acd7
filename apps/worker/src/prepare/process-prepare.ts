import { relative } from 'node:path';
import { type PostStatus, PostStatusConflictError, type PostWithEvents } from '@tiktok-fleet/db';
import { prepareVideo, VideoPrepareError, VideoValidationError } from '@tiktok-fleet/media';
import { deferJob, type FleetJob, type FleetProcessor } from '@tiktok-fleet/queue';
import { UnrecoverableError } from 'bullmq';
import type { WorkerContext } from '../deps';
import { describeError, PostCanceled, PostFailure } from '../errors';
import { infrastructureDelay, isInfrastructureUnavailable } from '../infrastructure';
import { failPost } from '../post-outcomes';
import { removeDownload } from '../publish/download-video';
import { resolveSource } from '../publish/resolve-source';
import { storedRequest } from '../publish/stored-post';
import { handBackToPublish } from './hand-back';
import { preparedDir } from './prepared-source';

export interface PrepareResult {
  status: PostStatus;
  prepared?: string;
}

/** ffmpeg reports progress several times a second; the post is written at most this often. */
const PROGRESS_WRITE_MS = 500;

/**
 * The `prepare` processor (docs/architecture.md, Preparing a video): runs ffmpeg on the post's
 * source, stores the result by the source's sha256 under MEDIA_ROOT/prepared, records it on
 * the post, puts the post back to `queued` and adds its publish job again. A job that runs
 * again (a SIGKILLed worker's, once BullMQ sees it stalled) starts ffmpeg afresh: the dead
 * one's part file is never used.
 */
export function createPrepareProcessor(
  ctx: WorkerContext,
): FleetProcessor<'prepare', PrepareResult> {
  return async (job, token, signal) => {
    const { postId } = job.data;
    const post = await ctx.posts.get(postId).catch(async (error: unknown) => {
      if (!isInfrastructureUnavailable(error)) throw error;
      return await deferJob(job, token, infrastructureDelay(job));
    });
    if (!post) throw new UnrecoverableError(`There is no post ${postId}; nothing to prepare.`);
    // Canceled meanwhile, or prepared by a run whose hand-back came after a crash.
    if (post.status !== 'preparing') return { status: post.status };
    try {
      return await prepare(ctx, job, post, signal);
    } catch (error) {
      return await onError(ctx, job, token, signal, post, error);
    }
  };
}

async function prepare(
  ctx: WorkerContext,
  job: FleetJob<'prepare'>,
  post: PostWithEvents,
  signal: AbortSignal | undefined,
): Promise<PrepareResult> {
  const { mediaRoot, prepare: bounds } = ctx.settings;
  const request = storedRequest(post);
  const source = await resolveSource(ctx, post.id, request.video, signal);
  if (source.kind !== 'file')
    throw new PostFailure('invalid_request', 'A pulled video cannot be prepared.');

  if ((post.preparePercent ?? 0) > 0) {
    // A run before this one got somewhere and stopped (its worker died): say so, start afresh.
    await ctx.posts.note(post.id, 'preparing', {
      code: 'prepare_restarted',
      message: `Preparing the video again from the start: an earlier run stopped at ${post.preparePercent} % (its worker was lost). Its partial file is not used.`,
    });
  }
  const canceled = new AbortController();
  const progress = progressWriter(ctx, post.id, () => canceled.abort(new PostCanceled(post.id)));
  const started = Date.now();
  const outcome = await prepareVideo(source.path, {
    preparedDir: preparedDir(mediaRoot),
    timeoutMs: bounds.timeoutMs,
    maxOutputBytes: bounds.maxOutputBytes,
    ffmpegPath: bounds.ffmpegPath,
    onProgress: progress.report,
    signal: AbortSignal.any([canceled.signal, ctx.draining, ...(signal ? [signal] : [])]),
  });
  await progress.settled();
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  const prepared = outcome.kind === 'prepared' ? relative(mediaRoot, outcome.path) : undefined;
  await ctx.posts.transition(post.id, 'queued', {
    from: ['preparing'],
    changes: { preparedVideo: prepared ?? null, preparePercent: 100 },
    detail:
      outcome.kind === 'prepared'
        ? {
            message: outcome.reused
              ? 'The video was prepared before (the same file, by its sha256); that copy is uploaded.'
              : `The video is prepared (${outcome.plan.kind}, ${seconds} s); the prepared copy is uploaded.`,
            prepared: prepared ?? null,
            plan: outcome.plan.kind,
            reused: outcome.reused,
            seconds,
          }
        : {
            message: `Nothing to prepare after all (${outcome.why}); the file is uploaded as it is.`,
          },
  });
  // The prepared copy is what gets uploaded; a downloaded source is no longer needed.
  if (prepared && post.videoSourceKind === 'url') await removeDownload(mediaRoot, post.id);
  await handBackToPublish(ctx, post.id, job.id);
  return { status: 'queued', ...(prepared && { prepared }) };
}

async function onError(
  ctx: WorkerContext,
  job: FleetJob<'prepare'>,
  token: string | undefined,
  signal: AbortSignal | undefined,
  post: PostWithEvents,
  error: unknown,
): Promise<PrepareResult> {
  if (error instanceof PostCanceled || error instanceof PostStatusConflictError) {
    return { status: (await ctx.posts.currentStatus(post.id)) ?? 'canceled' };
  }
  if (ctx.draining.aborted || signal?.aborted) {
    // Shutdown: ffmpeg was stopped; the job goes back at once, no attempt spent.
    return await deferJob(job, token, 0);
  }
  if (isInfrastructureUnavailable(error))
    return await deferJob(job, token, infrastructureDelay(job));
  const final =
    error instanceof VideoPrepareError ||
    error instanceof VideoValidationError ||
    error instanceof PostFailure ||
    job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  if (!final) throw error;
  const failure =
    error instanceof VideoPrepareError
      ? { code: error.code, message: error.message, details: { ...error.toJSON().details } }
      : error instanceof VideoValidationError
        ? { code: error.code, message: error.message }
        : describeError(error);
  await failPost(ctx, post, failure, { releaseSlot: true });
  throw new UnrecoverableError(`${failure.code}: ${failure.message}`);
}

/**
 * Writes ffmpeg's percentage to the post, at most every PROGRESS_WRITE_MS and only forward,
 * one write at a time. A write that finds the post no longer `preparing` (canceled) calls
 * `onGone`, which stops ffmpeg.
 */
function progressWriter(ctx: WorkerContext, postId: string, onGone: () => void) {
  let written = 0;
  let lastAt = 0;
  let pending: Promise<void> = Promise.resolve();
  return {
    report(percent: number) {
      const now = Date.now();
      if (percent <= written || now - lastAt < PROGRESS_WRITE_MS) return;
      written = percent;
      lastAt = now;
      pending = pending
        .then(async () => {
          if (!(await ctx.posts.recordPrepareProgress(postId, percent))) onGone();
        })
        .catch((error: unknown) =>
          ctx.logger.warn({ err: error, postId }, 'prepare progress not stored'),
        );
    },
    settled: () => pending,
  };
}
