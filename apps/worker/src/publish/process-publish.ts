import {
  type Post,
  type PostChanges,
  type PostStatus,
  PostStatusConflictError,
  type Prisma,
} from '@tiktok-fleet/db';
import {
  assertValidVideo,
  contentTypeFor,
  probeVideo,
  type VideoContentType,
} from '@tiktok-fleet/media';
import type { Logger } from '@tiktok-fleet/observability';
import {
  AccountUploadLock,
  busyDeferralDelay,
  DailyCapReachedError,
  deferJob,
  type FleetJob,
  type FleetProcessor,
  LeaseLostError,
  type PostRequest,
  PostWindow,
} from '@tiktok-fleet/queue';
import {
  type ChunkPlan,
  type CreatorInfo,
  type InitResult,
  isTikTokApiError,
  type VideoSource,
} from '@tiktok-fleet/tiktok';
import { UnrecoverableError } from 'bullmq';
import type { WorkerContext } from '../deps';
import {
  accountNeedsReauthMessage,
  DeferRequest,
  describeError,
  PostCanceled,
  PostFailure,
} from '../errors';
import { ensureStatusJob, failPost, isFinal, recordEvent } from '../post-outcomes';
import { TikTokSession } from '../tiktok-session';
import { failWaitingPosts } from '../tokens/fail-waiting-posts';
import {
  checkAgainstCreator,
  describeForced,
  type InteractionSettings,
  storeCreatorInfo,
} from './creator-check';
import { removeDownload } from './download-video';
import { type Failure, outcomeOf } from './error-outcome';
import { type ResolvedSource, resolveSource } from './resolve-source';
import { storedPlan, storedRequest, uploadFinished } from './stored-post';
import { UploadWaiters } from './upload-waiters';

type PublishJob = FleetJob<'publish'>;

/** TikTok: "The upload_url is valid for one hour after issuance." */
const UPLOAD_URL_TTL_MS = 60 * 60_000;

export interface PublishResult {
  status: PostStatus;
  publishId?: string | null;
}

/**
 * The `publish` processor (DESIGN.md, "The flow of one post", step 2): validate, take the
 * account's upload lock and a slot in its 24 h window, make sure the token is fresh, check
 * the video and the creator's options, init the upload at TikTok, send the chunks and hand
 * the post over to the `status` queue.
 *
 * Every job may run again (a crash, a deferral, a retry), so each step first looks at what
 * the post already holds: a post that TikTok has a live upload or a publish id for is
 * resumed or followed, never initialised a second time.
 */
export function createPublishProcessor(
  ctx: WorkerContext,
): FleetProcessor<'publish', PublishResult> {
  const waiters = new UploadWaiters(ctx);
  return (job, token, signal) => new PublishRun(ctx, waiters, job, token, signal).run();
}

class PublishRun {
  #post!: Post;
  #request: PostRequest | undefined;
  #session!: TikTokSession;
  #lock: AccountUploadLock | undefined;
  /** TikTok holds the whole video (201) or pulls it itself: the post counts at TikTok. */
  #reachedTikTok = false;
  #downloaded = false;
  #startedOver = false;
  readonly #log: Logger;

