import { setTimeout as sleep } from 'node:timers/promises';
import { fleetMetrics } from '@tiktok-fleet/observability';
import {
  concurrencyOf,
  createWorker,
  type FleetProcessor,
  isPostJobQueue,
  QUEUE_NAMES,
  type QueueName,
} from '@tiktok-fleet/queue';
import type { Job, Worker } from 'bullmq';
import { createAnalyticsProcessor } from './analytics/process-analytics';
import { type WorkerContext, type WorkerDeps, workerContext } from './deps';
import { countDeferrals, recordJobMetrics } from './metrics/job-metrics';
import { createNotifyProcessor } from './notify/process-notify';
import { createPrepareProcessor } from './prepare/process-prepare';
import { createPublishProcessor } from './publish/process-publish';
import { createReconcileProcessor, scheduleReconcile } from './reconcile/process-reconcile';
import { reconcilePost } from './reconcile/reconcile-post';
import { createStatusProcessor } from './status/process-status';
import { createTokenRefreshProcessor, scheduleSweep } from './tokens/process-token-refresh';

export interface WorkerFleet {
  readonly workers: Partial<Record<QueueName, AnyWorker>>;
  /** Every worker is taking jobs and none is closing (readiness, liveness). */
  isRunning(): boolean;
  /**
   * Bounded graceful shutdown (docs/architecture.md, Crash rules): stop taking jobs, and tell the
   * running ones to stop at their next safe point (an upload after the chunk in flight), so they go
   * back to the queue resumable without spending an attempt; the others finish. After `graceMs`
   * whatever still runs is cancelled through its AbortSignal. Resolves once the workers are
   * closed (the connections stay open: the caller owns them). `canceled` says whether jobs
   * had to be cut short.
   */
  close(options?: { graceMs?: number }): Promise<{ canceled: boolean }>;
}

export interface StartWorkersOptions {
  /** Which queues this process works (default: all of the catalog). */
  queues?: readonly QueueName[];
  /** Register the job schedulers (token-refresh sweep, reconciler) (default: true). */
  scheduleSweep?: boolean;
}

/** The fleet's workers differ in their job types; here only their common surface matters. */
type AnyWorker = Worker<unknown, unknown, string>;
const anyWorker = (worker: object) => worker as AnyWorker;

/** After the cancel, how long processors get to put their jobs back before we stop waiting. */
const CANCEL_SETTLE_MS = 5_000;

/** What this process does for each queue of the catalog: its processor, and its scheduler. */
type QueueWork = {
  [Q in QueueName]: {
    processor: (ctx: WorkerContext) => FleetProcessor<Q>;
    /** Registers the queue's job scheduler (skipped when `scheduleSweep` is false). */
    schedule?: (ctx: WorkerContext) => Promise<void>;
  };
};

const queueWork: QueueWork = {
  publish: { processor: createPublishProcessor },
  prepare: { processor: createPrepareProcessor },
  status: { processor: createStatusProcessor },
  notify: { processor: createNotifyProcessor },
  'token-refresh': { processor: createTokenRefreshProcessor, schedule: scheduleSweep },
  analytics: { processor: createAnalyticsProcessor },
  reconcile: { processor: createReconcileProcessor, schedule: scheduleReconcile },
};

/**
 * Starts the fleet's BullMQ workers in this process, one per queue of the catalog, each
 * validating its jobs against it. Resolves once they are connected.
 */
export async function startWorkers(
  deps: WorkerDeps,
  options: StartWorkersOptions = {},
): Promise<WorkerFleet> {
  const drain = new AbortController();
  const ctx = workerContext(deps, drain.signal);
  const { settings, logger } = deps;
  const wanted = new Set<QueueName>(options.queues ?? QUEUE_NAMES);
  const all: Partial<Record<QueueName, AnyWorker>> = {};
  const start = <Q extends QueueName>(queue: Q) => {
    const worker = createWorker(queue, countDeferrals(queue, queueWork[queue].processor(ctx)), {
      connection: deps.redis,
      prefix: settings.prefix,
      concurrency: concurrencyOf(queue, settings.concurrency, settings.prepare.concurrency),
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      maxStalledCount: settings.maxStalledCount,
      onError: (error: Error) => logger.error({ err: error, queue }, 'worker error'),
    });
    all[queue] = anyWorker(worker);
  };
  for (const queue of QUEUE_NAMES) if (wanted.has(queue)) start(queue);
  const workers = Object.values(all);
  for (const worker of workers) {
    recordJobMetrics(worker);
    worker.on('failed', (job, error) => {
      logger.warn(
        { queue: worker.name, jobId: job?.id, attemptsMade: job?.attemptsMade, err: error },
        'job failed',
      );
      if (job) handToReconciler(ctx, worker.name as QueueName, job);
    });
    worker.on('stalled', (jobId) => logger.warn({ queue: worker.name, jobId }, 'job stalled'));
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  if (options.scheduleSweep !== false) {
    for (const queue of QUEUE_NAMES) if (wanted.has(queue)) await queueWork[queue].schedule?.(ctx);
  }

  let closing: Promise<{ canceled: boolean }> | undefined;
  const unregisterRunning = fleetMetrics.registerWorkersRunning(settings.prefix, () =>
    workers.map((w) => ({
      labels: { queue: w.name },
      value: !closing && w.isRunning() ? 1 : 0,
    })),
  );
  return {
    workers: all,
    isRunning: () => !closing && workers.every((w) => w.isRunning()),
    close(closeOptions = {}) {
      closing ??= (async () => {
        drain.abort(new Error('shutting down'));
        const closed = Promise.all(workers.map((w) => w.close()));
        const graceMs = closeOptions.graceMs ?? 25_000;
        const inTime = await Promise.race([closed.then(() => true), sleep(graceMs, false)]);
        if (inTime) return { canceled: false };
        logger.warn({ graceMs }, 'shutdown grace period over: cancelling the jobs still running');
        for (const worker of workers) worker.cancelAllJobs('shutdown');
        await Promise.race([closed, sleep(CANCEL_SETTLE_MS)]);
        return { canceled: true };
      })().finally(unregisterRunning);
      return closing;
    },
  };
}

/**
 * A publish or status job that failed for good (BullMQ gave up on a job that kept losing
 * its worker, or the last attempt could not even mark the post failed) leaves its post
 * open: the reconciler looks at it now rather than at its next pass. A job that will be
 * retried is alive, and the reconciler leaves it be.
 */
function handToReconciler(ctx: WorkerContext, queue: QueueName, job: Job): void {
  if (!isPostJobQueue(queue)) return;
  const postId = (job.data as { postId?: unknown }).postId;
  if (typeof postId !== 'string') return;
  reconcilePost(ctx, postId).catch((error: unknown) => {
    ctx.logger.warn({ err: error, postId }, 'could not reconcile the post of a failed job');
  });
}
