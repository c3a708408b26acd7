import type { ValidationDetail } from '../validation-issues';

/** Why `enqueuePost` refused a post. Stable strings: callers branch on them. */
export type EnqueuePostErrorCode =
  /** The request does not match the post request schema; `details` lists every problem. */
  | 'invalid_request'
  /** `video.path` points outside MEDIA_ROOT (`..`, an absolute path, a symlink out). */
  | 'video_path_outside_media_root'
  /** A `photos[i].path` points outside MEDIA_ROOT; the field names the index. */
  | 'photo_path_outside_media_root'
  /** A photo post, but MEDIA_PUBLIC_BASE_URL is unset: TikTok could not fetch the images. */
  | 'photo_hosting_not_configured'
  /** No such account, or it belongs to another owner (the two are not told apart). */
  | 'account_not_found'
  /** The account's TikTok authorization is dead; its owner must connect it again. */
  | 'account_needs_reauth'
  /** The account was disconnected (DELETE or TikTok's authorization.removed). */
  | 'account_revoked'
  /** The Idempotency-Key was used before with a different request. */
  | 'idempotency_key_reused'
  /** The post is stored but Redis refused its job; it is picked up once Redis is back. */
  | 'queue_unavailable'
  /** `video.path` names an upload (uploads/…) that does not exist, expired, or is another owner's. */
  | 'media_not_found'
  /** The account or the owner already has as many open posts as the limits allow. */
  | 'backlog_full'
  /** `scheduledAt` is further ahead than the configured horizon. */
  | 'scheduled_too_far'
  /** `callbackUrl` is a literal internal address (loopback, private, link-local, …). */
  | 'callback_url_not_allowed';

/**
 * A post the enqueue contract refused, or (`queue_unavailable`) stored without its job yet.
 * The message is for a person; `details` carries field-level problems for `invalid_request`
 * and `{ postId }` for `queue_unavailable` and `idempotency_key_reused`.
 */
export class EnqueuePostError extends Error {
  override readonly name = 'EnqueuePostError';

  constructor(
    readonly code: EnqueuePostErrorCode,
    message: string,
    readonly details?: ValidationDetail[] | Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
