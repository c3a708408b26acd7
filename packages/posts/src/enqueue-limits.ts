import { createMediaUploadRepository, type Db } from '@tiktok-fleet/db';
import ipaddr from 'ipaddr.js';
import { EnqueuePostError } from './errors/enqueue-post-error';

/** What the API enforces at enqueue (README, Limits); a library caller may leave them out. */
export interface EnqueueLimits {
  /** Open posts (queued to processing) one account may have. */
  backlogPerAccount: number;
  /** Open posts one owner may have over all its accounts. */
  backlogPerOwner: number;
  /** How far ahead `scheduledAt` may be, in days. */
  scheduleMaxDaysAhead: number;
  /** Accept callbacks to literal internal addresses (URL_SOURCE_ALLOW_PRIVATE: dev, tests). */
  allowPrivateCallbacks: boolean;
  /** The clock for the horizon. @defaultValue Date.now */
  now?: (() => number) | undefined;
}

const DAY_MS = 24 * 3600 * 1000;

export function checkSchedule(limits: EnqueueLimits, scheduledAt: Date | null): void {
  if (!scheduledAt) return;
  const latest = (limits.now ?? Date.now)() + limits.scheduleMaxDaysAhead * DAY_MS;
  if (scheduledAt.getTime() <= latest) return;
  throw new EnqueuePostError(
    'scheduled_too_far',
    `scheduledAt is more than ${limits.scheduleMaxDaysAhead} days ahead ` +
      `(SCHEDULE_MAX_DAYS_AHEAD); the latest accepted now is ${new Date(latest).toISOString()}.`,
    [
      {
        field: 'scheduledAt',
        problem: `must be at most ${limits.scheduleMaxDaysAhead} days ahead`,
      },
    ],
  );
}

/**
 * A callback URL whose host is a literal internal IP is refused now, with the field, rather
 * than accepted and refused at delivery. Names are left to delivery, which checks every
 * address they resolve to when it connects.
 */
export function checkCallbackAddress(limits: EnqueueLimits, callbackUrl: string | null): void {
  if (!callbackUrl || limits.allowPrivateCallbacks) return;
  const host = new URL(callbackUrl).hostname.replace(/^\[(.*)\]$/, '$1');
  if (!ipaddr.isValid(host) || ipaddr.process(host).range() === 'unicast') return;
  throw new EnqueuePostError(
    'callback_url_not_allowed',
    `callbackUrl points at ${host}, an internal address (${ipaddr.process(host).range()}); the ` +
      'fleet delivers callbacks to public addresses only. Give a public https URL.',
    [{ field: 'callbackUrl', problem: 'must not be an internal address' }],
  );
}

/**
 * The refusal for a full backlog: the account's count when it reached its cap, else the
 * owner's. The counts come from the insert itself (`posts.createForAccount` with
 * `backlogCaps`), which reads the backlog counters the database keeps: no round trip of its
 * own, the same cost however long the backlog. The account's cap is exact under concurrent
 * enqueues; the owner's may be passed by enqueues racing to its accounts.
 */
export function backlogFull(
  limits: EnqueueLimits,
  accountId: string,
  open: { owner: number; account: number },
): EnqueuePostError {
  const full =
    open.account >= limits.backlogPerAccount
      ? { scope: 'account', limit: limits.backlogPerAccount, open: open.account }
      : { scope: 'owner', limit: limits.backlogPerOwner, open: open.owner };
  return new EnqueuePostError(
    'backlog_full',
    `${full.scope === 'account' ? `Account ${accountId}` : 'You'} already ${
      full.scope === 'account' ? 'has' : 'have'
    } ${full.open} posts waiting or in progress, the most allowed (${
      full.scope === 'account' ? 'POST_BACKLOG_MAX_PER_ACCOUNT' : 'POST_BACKLOG_MAX_PER_OWNER'
    }). Send more once some are published.`,
    full,
  );
}

/**
 * A `video.path` (or a photo's `path`) under uploads/ must be an upload of this owner that has not expired: an
 * API key must not post another owner's upload by guessing or learning its name. Paths
 * elsewhere in MEDIA_ROOT are files the operator put there and are not owned.
 */
export async function checkUploadOwner(
  db: Db,
  ownerId: string,
  relative: string,
  field = 'video.path',
): Promise<void> {
  if (!relative.startsWith('uploads/')) return;
  const upload = await createMediaUploadRepository(db).findByPath(relative);
  if (upload && upload.ownerId === ownerId) return;
  throw new EnqueuePostError(
    'media_not_found',
    `No upload ${relative} of yours: it does not exist, belongs to another owner, or was ` +
      'deleted: because no post used it in time (MEDIA_UPLOAD_TTL_SECONDS), or because the ' +
      'posts that used it finished a while ago (MEDIA_USED_RETENTION_SECONDS). Upload it ' +
      'again with POST /v1/media and post the new path.',
    [{ field, problem: 'must be an upload of yours' }],
  );
}

/** Marks the upload a new post uses: it is then kept while a post that uses it is open. */
export async function markUploadUsed(db: Db, relative: string): Promise<void> {
  if (relative.startsWith('uploads/')) await createMediaUploadRepository(db).markUsed(relative);
}
