import type { NotifyEvent, PostStatus } from '@tiktok-fleet/queue';
import { enqueue } from '@tiktok-fleet/queue';
import type { FastifyBaseLogger } from 'fastify';
import type { ApiContext } from '../context';

const eventOf: Partial<Record<PostStatus, NotifyEvent>> = {
  published: 'post.published',
  failed: 'post.failed',
  canceled: 'post.canceled',
};

/**
 * Queues the callback for a post that reached a final state. One job per post and event
 * (job id `notify-<postId>-<event>`, as the worker names them), so the API and a worker
 * noticing the same change
 * send one callback. Best effort: the state is already stored, and a callback lost to a
 * Redis outage is logged rather than failing the request that made the change.
 */
export async function queueNotify(
  ctx: ApiContext,
  post: { id: string; callbackUrl: string | null },
  status: PostStatus,
  log: FastifyBaseLogger,
): Promise<void> {
  const event = eventOf[status];
  if (!event || !post.callbackUrl) return;
  try {
    await enqueue(
      ctx.queues,
      'notify',
      'notify',
      { postId: post.id, event, status },
      { jobId: `notify-${post.id}-${event}` },
    );
  } catch (error) {
    log.warn({ err: error, postId: post.id }, 'could not queue the callback of a post');
  }
}
