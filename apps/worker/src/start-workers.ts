import { setTimeout as sleep } from 'node:timers/promises';
import { createWorker, type FleetProcessor, type QueueName } from '@tiktok-fleet/queue';
import type { Worker } from 'bullmq';
import { createAnalyticsProcessor } from './analytics/process-analytics';
import { type WorkerDeps, workerContext } from './deps';
import { countDeferrals, recordJobMetrics } from './metrics/job-metrics';
import { createNotifyProcessor } from './notify/process-notify';
import { createPublishProcessor } from './publish/process-publish';
import { createStatusProcessor } from './status/process-status';
import { createTokenRefreshProcessor, scheduleSweep } from './tokens/process-token-refresh';

export interface WorkerFleet {
  readonly workers: Partial<Record<QueueName, AnyWorker>>;
  /** Every worker is taking jobs and none is closing (readiness, liveness). */
  isRunning(): boolean;
  /**
   * Bounded graceful shutdown (bullmq-ops §6.3): stop taking jobs and let the active ones
   * finish for up to `graceMs`; then cancel them through their AbortSignal, so an upload
   * stops between chunks, stays resumable and goes back to the queue without spending an
   * attempt. Resolves once the workers are closed (the connections stay open: the caller
   * owns them). `canceled` says whether jobs had to be cut short.
   */
  close(options?: { graceMs?: number }): Promise<{ canceled: boolean }>;
}

export interface StartWorkersOptions {
  /** Which queues this process works (default: all). */
  queues?: readonly QueueName[];
  /** Register the token-refresh sweep's job scheduler (default: true). */
  scheduleSweep?: boolean;
}

/** The fleet's workers differ in their job types; here only their common surface matters. */
type AnyWorker = Worker<unknown, unknown, string>;
const anyWorker = (worker: object) => worker as AnyWorker;

/** After the cancel, how long processors get to put their jobs back before we stop waiting. */
const CANCEL_SETTLE_MS = 5_000;

/**
 * Starts the fleet's BullMQ workers in this process: publish, status, notify, token-refresh
 * and analytics, each validating its jobs against the catalog. Resolves once they are
 * connected.
 */
export async function startWorkers(
  deps: WorkerDeps,
  options: StartWorkersOptions = {},
): Promise<WorkerFleet> {
  const ctx = workerContext(deps);
  const { settings, logger } = deps;
  const common = (queue: QueueName, concurrency: number) => ({
    connection: deps.redis,
    prefix: settings.prefix,
    concurrency,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    onError: (error: Error) => logger.error({ err: error, queue }, 'worker error'),
  });
  const wanted = new Set<QueueName>(
    options.queues ?? ['publish', 'status', 'notify', 'token-refresh', 'analytics'],
  );
  const all: Partial<Record<QueueName, AnyWorker>> = {};
  // Token refreshes and analytics are light and rate-limited by TikTok: two at a time is plenty.
  const start = <Q extends QueueName>(
    queue: Q,
    processor: () => FleetProcessor<Q>,
    concurrency = settings.concurrency,
  ) => {
    if (!wanted.has(queue)) return;
    const worker = createWorker(
      queue,
      countDeferrals(queue, processor()),
      common(queue, concurrency),
    );
    all[queue] = anyWorker(worker);
  };
  start('publish', () => createPublishProcessor(ctx));
  start('status', () => createStatusProcessor(ctx));
  start('notify', () => createNotifyProcessor(ctx));
  start('token-refresh', () => createTokenRefreshProcessor(ctx), 2);
  start('analytics', () => createAnalyticsProcessor(ctx), 2);
  const workers = Object.values(all);
  for (const worker of workers) {
    recordJobMetrics(worker);
    worker.on('failed', (job, error) => {
      logger.warn(
        { queue: worker.name, jobId: job?.id, attemptsMade: job?.attemptsMade, err: error },
        'job failed',
      );
    });
    worker.on('stalled', (jobId) => logger.warn({ queue: worker.name, jobId }, 'job stalled'));
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  if (wanted.has('token-refresh') && options.scheduleSweep !== false) await scheduleSweep(ctx);

  let closing: Promise<{ canceled: boolean }> | undefined;
  return {
    workers: all,
    isRunning: () => !closing && workers.every((w) => w.isRunning()),
    close(closeOptions = {}) {
      closing ??= (async () => {
        const closed = Promise.all(workers.map((w) => w.close()));
        const graceMs = closeOptions.graceMs ?? 25_000;
        const inTime = await Promise.race([closed.then(() => true), sleep(graceMs, false)]);
        if (inTime) return { canceled: false };
        logger.warn({ graceMs }, 'shutdown grace period over: cancelling the jobs still running');
        for (const worker of workers) worker.cancelAllJobs('shutdown');
        await Promise.race([closed, sleep(CANCEL_SETTLE_MS)]);
        return { canceled: true };
      })();
      return closing;
    },
  };
}
