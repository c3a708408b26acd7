import { isDatabaseUnavailable } from '@tiktok-fleet/db';
import { busyDeferralDelay, isRedisUnavailable } from '@tiktok-fleet/queue';
import type { Job } from 'bullmq';

/**
 * PostgreSQL or Redis could not be reached (a restart, a cut connection, a full pool).
 * Nobody's mistake and it passes by itself: the job waits and tries again without
 * spending an attempt, however long the outage (the reconciler picks up what a long one
 * drops).
 */
export const isInfrastructureUnavailable = (error: unknown) =>
  isDatabaseUnavailable(error) || isRedisUnavailable(error);

/** How long a job waits for PostgreSQL or Redis: 2 s, doubling per wait, at most 30 s. */
export const infrastructureDelay = (job: Pick<Job, 'attemptsStarted' | 'attemptsMade'>) =>
  busyDeferralDelay(job, { baseMs: 2_000, maxMs: 30_000, jitter: 0.5 });
