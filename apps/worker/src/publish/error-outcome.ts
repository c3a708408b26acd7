import type { Prisma } from '@tiktok-fleet/db';
import { VideoValidationError } from '@tiktok-fleet/media';
import { LeaseLostError } from '@tiktok-fleet/queue';
import { isTikTokApiError } from '@tiktok-fleet/tiktok';
import { DelayedError } from 'bullmq';
import { AccountNeedsReauthError, DeferRequest, PostCanceled, PostFailure } from '../errors';
import { isInfrastructureUnavailable } from '../infrastructure';

/** TikTok's posting cap (`spam_risk_too_many_posts`) is counted over 24 h; look again hourly. */
const DAILY_CAP_RETRY_MS = 60 * 60_000;
/** A per-minute limit TikTok enforced although our own counter allowed the call. */
export const RATE_LIMIT_RETRY_MS = 60_000;
/** Up to this much more, so that the jobs TikTok refused together do not return together. */
export const RATE_LIMIT_JITTER_MS = 10_000;

export interface Failure {
  code: string;
  message: string;
  details?: Prisma.InputJsonObject;
}

/** What a publish attempt does about an error. */
export type ErrorOutcome =
  /** BullMQ's own signal that the job was moved: let it through. */
  | { kind: 'rethrow' }
  /** The post left the pipeline (canceled): stop quietly. */
  | { kind: 'canceled' }
  /** The post cannot be published as asked: fail it, no retry. */
  | { kind: 'fail'; failure: Failure; reauthorize?: string }
  /** Shutdown: back to the queue at once, no attempt spent, resumable. */
  | { kind: 'requeue' }
  /** Later, no attempt spent; `releaseSlot` when TikTok took nothing meanwhile. */
  | { kind: 'defer'; request: DeferRequest; releaseSlot?: boolean }
  /** May pass: BullMQ's backoff, and the last attempt fails the post. */
  | { kind: 'retry' };

export interface ErrorFacts {
  /** The job's abort signal fired (the worker is shutting down). */
  shuttingDown: boolean;
  /** The account's upload lease was lost mid-work. */
  leaseLost: boolean;
  /** The request said `onDailyCap: 'fail'`. */
  failOnDailyCap: boolean;
  /** The delay for a job that found its account busy. */
  busyDelayMs: () => number;
  /** The delay for a job that could not reach PostgreSQL or Redis. */
  infrastructureDelayMs: () => number;
}

/**
 * The error policy of the jobs that call TikTok for a post (publish and status) in one place: TikTok's errors by their `action`, the
 * video's by the media package's class, the worker's own by theirs.
 */
export function outcomeOf(error: unknown, facts: ErrorFacts): ErrorOutcome {
  if (error instanceof DelayedError) return { kind: 'rethrow' };
  if (error instanceof PostCanceled) return { kind: 'canceled' };
  if (error instanceof PostFailure || error instanceof AccountNeedsReauthError) {
    return {
      kind: 'fail',
      failure: { code: error.code, message: error.message, ...details(error) },
    };
  }
  if (error instanceof VideoValidationError) {
    return {
      kind: 'fail',
      failure: {
        code: error.code,
        message: error.message,
        details: { ...error.details } as Prisma.InputJsonObject,
      },
    };
  }
  if (facts.shuttingDown) return { kind: 'requeue' };
  if (error instanceof DeferRequest) return { kind: 'defer', request: error };
  if (isInfrastructureUnavailable(error)) {
    return {
      kind: 'defer',
      request: new DeferRequest(
        facts.infrastructureDelayMs(),
        'infrastructure_unavailable',
        `PostgreSQL or Redis could not be reached (${error instanceof Error ? error.message : String(error)})`,
      ),
    };
  }
  if (error instanceof LeaseLostError || facts.leaseLost) {
    return {
      kind: 'defer',
      request: new DeferRequest(
        facts.busyDelayMs(),
        'lease_lost',
        "the account's upload lock was lost (Redis was slow or away)",
      ),
    };
  }
  if (!isTikTokApiError(error)) return { kind: 'retry' };
  const failure = { code: error.code, message: error.message };
  switch (error.action) {
    case 'wait_rate_limit':
      return {
        kind: 'defer',
        request: new DeferRequest(
          RATE_LIMIT_RETRY_MS + Math.round(Math.random() * RATE_LIMIT_JITTER_MS),
          'tiktok_rate_limit',
          `TikTok answered that a rate limit is spent (${error.code})`,
        ),
      };
    case 'wait_daily_cap':
      if (facts.failOnDailyCap) return { kind: 'fail', failure };
      return {
        kind: 'defer',
        // TikTok did not take the post, so it holds no place in the window while it waits;
        // the next attempt reserves again.
        releaseSlot: true,
        request: new DeferRequest(DAILY_CAP_RETRY_MS, 'tiktok_daily_cap', error.message, {
          status: 'keep',
          detail: {
            code: 'tiktok_daily_cap',
            tiktokCode: error.code,
            message: `${error.description} The post waits and tries again in an hour.`,
          },
        }),
      };
    case 'reauthorize':
      return { kind: 'fail', failure, reauthorize: `TikTok refused it (${error.code})` };
    case 'fix_request':
    case 'give_up':
      return { kind: 'fail', failure };
    default:
      return { kind: 'retry' };
  }
}

function details(error: PostFailure | AccountNeedsReauthError) {
  return error instanceof PostFailure && error.details ? { details: error.details } : {};
}