  constructor(
    private readonly ctx: WorkerContext,
    private readonly waiters: UploadWaiters,
    private readonly job: PublishJob,
    private readonly token: string | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.#log = ctx.logger.child({
      queue: 'publish',
      jobId: job.id,
      postId: job.data.postId,
      attempt: job.attemptsMade + 1,
    });
  }

  async run(): Promise<PublishResult> {
    const post = await this.ctx.posts.get(this.job.data.postId);
    if (!post) {
      throw new UnrecoverableError(`There is no post ${this.job.data.postId}; nothing to publish.`);
    }
    this.#post = post;
    if (isFinal(post.status)) return { status: post.status };
    if (uploadFinished(post)) {
      // A crash after the last chunk (or after a PULL_FROM_URL init): only the hand-over to
      // the status poll is missing.
      this.#reachedTikTok = true;
      await this.#toProcessing();
      return { status: 'processing', publishId: post.publishId };
    }
    try {
      return await this.#publish();
    } catch (error) {
      return await this.#onError(error);
    } finally {
      await this.#unlock();
    }
  }

  async #publish(): Promise<PublishResult> {
    const post = this.#post;
    this.#request = storedRequest(post);
    const account = await this.ctx.accounts.get(post.accountId);
    if (!account) {
      throw new PostFailure(
        'account_not_found',
        `Account ${post.accountId} no longer exists. Connect the TikTok account again and send the post again.`,
      );
    }
    if (account.status !== 'active') {
      throw new PostFailure(
        'account_needs_reauth',
        accountNeedsReauthMessage(post.accountId, account.statusReason),
      );
    }
    await this.#takeLock();
    if (post.publishId) {
      this.#session = await TikTokSession.open(this.ctx, post.accountId);
      return await this.#resume();
    }
    await this.#reserveSlot();
    await this.#stage(
      'validating',
      { message: 'Checking the request, the account and the video.' },
      {
        attemptCount: this.job.attemptsMade + 1,
      },
    );
    this.#session = await TikTokSession.open(this.ctx, post.accountId);
    return await this.#fresh();
  }

  /** From nothing at TikTok to an upload in flight, then to processing. */
  async #fresh(): Promise<PublishResult> {
    const request = this.#request as PostRequest;
    const source = await resolveSource(this.ctx, this.#post.id, request.video, this.signal);
    if (source.kind === 'file' && source.downloaded) this.#downloaded = true;
    await this.#checkpoint();

    const creator = await this.#creatorInfo();
    const interaction: InteractionSettings = creator
      ? checkAgainstCreator(request, creator)
      : { ...request, forced: [] };

    let file: { path: string; size: number; contentType: VideoContentType } | undefined;
    if (source.kind === 'file') {
      const probe = await probeVideo(source.path);
      assertValidVideo(probe, { maxDurationSec: creator?.maxVideoPostDurationSec });
      file = { path: source.path, size: probe.sizeBytes, contentType: contentTypeFor(probe) };
    }
    await this.#checkpoint();

    const init = await this.#init(source, file, interaction);
    if (source.kind === 'pull') {
      this.#reachedTikTok = true;
      await this.#toProcessing({ message: 'TikTok is downloading the video from its URL.' });
      return { status: 'processing', publishId: init.publishId };
    }
    const plan = init.plan as ChunkPlan;
    await this.#upload(file as NonNullable<typeof file>, plan, init.uploadUrl as string, 0);
    return { status: 'processing', publishId: init.publishId };
  }

  /**
   * The post already has a publish id and the upload did not finish: carry on where TikTok
   * says it stands while the upload URL lives, never with a second init.
   */
  async #resume(): Promise<PublishResult> {
    const post = this.#post;
    const plan = storedPlan(post);
    if (post.videoSourceKind === 'pullFromUrl') {
      this.#reachedTikTok = true;
      await this.#toProcessing();
      return { status: 'processing', publishId: post.publishId };
    }
    if (
      !plan ||
      !post.uploadUrl ||
      !post.uploadUrlExpiresAt ||
      post.uploadUrlExpiresAt <= new Date()
    ) {
      return await this.#uploadUrlDead('expired');
    }
    const request = this.#request as PostRequest;
    const source = await resolveSource(this.ctx, post.id, request.video, this.signal);
    if (source.kind !== 'file') throw new Error('A file upload cannot continue from a URL source.');
    if (source.downloaded) this.#downloaded = true;
    const probe = await probeVideo(source.path);
    const stored = Number(post.uploadedBytes);
    // The stored offset is always a chunk boundary; if it somehow is not, start at 0 and
    // let TikTok's 416 answer say where it stands.
    const startAt = plan.chunks.some((c) => c.start === stored) ? stored : 0;
    await recordEvent(this.ctx, post.id, post.status, {
      message: `Resuming the upload at byte ${startAt} of ${plan.videoSize}: an earlier attempt stopped before it finished.`,
      publishId: post.publishId,
    });
    const file = { path: source.path, size: probe.sizeBytes, contentType: contentTypeFor(probe) };
    await this.#upload(file, plan, post.uploadUrl, startAt);
    return { status: 'processing', publishId: post.publishId };
  }

  /**
   * The upload URL is gone (its hour is up, or TikTok answered 403/404). If TikTok got the
   * whole video after all (a crash between the last 201 and storing it), go on to polling.
   * Otherwise that publish can never complete, so nothing can be posted from it: forget it
   * and start over with a new init. This is the only way a post ever gets a second init.
   */
  async #uploadUrlDead(why: 'expired' | 'refused'): Promise<PublishResult> {
    const post = this.#post;
    const publishId = post.publishId as string;
    const total = Number(post.totalBytes ?? 0);
    let status: Awaited<ReturnType<typeof this.ctx.tiktok.fetchPublishStatus>> | undefined;
    try {
      status = await this.#session.call('status', (t) =>
        this.ctx.tiktok.fetchPublishStatus(t, publishId),
      );
    } catch (error) {
      if (!isTikTokApiError(error) || error.code !== 'invalid_publish_id') throw error;
    }
    const incomplete =
      status === undefined ||
      (status.status === 'PROCESSING_UPLOAD' && (status.uploadedBytes ?? 0) < total);
    if (!incomplete) {
      this.#reachedTikTok = true;
      await this.#toProcessing({ message: 'TikTok already holds the whole video.' });
      return { status: 'processing', publishId };
    }
    if (this.#startedOver) {
      throw new Error('The new upload URL was refused as well; the job will try again.');
    }
    this.#startedOver = true;
    this.#post = await this.#transition('validating', {
      changes: {
        publishId: null,
        uploadUrl: null,
        uploadUrlExpiresAt: null,
        uploadedBytes: 0,
        totalBytes: null,
        chunkSize: null,
        totalChunkCount: null,
      },
      detail: {
        message:
          `The upload URL ${why === 'expired' ? 'expired' : 'was refused by TikTok'} before the ` +
          'video was complete, so TikTok cannot publish that upload. Starting over with a new one.',
        abandonedPublishId: publishId,
      },
    });
    await this.#reserveSlot();
    return await this.#fresh();
  }

  async #init(
    source: ResolvedSource,
    file: { size: number } | undefined,
    interaction: InteractionSettings,
  ): Promise<InitResult> {
    const request = this.#request as PostRequest;
    const videoSource: VideoSource =
      source.kind === 'pull'
        ? { source: 'PULL_FROM_URL', videoUrl: source.url }
        : {
            source: 'FILE_UPLOAD',
            videoSize: (file as { size: number }).size,
            chunkSize: this.ctx.settings.chunkSize,
          };
    const { tiktok } = this.ctx;
    const init = await this.#session.call('init', (accessToken) =>
      request.mode === 'draft'
        ? tiktok.initInboxUpload(accessToken, { source: videoSource })
        : tiktok.initDirectPost(accessToken, {
            source: videoSource,
            postInfo: {
              title: request.caption,
              privacyLevel: request.privacyLevel,
              disableComment: interaction.disableComment,
              disableDuet: interaction.disableDuet,
              disableStitch: interaction.disableStitch,
              videoCoverTimestampMs: request.coverTimestampMs,
              brandContentToggle: request.brandContent,
              brandOrganicToggle: request.brandOrganic,
              isAigc: request.isAigc,
            },
          }),
    );
    // The one window this cannot close: TikTok answered, and the process dies before the
    // write below. The publish_id is then lost and the next attempt inits again. For
    // FILE_UPLOAD that cannot make a second post: TikTok posts nothing until every byte has
    // arrived at the upload URL, and an upload that receives no bytes expires after an
    // hour. (PULL_FROM_URL is different: TikTok starts fetching at once, so a crash exactly
    // here can post twice; only file uploads are safe against it.)
    const forced = describeForced(interaction.forced);
    const detail: Prisma.InputJsonObject = {
      message:
        source.kind === 'pull'
          ? 'TikTok accepted the post and will fetch the video from its URL.'
          : `Uploading ${init.plan?.videoSize} bytes in ${init.plan?.totalChunkCount} chunk(s).`,
      publishId: init.publishId,
      ...(forced && { forcedSettings: interaction.forced, note: forced }),
    };
    this.#post = await this.#transition('uploading', {
      changes: {
        publishId: init.publishId,
        uploadUrl: init.uploadUrl ?? null,
        uploadUrlExpiresAt: init.uploadUrl ? new Date(Date.now() + UPLOAD_URL_TTL_MS) : null,
        uploadedBytes: 0,
        totalBytes: init.plan?.videoSize ?? null,
        chunkSize: init.plan?.chunkSize ?? null,
        totalChunkCount: init.plan?.totalChunkCount ?? null,
      },
      detail,
    });
    return init;
  }

  /**
   * Streams the chunks from `startAt`, storing progress on the job and the post after
   * every chunk TikTok confirms; then hands the post to the status poll.
   */
  async #upload(
    file: { path: string; contentType: VideoContentType },
    plan: ChunkPlan,
    uploadUrl: string,
    startAt: number,
  ): Promise<void> {
    const post = this.#post;
    const publishId = post.publishId as string;
    const canceled = new AbortController();
    const lockSignal = (this.#lock as AccountUploadLock).signal as AbortSignal;
    try {
      await this.ctx.tiktok.uploadVideo({
        uploadUrl,
        filePath: file.path,
        plan,
        contentType: file.contentType,
        startAt,
        signal: AbortSignal.any([lockSignal, canceled.signal]),
        onProgress: async (progress) => {
          await this.job.updateProgress({
            uploadedBytes: progress.bytesSent,
            totalBytes: progress.totalBytes,
            chunksSent: progress.chunksSent,
            totalChunks: progress.totalChunks,
          });
          if (progress.bytesSent >= progress.totalBytes) this.#reachedTikTok = true;
          // One write per chunk, which also tells whether the post was canceled meanwhile.
          const { count } = await this.ctx.db.post.updateMany({
            where: { id: post.id, status: 'uploading' },
            data: { uploadedBytes: progress.bytesSent },
          });
          if (count === 0) canceled.abort();
        },
        getUploadedBytes: async () => {
          const status = await this.#session.tryCall('status', (t) =>
            this.ctx.tiktok.fetchPublishStatus(t, publishId),
          );
          return status?.uploadedBytes;
        },
      });
    } catch (error) {
      if (canceled.signal.aborted && !this.#reachedTikTok) throw new PostCanceled(post.id);
      if (isTikTokApiError(error) && error.code === 'upload_url_expired' && !this.#reachedTikTok) {
        await this.#uploadUrlDead('refused');
        return;
      }
      throw error;
    }
    await this.#toProcessing({ message: 'TikTok has the whole video and is processing it.' });
  }

  /** Status `processing`, the status poll queued, the download (if any) removed. */
  async #toProcessing(detail?: Prisma.InputJsonObject): Promise<void> {
    const post = this.#post;
    const publishId = post.publishId as string;
    if (post.status !== 'processing') {
      this.#post = await this.#transition('processing', {
        changes: post.totalBytes != null ? { uploadedBytes: post.totalBytes } : {},
        detail: { ...detail, publishId },
      });
    }
    await ensureStatusJob(this.ctx, { id: post.id, publishId });
    if (this.#downloaded || post.videoSourceKind === 'url') {
      await removeDownload(this.ctx.settings.mediaRoot, post.id);
    }
  }

  async #creatorInfo(): Promise<CreatorInfo | undefined> {
    const request = this.#request as PostRequest;
    try {
      const creator = await this.#session.call('creatorInfo', (t) =>
        this.ctx.tiktok.queryCreatorInfo(t),
      );
      await storeCreatorInfo(this.ctx, this.#post.accountId, creator);
      return creator;
    } catch (error) {
      // Drafts need only video.upload; creator info needs video.publish. Without it the
      // draft goes ahead with TikTok's general limits.
      if (
        request.mode === 'draft' &&
        isTikTokApiError(error) &&
        error.code === 'scope_not_authorized'
      ) {
        return undefined;
      }
      throw error;
    }
  }

  async #takeLock(): Promise<void> {
    const { accountId } = this.#post;
    const lock = new AccountUploadLock(this.ctx.redis, {
      accountId,
      // The job id: a retried job takes back the lease its crashed attempt held.
      token: this.job.id as string,
      ttlMs: this.ctx.settings.uploadLockTtlMs,
      signal: this.signal,
      prefix: this.ctx.settings.prefix,
    });
    let attempt = await lock.acquire();
    if (!attempt.acquired) {
      await this.waiters.add(accountId, this.job.id as string);
      // The holder may have let go between the two calls, before it could wake anyone.
      attempt = await lock.acquire();
      if (!attempt.acquired) {
        throw new DeferRequest(
          busyDeferralDelay(this.job, this.ctx.settings.busyBackoff),
          `account ${accountId} is uploading another post`,
        );
      }
    }
    this.#lock = lock;
  }

  async #unlock(): Promise<void> {
    const lock = this.#lock;
    if (!lock) return;
    this.#lock = undefined;
    await lock.release();
    await this.waiters.wakeOne(this.#post.accountId).catch((error: unknown) => {
      this.#log.warn({ err: error }, 'could not wake a waiting upload');
    });
  }

  async #reserveSlot(): Promise<void> {
    const { accountId, id } = this.#post;
    const cap = this.ctx.settings.dailyPostCap;
    const window = new PostWindow(this.ctx.redis, { prefix: this.ctx.settings.prefix });
    const reservation = await window.reserve({ accountId, reservationId: id, cap });
    if (reservation.ok) return;
    const retryAt = reservation.retryAt;
    if (this.#request?.onDailyCap === 'fail') {
      throw new PostFailure(
        'daily_cap_reached',
        new DailyCapReachedError(accountId, cap, retryAt).message,
        {
          retryAt: retryAt.toISOString(),
        },
      );
    }
    throw new DeferRequest(Math.max(1_000, retryAt.getTime() - Date.now()), 'daily cap reached', {
      status: 'queued',
      detail: {
        message:
          `Waiting for a daily slot: account ${accountId} has posted ${reservation.count} times ` +
          `in the last 24 hours, the most allowed (DAILY_POST_CAP ${cap}). A slot frees at ` +
          `${retryAt.toISOString()}, and the post goes ahead then.`,
        retryAt: retryAt.toISOString(),
      },
    });
  }

  /** Stops between stages when the post was canceled, or the worker is shutting down. */
  async #checkpoint(): Promise<void> {
    const current = await this.ctx.db.post.findUnique({
      where: { id: this.#post.id },
      select: { status: true },
    });
    if (!current || isFinal(current.status)) throw new PostCanceled(this.#post.id);
    this.signal?.throwIfAborted();
  }

  async #stage(
    status: PostStatus,
    detail: Prisma.InputJsonObject,
    changes: PostChanges = {},
  ): Promise<void> {
    if (this.#post.status === status) return;
    this.#post = await this.#transition(status, { detail, changes });
  }

  async #transition(
    status: PostStatus,
    options: { changes?: PostChanges; detail?: Prisma.InputJsonObject },
  ): Promise<Post> {
    try {
      return await this.ctx.posts.transition(this.#post.id, status, options);
    } catch (error) {
      if (error instanceof PostStatusConflictError) throw new PostCanceled(this.#post.id);
      throw error;
    }
  }

  async #onError(error: unknown): Promise<PublishResult> {
    const outcome = outcomeOf(error, {
      shuttingDown: this.signal?.aborted === true,
      leaseLost: this.#lock?.signal?.reason instanceof LeaseLostError,
      failOnDailyCap: this.#request?.onDailyCap === 'fail',
      busyDelayMs: () => busyDeferralDelay(this.job, this.ctx.settings.busyBackoff),
    });
    switch (outcome.kind) {
      case 'rethrow':
        throw error;
      case 'canceled':
        return await this.#stopCanceled();
      case 'fail':
        if (outcome.reauthorize) {
          await this.ctx.accounts.markNeedsReauth(this.#post.accountId, outcome.reauthorize);
          await failWaitingPosts(this.ctx, this.#post.accountId, outcome.reauthorize);
        }
        return await this.#fail(outcome.failure);
      case 'requeue':
        // Shutdown: whatever was stored stays (publish id, upload URL, bytes sent), and the
        // job goes back to the queue at once without spending an attempt.
        this.#log.info('shutting down: the post is left to resume');
        await this.#unlock();
        return await deferJob(this.job, this.token, 0);
      case 'defer':
        if (outcome.releaseSlot && !this.#reachedTikTok) await this.#releaseSlot();
        return await this.#defer(outcome.request);
      case 'retry':
        return await this.#retryOrFail(error);
    }
  }

  async #defer(request: DeferRequest): Promise<never> {
    if (request.event) {
      const status = request.event.status === 'keep' ? this.#post.status : request.event.status;
      if (status === this.#post.status) {
        await recordEvent(this.ctx, this.#post.id, status, request.event.detail);
      } else {
        await this.#transition(status, { detail: request.event.detail });
      }
    }
    this.#log.debug({ delayMs: request.delayMs, reason: request.message }, 'deferred');
    // Let go of the account before waiting, so the next post of it can start.
    await this.#unlock();
    return await deferJob(this.job, this.token, request.delayMs);
  }

  /** A failure that may pass: BullMQ retries with backoff; the last attempt fails the post. */
  async #retryOrFail(error: unknown): Promise<never> {
    const attempts = this.job.opts.attempts ?? 1;
    const { code, message } = describeError(error);
    if (this.job.attemptsMade + 1 >= attempts) {
      await this.#markFailed({
        code,
        message: `${message} (gave up after ${attempts} attempts)`,
      });
    } else {
      this.#log.warn({ err: error, code }, 'publish attempt failed; it will be retried');
    }
    throw error;
  }

  async #fail(failure: Failure): Promise<never> {
    await this.#markFailed(failure);
    throw new UnrecoverableError(`${failure.code}: ${failure.message}`);
  }

  async #markFailed(failure: Failure) {
    await failPost(
      this.ctx,
      this.#post,
      { code: failure.code, message: failure.message, details: failure.details },
      { releaseSlot: !this.#reachedTikTok },
    );
    if (this.#downloaded || this.#post.videoSourceKind === 'url') {
      await removeDownload(this.ctx.settings.mediaRoot, this.#post.id);
    }
  }

  async #releaseSlot(): Promise<void> {
    await new PostWindow(this.ctx.redis, { prefix: this.ctx.settings.prefix }).release(
      this.#post.accountId,
      this.#post.id,
    );
  }

  async #stopCanceled(): Promise<PublishResult> {
    if (!this.#reachedTikTok) await this.#releaseSlot();
    if (this.#post.videoSourceKind === 'url') {
      await removeDownload(this.ctx.settings.mediaRoot, this.#post.id);
    }
    const current = await this.ctx.db.post.findUnique({
      where: { id: this.#post.id },
      select: { status: true },
    });
    this.#log.info({ status: current?.status }, 'post left the pipeline (canceled)');
    return { status: current?.status ?? 'canceled' };
  }
}
