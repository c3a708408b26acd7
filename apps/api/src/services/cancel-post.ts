import { type Post, PostStatusConflictError } from '@tiktok-fleet/db';
import { fleetMetrics } from '@tiktok-fleet/observability';
import { type PostResource, toPostResource } from '@tiktok-fleet/posts';
import { postJobOf } from '@tiktok-fleet/queue';
import { TikTokApiError } from '@tiktok-fleet/tiktok';
import type { FastifyBaseLogger } from 'fastify';
import type { ApiContext } from '../context';
import { ApiError, notFound } from '../errors';
import { freshAccessToken } from './access-token';
import { queueNotify } from './notify';

const notCancelable = (post: Post, why: string) =>
  new ApiError(409, 'post_not_cancelable', `Post ${post.id} cannot be canceled: ${why}`, {
    status: post.status,
  });

/** Removes a job that has not started; an active one is left to see the canceled status. */
async function removeIfIdle(
  ctx: ApiContext,
  { queue, jobId }: ReturnType<typeof postJobOf>,
  log: FastifyBaseLogger,
) {
  try {
    const job = await ctx.queues[queue].getJob(jobId);
    if (job && (await job.getState()) !== 'active') await job.remove();
  } catch (error) {
    // The post is canceled in PostgreSQL already, and workers check it before working.
    log.warn({ err: error, jobId }, `could not remove the ${queue} job of a canceled post`);
  }
}

/**
 * Cancels a post (docs/architecture.md, Cancelling a post): the status in PostgreSQL is what
 * workers obey, so it is set first and the queue is tidied after. Loops when a worker moves the
 * post on meanwhile.
 */
export async function cancelPost(
  ctx: ApiContext,
  ownerId: string,
  postId: string,
  log: FastifyBaseLogger,
): Promise<PostResource> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const post = await ctx.posts.get(postId, { ownerId });
    if (!post) throw notFound('post', postId);
    try {
      const canceled = await cancelFrom(ctx, post, log);
      fleetMetrics.postFinished('canceled');
      await queueNotify(ctx, canceled, 'canceled', log);
      const read = await ctx.posts.get(postId, { ownerId });
      if (!read) throw notFound('post', postId);
      return toPostResource(read, read.events);
    } catch (error) {
      // A worker moved the post between our read and our write: decide again.
      if (!(error instanceof PostStatusConflictError)) throw error;
    }
  }
  throw new ApiError(
    409,
    'post_status_conflict',
    `Post ${postId} is changing status right now. Try the cancel again.`,
  );
}

async function cancelFrom(ctx: ApiContext, post: Post, log: FastifyBaseLogger): Promise<Post> {
  switch (post.status) {
    case 'queued':
    case 'scheduled': {
      const canceled = await ctx.posts.transition(post.id, 'canceled', {
        from: ['queued', 'scheduled'],
        detail: { reason: 'canceled by the caller before it started' },
      });
      await removeIfIdle(ctx, postJobOf(post.id, post.status), log);
      return canceled;
    }
    case 'preparing':
    case 'validating':
    case 'uploading':
      // The worker checks the status between stages (and the preparer at each progress
      // step, stopping ffmpeg) and stops; TikTok keeps no post.
      return ctx.posts.transition(post.id, 'canceled', {
        from: ['preparing', 'validating', 'uploading'],
        detail: { reason: `canceled by the caller while ${post.status}` },
      });
    case 'processing': {
      // A photo post is pulled by TikTok too (docs/tiktok-api.md, Photo posts).
      const pulled = post.videoSourceKind === 'pullFromUrl' || post.photoPost != null;
      if (!pulled || !post.publishId) {
        throw notCancelable(
          post,
          'TikTok already has the whole video and is processing it, and TikTok can only ' +
            'cancel publishes that it downloads itself (pullFromUrl). Delete the video in the ' +
            'TikTok app once it appears.',
        );
      }
      const accessToken = await freshAccessToken(ctx, post.accountId);
      try {
        await ctx.tiktok.cancelPublish(accessToken, post.publishId);
      } catch (error) {
        if (error instanceof TikTokApiError && error.code === 'publish_not_cancellable') {
          throw notCancelable(post, `TikTok says it is too late: ${error.description}`);
        }
        throw error;
      }
      const canceled = await ctx.posts.transition(post.id, 'canceled', {
        from: ['processing'],
        detail: { reason: 'canceled by the caller; TikTok canceled the publish' },
      });
      await removeIfIdle(ctx, postJobOf(post.id, post.status), log);
      return canceled;
    }
    case 'published':
      throw notCancelable(post, 'it is already published on TikTok. Delete it in the TikTok app.');
    case 'failed':
      throw notCancelable(post, 'it has already failed; nothing is running for it.');
    case 'canceled':
      throw notCancelable(post, 'it is already canceled.');
  }
}
