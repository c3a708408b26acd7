import {
  closeQueues,
  createQueues,
  QUEUE_NAMES,
  type QueueName,
  redisConnection,
  waitForRedis,
} from '@tiktok-fleet/queue';
import type { Command } from 'commander';
import { contextOf } from '../context';
import { CliError } from '../errors';
import { examples } from '../help-text';
import { operatorConfig, redactUrl } from '../operator-config';
import { formatTable } from '../table';

/** The states an operator watches, in the order a job moves through them. */
export const JOB_STATES = [
  'waiting',
  'delayed',
  'active',
  'completed',
  'failed',
  'paused',
] as const;
export type JobState = (typeof JOB_STATES)[number];
export type QueueCounts = { queue: QueueName; isPaused: boolean } & Record<JobState, number>;

export function formatStats(rows: readonly QueueCounts[]): string {
  return formatTable(
    ['QUEUE', ...JOB_STATES.map((s) => s.toUpperCase())],
    rows.map((row) => [
      row.isPaused ? `${row.queue} (paused)` : row.queue,
      ...JOB_STATES.map((s) => String(row[s])),
    ]),
  );
}

/** Job counts by state for every queue of the catalog, read from Redis directly. */
async function readStats(redisUrl: string, prefix: string): Promise<QueueCounts[]> {
  // No reconnecting: an operator asking for numbers wants "Redis is down" now, not a hang.
  const redis = redisConnection(redisUrl, 'producer', {
    retryStrategy: () => null,
    connectTimeout: 5_000,
  });
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await waitForRedis(redis);
  } catch {
    redis.disconnect();
    const reason = lastError && 'code' in lastError ? ` (${String(lastError.code)})` : '';
    throw new CliError(
      'redis_unreachable',
      `Cannot reach Redis at ${redactUrl(redisUrl)}${reason}: is it running? (set REDIS_URL)`,
    );
  }
  const queues = createQueues(redis, { prefix, onError: () => undefined });
  try {
    return await Promise.all(
      QUEUE_NAMES.map(async (queue) => {
        const [counts, isPaused] = await Promise.all([
          queues[queue].getJobCounts(
            'waiting',
            'prioritized',
            'delayed',
            'active',
            'completed',
            'failed',
          ),
          queues[queue].isPaused(),
        ]);
        // Prioritized jobs are ready to run too, only ordered differently. BullMQ 6 has no
        // paused list: a paused queue keeps its jobs in wait, and they count as paused here.
        const ready = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
        return {
          queue,
          waiting: isPaused ? 0 : ready,
          delayed: counts.delayed ?? 0,
          active: counts.active ?? 0,
          completed: counts.completed ?? 0,
          failed: counts.failed ?? 0,
          paused: isPaused ? ready : 0,
          isPaused,
        };
      }),
    );
  } finally {
    await closeQueues(queues);
    await redis.quit().catch(() => redis.disconnect());
  }
}

export function registerStats(program: Command): void {
  program
    .command('stats')
    .description(
      'Job counts by state for every queue (reads Redis directly: REDIS_URL, REDIS_PREFIX).',
    )
    .addHelpText(
      'after',
      examples(
        'REDIS_URL=redis://127.0.0.1:6379 tiktok-fleet stats',
        'tiktok-fleet stats --json | jq ".queues[] | select(.queue == \\"publish\\")"',
      ),
    )
    .action(async (_options: unknown, command: Command) => {
      const { output } = contextOf(command);
      const { REDIS_URL, REDIS_PREFIX } = operatorConfig(
        ['REDIS_URL', 'REDIS_PREFIX'],
        'stats reads the queues from Redis directly',
      );
      const rows = await readStats(REDIS_URL, REDIS_PREFIX);
      output.result({ prefix: REDIS_PREFIX, queues: rows }, () => formatStats(rows));
    });
}
