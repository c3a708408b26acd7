import {
  type Post,
  type PostChanges,
  type PostStatus,
  PostStatusConflictError,
  type PostStatusEvent,
  type Prisma,
} from '@tiktok-fleet/db';
import type { Logger } from '@tiktok-fleet/observability';
import type { AccountUploadLock, FleetJob, PostRequest } from '@tiktok-fleet/queue';
import type { WorkerContext } from '../deps';
import { PostCanceled } from '../errors';
import { isFinal } from '../post-outcomes';
import type { TikTokSession } from '../tiktok-session';
import { removeDownload } from './download-video';
import type { UploadWaiters } from './upload-waiters';

export interface PublishResult {
  status: PostStatus;
  publishId?: string | null;
}

/**
 * What one attempt of a publish job knows as it goes through the stages: the post as last
 * stored, its request, the TikTok session, the account's upload lease, and whether TikTok
 * has taken the video (which decides whether the post keeps its daily slot).
 */
export class PublishRun {
  post!: Post;
  /** The post's history as this attempt found it (oldest first). */
  history: PostStatusEvent[] = [];
  request: PostRequest | undefined;
  session!: TikTokSession;
  lock: AccountUploadLock | undefined;
  /** TikTok holds the whole video (201) or pulls it itself: the post counts at TikTok. */
  reachedTikTok = false;
  /** A dead upload URL was already replaced once in this attempt. */
  startedOver = false;
  readonly log: Logger;

  constructor(
    readonly ctx: WorkerContext,
    readonly waiters: UploadWaiters,
    readonly job: FleetJob<'publish'>,
    readonly token: string | undefined,
    readonly signal: AbortSignal | undefined,
  ) {
    this.log = ctx.logger.child({
      queue: job.queueName,
      jobId: job.id,
      postId: job.data.postId,
      attempt: job.attemptsMade + 1,
    });
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
