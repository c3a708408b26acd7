import type { Logger } from '@tiktok-fleet/observability';
import {
  blockingConnection,
  enqueueAnalytics,
  type FleetQueues,
  type RedisClient,
} from '@tiktok-fleet/queue';
import { QueueEvents } from 'bullmq';

export type RefreshOutcome = 'finished' | 'failed' | 'timeout' | 'queue_unavailable';

/**
 * Asks the worker's `analytics` processor for fresh numbers and waits (bounded) for it.
 * Concurrent readers of one account or post share one job (deduplication), and the wait
 * listens on QueueEvents, which needs a blocking connection of its own: made on first use.
 */
export class AnalyticsWaiter {
  #events: QueueEvents | undefined;
  #connection: RedisClient | undefined;

  constructor(
    private readonly deps: {
      redis: RedisClient;
      queues: FleetQueues;
      logger: Logger;
      config: { REDIS_PREFIX: string };
    },
    readonly options: { waitMs: number; maxAgeMs: number },
  ) {}

  isFresh(capturedAt: Date | null | undefined, now = Date.now()): boolean {
    return capturedAt != null && now - capturedAt.getTime() <= this.options.maxAgeMs;
  }

  async refresh(data: { accountId: string; postId?: string }): Promise<RefreshOutcome> {
    let job: Awaited<ReturnType<typeof enqueueAnalytics>>;
    try {
      job = await enqueueAnalytics(this.deps.queues, data);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not queue an analytics refresh');
      return 'queue_unavailable';
    }
    try {
      await job.waitUntilFinished(this.#queueEvents(), this.options.waitMs);
      return 'finished';
    } catch (error) {
      return /timed out/.test((error as Error).message) ? 'timeout' : 'failed';
    }
  }

  #queueEvents(): QueueEvents {
    if (!this.#events) {
      this.#connection = blockingConnection(this.deps.redis);
      this.#events = new QueueEvents(this.deps.queues.analytics.name, {
        connection: this.#connection,
        prefix: this.deps.config.REDIS_PREFIX,
      });
      this.#events.on('error', (error) =>
        this.deps.logger.warn({ err: error }, 'analytics QueueEvents error'),
      );
    }
    return this.#events;
  }

  async close(): Promise<void> {
    await this.#events?.close();
    this.#connection?.disconnect();
  }
}
