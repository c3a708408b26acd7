import type { PostStatus } from '@tiktok-fleet/posts';
import { enqueueNotify } from '@tiktok-fleet/queue';
import type { FastifyBaseLogger } from 'fastify';
import type { ApiContext } from '../context';

/**
 * Queues the callback for a post that reached a final state. One job per post and event
 * (the catalog's job id, as for the workers), so the API and a worker noticing the same
 * change send one callback. Best effort: the state is already stored, and a callback lost
 * to a Redis outage is logged rather than failing the request that made the change.
 */
export async function queueNotify(
  ctx: ApiContext,
  post: { id: string; callbackUrl: string | null },
  status: PostStatus,
  log: FastifyBaseLogger,
): Promise<void> {
  try {
    await enqueueNotify(ctx.queues, post, status);
  } catch (error) {
    log.warn({ err: error, postId: post.id }, 'could not queue the callback of a post');
  }
}
