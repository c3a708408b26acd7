import { type FleetQueues, QUEUE_NAMES } from '@tiktok-fleet/queue';
import { operatorLoginEnabled } from '../config';
import type { ApiContext } from '../context';
import { ApiError } from '../errors';
import { BULL_BOARD_PATH } from '../plugins/bull-board';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;
type Counts = Record<(typeof STATES)[number], number>;

/** Redis answers in milliseconds; past this it is away, and the page must not hang on it. */
const REDIS_DEADLINE_MS = 2_000;

async function withDeadline<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new ApiError(
          503,
          'queue_unavailable',
          `The queues cannot be read: Redis did not answer within ${REDIS_DEADLINE_MS / 1000} s. Try again shortly.`,
          undefined,
          { 'retry-after': '10' },
        ),
      );
    }, REDIS_DEADLINE_MS);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function queueState(queues: FleetQueues) {
  const rows = await Promise.all(
    QUEUE_NAMES.map(async (name) => {
      const [counts, workers] = await Promise.all([
        queues[name].getJobCounts(...STATES),
        // BullMQ names each worker's connection; this counts the connected ones.
        queues[name].getWorkersCount(),
      ]);
      const byState = Object.fromEntries(STATES.map((s) => [s, counts[s] ?? 0])) as Counts;
      return { name, byState, workers };
    }),
  );
  return {
    queues: Object.fromEntries(rows.map((row) => [row.name, row.byState])),
    workers: rows.map((row) => ({ queue: row.name, count: row.workers })),
  };
}

/**
 * GET /v1/fleet: every queue's depth, the workers connected to each, the caller's latest
 * failed posts, and where Bull Board is (null when it is not mounted).
 */
export async function fleetStatus(ctx: ApiContext, ownerId: string) {
  const [state, failures] = await Promise.all([
    withDeadline(queueState(ctx.queues)),
    ctx.posts.recentFailures({ ownerId, limit: 10 }),
  ]);
  return {
    ...state,
    lastFailures: failures.map((post) => ({
      postId: post.id,
      accountId: post.accountId,
      code: post.errorCode,
      message: post.errorMessage,
      at: post.updatedAt.toISOString(),
    })),
    bullBoardUrl: operatorLoginEnabled(ctx.config) ? BULL_BOARD_PATH : null,
  };
}
