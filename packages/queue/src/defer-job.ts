import { DelayedError, type Job } from 'bullmq';

export interface DeferralBackoff {
  /** Delay of the first deferral. @defaultValue 5000 */
  baseMs?: number;
  /** Longest delay, whatever the count. @defaultValue 300000 (5 minutes) */
  maxMs?: number;
  /** Share of the delay that is random (0..1), so deferred jobs do not wake together. @defaultValue 0.5 */
  jitter?: number;
}

/**
 * How many times this job has been put back without failing: every start counts in
 * `attemptsStarted`, real failures also in `attemptsMade`, and the current start is one of
 * them. (A stalled restart counts too; that only makes the next wait a little longer.)
 */
export function deferralCount(job: Pick<Job, 'attemptsStarted' | 'attemptsMade'>): number {
  return Math.max(0, job.attemptsStarted - job.attemptsMade - 1);
}

/**
 * Exponential delay with jitter for a job whose account is busy: base·2^deferrals, capped,
 * then a random share taken off so that jobs deferred together spread out.
 */
export function busyDeferralDelay(
  job: Pick<Job, 'attemptsStarted' | 'attemptsMade'>,
  backoff: DeferralBackoff = {},
  random: () => number = Math.random,
): number {
  const { baseMs = 5_000, maxMs = 300_000, jitter = 0.5 } = backoff;
  const exponent = Math.min(deferralCount(job), 30);
  const delay = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.round(delay * (1 - jitter * random()));
}

/**
 * Puts the job back in `delayed` for `delayMs` without spending an attempt, and ends the
 * processor. Call it with the processor's token and let it throw: BullMQ needs the
 * DelayedError to know the job was moved, or it will try to complete it ("Missing lock").
 *
 * Leave the worker's `maxStartedAttempts` unset: it counts deferrals too.
 */
export async function deferJob(
  job: Job,
  token: string | undefined,
  delayMs: number,
): Promise<never> {
  if (!token) throw new Error('deferJob needs the token the processor received.');
  await job.moveToDelayed(Date.now() + Math.max(0, delayMs), token);
  throw new DelayedError();
}
