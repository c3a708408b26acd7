import {
  type Post,
  type PostChanges,
  type PostStatus,
  PostStatusConflictError,
  type Prisma,
  StaleUploadFenceError,
} from '@tiktok-fleet/db';
import type { VideoProbe } from '@tiktok-fleet/media';
import type { Logger } from '@tiktok-fleet/observability';
import type { PostRequest } from '@tiktok-fleet/posts';
import { type AccountUploadLock, type FleetJob, LeaseLostError } from '@tiktok-fleet/queue';
import type { WorkerContext } from '../deps';
import { PostCanceled } from '../errors';
import { isFinal } from '../post-outcomes';
import type { TikTokSession } from '../tiktok-session';
import type { PostingAccount } from './account-gate';
import { removeDownload } from './download-video';
import { uploadFinished } from './stored-post';
import type { UploadWaiters } from './upload-waiters';

export interface PublishResult {
  status: PostStatus;
  publishId?: string | null;
  /** What TikTok holds of the video once it has it whole (the job's last progress). */
  uploadedBytes?: number;
}

/**
 * What one attempt of a publish job knows as it goes through the stages: the post as last
 * stored (with the bytes TikTok confirmed since), its history, and the account's upload
 * lease while it holds it. The upload stages also get an `Upload`.
 */
export class PublishRun {
  post: Post;
  /** The detail of the post's latest event as this attempt found it (was this wait noted?). */
  readonly lastEventDetail: Prisma.JsonValue | null;
  /** The account as this attempt read it once (gate, tokens, handle), after the gate. */
  account: PostingAccount | undefined;
  lock: AccountUploadLock | undefined;
  /**
   * The fence of the account's upload lease this attempt claimed the post with; every post
   * write of this attempt carries it, so a write after another holder took over is refused.
   */
  fence: number | undefined;
  /**
   * The probe the prepare check made of the post's file (prepare "auto", nothing to do):
   * the upload's check reuses it, so the file is probed once per attempt.
   */
  probed: { path: string; probe: VideoProbe } | undefined;
  /** A dead upload URL was already replaced once in this attempt. */
  startedOver = false;
  readonly log: Logger;

  constructor(
    readonly ctx: WorkerContext,
    readonly waiters: UploadWaiters,
    readonly job: FleetJob<'publish'>,
    readonly token: string | undefined,
    readonly signal: AbortSignal | undefined,
    post: Post & { lastEventDetail: Prisma.JsonValue | null },
  ) {
    const { lastEventDetail, ...row } = post;
    this.post = row;
    this.lastEventDetail = lastEventDetail;
    this.log = ctx.logger.child({
      queue: job.queueName,
      jobId: job.id,
      postId: job.data.postId,
      attempt: job.attemptsMade + 1,
    });
  }

  /**
   * TikTok holds the whole video or pulls it itself: the post counts at TikTok, so it keeps
   * its daily slot whatever happens next.
   */
  get reachedTikTok(): boolean {
    return uploadFinished(this.post);
  }

  /** TikTok confirmed it holds `bytes` of the video (a chunk's answer, or status/fetch). */
  tikTokHolds(bytes: bigint | number): void {
    if (BigInt(bytes) > this.post.uploadedBytes) {
      this.post = { ...this.post, uploadedBytes: BigInt(bytes) };
    }
  }

  /** TikTok says it holds every byte, whatever was stored before. */
  tikTokHoldsAll(): void {
    if (this.post.totalBytes != null) this.tikTokHolds(this.post.totalBytes);
  }

  /**
   * Moves the post on (with this attempt's fence); a post that left the pipeline meanwhile
   * (canceled) stops the job, and so does one that another lease holder took over. The
   * post is the row the statement returned, not read again.
   */
  async transition(
    status: PostStatus,
    options: { changes?: PostChanges; detail?: Prisma.InputJsonObject },
  ): Promise<void> {
    try {
      this.post = await this.ctx.posts.transition(this.post.id, status, {
        ...options,
        fence: this.fence,
      });
    } catch (error) {
      if (error instanceof PostStatusConflictError) throw new PostCanceled(this.post.id);
      throw this.takenOver(error);
    }
  }

  /**
   * Stores the bytes TikTok confirmed (with this attempt's fence); false when the post is
   * no longer uploading (canceled meanwhile).
   */
  async recordUploadProgress(bytes: number): Promise<boolean> {
    try {
      return await this.ctx.posts.recordUploadProgress(this.post.id, bytes, { fence: this.fence });
    } catch (error) {
      throw this.takenOver(error);
    }
  }

  /** A write refused for a stale fence: this attempt lost the account's lease. */
  takenOver(error: unknown): unknown {
    if (!(error instanceof StaleUploadFenceError)) return error;
    return new LeaseLostError('upload', this.post.accountId, 'taken', { cause: error });
  }

  /**
   * Stops between stages when the worker is shutting down. Cancellation needs no read here:
   * every write of the run is conditional on the status, and the one step that cannot be
   * undone (the init at TikTok) checks the stored status first ({@link confirmWanted}).
   */
  async checkpoint(): Promise<void> {
    this.signal?.throwIfAborted();
    this.ctx.draining.throwIfAborted();
  }

  /** Before a step TikTok cannot take back: stops when the post was canceled meanwhile. */
  async confirmWanted(): Promise<void> {
    const current = await this.storedStatus();
    if (!current || isFinal(current)) throw new PostCanceled(this.post.id);
    await this.checkpoint();
  }

  /** The status in the database now, which the API may have changed under this job. */
  async storedStatus(): Promise<PostStatus | undefined> {
    return this.ctx.posts.currentStatus(this.post.id);
  }

  /** Only `url` sources are downloaded; the file goes once the upload no longer needs it. */
  async removeDownload(): Promise<void> {
    if (this.post.videoSourceKind === 'url') {
      await removeDownload(this.ctx.settings.mediaRoot, this.post.id);
    }
  }
}

/** What the upload stages need beside the run: the checked request, TikTok, the lease. */
export interface Upload {
  readonly run: PublishRun;
  readonly request: PostRequest;
  readonly session: TikTokSession;
  readonly lock: AccountUploadLock;
}
