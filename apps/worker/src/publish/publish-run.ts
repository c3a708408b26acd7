import {
  type Post,
  type PostChanges,
  type PostStatus,
  PostStatusConflictError,
  type PostStatusEvent,
  type PostWithEvents,
  type Prisma,
} from '@tiktok-fleet/db';
import type { Logger } from '@tiktok-fleet/observability';
import type { PostRequest } from '@tiktok-fleet/posts';
import type { AccountUploadLock, FleetJob } from '@tiktok-fleet/queue';
import type { WorkerContext } from '../deps';
import { PostCanceled } from '../errors';
import { isFinal } from '../post-outcomes';
import type { TikTokSession } from '../tiktok-session';
import { removeDownload } from './download-video';
import { uploadFinished } from './stored-post';
import type { UploadWaiters } from './upload-waiters';

export interface PublishResult {
  status: PostStatus;
  publishId?: string | null;
}

/**
 * What one attempt of a publish job knows as it goes through the stages: the post as last
 * stored (with the bytes TikTok confirmed since), its history, and the account's upload
 * lease while it holds it. The upload stages also get an `Upload`.
 */
export class PublishRun {
  post: Post;
  /** The post's history as this attempt found it (oldest first). */
  readonly history: readonly PostStatusEvent[];
  lock: AccountUploadLock | undefined;
  /** A dead upload URL was already replaced once in this attempt. */
  startedOver = false;
  readonly log: Logger;

  constructor(
    readonly ctx: WorkerContext,
    readonly waiters: UploadWaiters,
    readonly job: FleetJob<'publish'>,
    readonly token: string | undefined,
    readonly signal: AbortSignal | undefined,
    post: PostWithEvents,
  ) {
    this.post = post;
    this.history = post.events;
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

  /** Moves the post on; a post that left the pipeline meanwhile (canceled) stops the job. */
  async transition(
    status: PostStatus,
    options: { changes?: PostChanges; detail?: Prisma.InputJsonObject },
  ): Promise<void> {
    try {
      this.post = await this.ctx.posts.transition(this.post.id, status, options);
    } catch (error) {
      if (error instanceof PostStatusConflictError) throw new PostCanceled(this.post.id);
      throw error;
    }
  }

  /** Stops between stages when the post was canceled, or the worker is shutting down. */
  async checkpoint(): Promise<void> {
    const current = await this.storedStatus();
    if (!current || isFinal(current)) throw new PostCanceled(this.post.id);
    this.signal?.throwIfAborted();
    this.ctx.draining.throwIfAborted();
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
