import { fleetKey } from './keys';
import { fleetCommands, type RedisClient } from './scripts';

/**
 * What TikTok's webhooks said about one publish, kept in Redis by publish_id so that a
 * webhook is never lost to timing: one that arrives before the post's status job exists,
 * or while it runs, is found by that job (docs/architecture.md, "Webhook first").
 *
 * A hash: `v` counts the webhooks received (a status job remembers the last `v` it acted
 * on, so each new webhook makes it ask TikTok once more at once, never in a loop), `events`
 * the event names seen, `post_id` the public post id of `post.publish.publicly_available`,
 * `watcher` the id of the status job to promote when a webhook arrives.
 */
export interface WebhookOutcome {
  /** How many publish webhooks arrived for this publish_id. */
  version: number;
  events: string[];
  /** TikTok's public post id (a 19-digit string), once publicly_available said it. */
  postId?: string;
}

/**
 * Long enough for a publish TikTok takes its time with: the status job asks for a public
 * post id for up to 30 minutes (statusPoll.postIdWaitMs) and TikTok retries webhooks for
 * 72 h; a day covers what can still matter.
 */
export const WEBHOOK_OUTCOME_TTL_SEC = 24 * 3600;

const outcomeKey = (prefix: string, publishId: string) =>
  fleetKey(prefix, 'webhook-outcome', publishId);

/** TikTok retries a webhook for up to 72 h; a duplicate within that is recognised. */
export const WEBHOOK_SEEN_TTL_SEC = 73 * 3600;

/** The key that marks one delivery (the body's hash) as handled. */
export const webhookSeenKey = (prefix: string, deliveryHash: string) =>
  fleetKey(prefix, 'webhook-seen', deliveryHash);

export type RecordedWebhook =
  | { duplicate: true }
  | {
      duplicate: false;
      version: number;
      /** The status job watching this publish (webhook-watch-1.lua), when there is one. */
      watcherJobId?: string;
    };

/**
 * Records one publish webhook unless this delivery was handled already, and says which
 * status job watches the publish, in one command (commands/webhook-record-2.lua).
 */
export async function recordWebhookOutcome(
  redis: RedisClient,
  prefix: string,
  publishId: string,
  event: { name: string; postId?: string; deliveryHash: string },
): Promise<RecordedWebhook> {
  const [version = 0, watcher = ''] = await fleetCommands(redis).tfWebhookRecord(
    webhookSeenKey(prefix, event.deliveryHash),
    outcomeKey(prefix, publishId),
    event.name,
    event.postId ?? '',
    WEBHOOK_OUTCOME_TTL_SEC,
    WEBHOOK_SEEN_TTL_SEC,
  );
  if (Number(version) === 0) return { duplicate: true };
  return { duplicate: false, version: Number(version), ...(watcher && { watcherJobId: watcher }) };
}

/**
 * Marks the publish's record as watched by its status job, just added: each later webhook
 * promotes that job (docs/architecture.md, "Webhook first"). Answers how many webhooks had
 * arrived already: more than the worker read before it added the job means one came in
 * between, and the job should run now rather than at its first poll.
 */
export async function watchWebhookOutcome(
  redis: RedisClient,
  prefix: string,
  publishId: string,
  statusJobId: string,
): Promise<number> {
  return Number(
    await fleetCommands(redis).tfWebhookWatch(
      outcomeKey(prefix, publishId),
      statusJobId,
      WEBHOOK_OUTCOME_TTL_SEC,
    ),
  );
}

/** What the webhooks said about this publish so far; null when none arrived. */
export async function readWebhookOutcome(
  redis: RedisClient,
  prefix: string,
  publishId: string,
): Promise<WebhookOutcome | null> {
  const hash = await redis.hgetall(outcomeKey(prefix, publishId));
  const version = Number(hash.v ?? 0);
  if (version === 0) return null;
  return {
    version,
    events: Object.keys(hash)
      .filter((k) => k.startsWith('event:'))
      .map((k) => k.slice('event:'.length)),
    ...(hash.post_id && { postId: hash.post_id }),
  };
}
