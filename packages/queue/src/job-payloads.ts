import { PostStatus } from '@tiktok-fleet/db';
import { z } from 'zod';

// The statuses come from the database schema's own enum, not from @tiktok-fleet/posts: posts
// depends on this package (its enqueue contract adds the publish job), so importing posts here
// would make a cycle. Both lists are checked against each other in packages/posts/test.

/**
 * Job data: ids only, never a token or a secret (BullMQ stores job data in clear text and
 * Bull Board shows it). Workers load everything else from PostgreSQL.
 *
 * The schemas strip unknown fields instead of refusing them: during a rolling deploy a newer
 * producer may add an optional field that an older worker does not know yet.
 */

/** What a `notify` job reports to the post's callbackUrl. */
export const NOTIFY_EVENTS = ['post.published', 'post.failed', 'post.canceled'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** The event a post's callback reports when it reaches this status; none for the others. */
export const NOTIFY_EVENT_OF: Partial<Record<PostStatus, NotifyEvent>> = {
  published: 'post.published',
  failed: 'post.failed',
  canceled: 'post.canceled',
};

const id = z.string().min(1).max(128);

export const publishPayload = z.object({ postId: id });

/** Prepare the post's video (its source is on the post). */
export const preparePayload = z.object({ postId: id });

export const statusPayload = z.object({
  postId: id,
  /** TikTok's publish_id; up to 64 characters per TikTok. */
  publishId: z.string().min(1).max(128),
  /** How many status fetches came before this one; drives the backoff between polls. */
  pollCount: z.number().int().min(0),
  /** When polling began (epoch ms): polling gives up after a while. */
  startedAt: z.number().int().min(0),
  /**
   * The count of TikTok webhooks for this publish the job has acted on (webhook-outcomes.ts):
   * one more arrived while it ran, and it asks TikTok again at once.
   */
  webhookSeen: z.number().int().min(0).optional(),
  /** What TikTok said at the job's last ask: a wait is noted in the history once. */
  lastTiktokStatus: z.string().max(128).optional(),
});

export const refreshPayload = z.object({ accountId: id });

/** The job scheduler's job: find every account whose token expires soon. */
export const refreshSweepPayload = z.object({ sweep: z.literal(true) });

export const analyticsPayload = z.object({
  accountId: id,
  /** One post's numbers; without it, the account's. */
  postId: id.optional(),
});

export const notifyPayload = z.object({
  postId: id,
  event: z.enum(NOTIFY_EVENTS),
  status: z.enum(PostStatus),
});

/** The reconciler's job scheduler: one pass over the posts that are not final. */
export const reconcilePassPayload = z.object({ pass: z.literal(true) });
