import {
  collectProcessMetrics,
  fleetMetrics,
  QUEUE_DEPTH_STATES,
  type QueueDepthState,
  renderMetrics,
} from '@tiktok-fleet/observability';
import { type FleetQueues, QUEUE_NAMES } from '@tiktok-fleet/queue';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context';
import { ApiError } from '../errors';
import { readinessProbes } from '../routes/health';

type DepthCounts = Record<QueueDepthState, number>;

/** Redis answers a count in milliseconds; past this it is away, and a scrape must not hang. */
const COUNT_TIMEOUT_MS = 2_000;

/**
 * Jobs per state of every queue of the catalog, in one round trip per queue. BullMQ waits
 * for a connection that is not ready yet however long it takes, hence the deadline.
 */
async function queueCounts(queues: FleetQueues): Promise<Record<string, DepthCounts>> {
  return withinDeadline(readCounts(queues));
}

/** Rejects once COUNT_TIMEOUT_MS passes: a scrape answers without what cannot be read. */
async function withinDeadline<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${COUNT_TIMEOUT_MS} ms`)),
      COUNT_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Seconds the oldest waiting job of each queue has been due (0 when none waits). */
async function oldestWaiting(queues: FleetQueues, now = Date.now()) {
  return Promise.all(
    QUEUE_NAMES.map(async (queue) => {
      // BullMQ pushes new jobs at the head of the wait list: the oldest is its tail.
      const [job] = await queues[queue].getJobs(['wait'], 0, 0, true);
      const due = job ? job.timestamp + (job.delay ?? 0) : now;
      return { labels: { queue }, value: Math.max(0, (now - due) / 1000) };
    }),
  );
}

async function readCounts(queues: FleetQueues): Promise<Record<string, DepthCounts>> {
  const entries = await Promise.all(
    QUEUE_NAMES.map(async (name) => {
      const counts = await queues[name].getJobCounts(...QUEUE_DEPTH_STATES);
      const byState = Object.fromEntries(
        QUEUE_DEPTH_STATES.map((state) => [state, counts[state] ?? 0]),
      ) as DepthCounts;
      return [name, byState] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * `/metrics` (Prometheus text: the fleet's metrics, queue depth read from Redis at scrape
 * time, and the process metrics) and `/internal/queue-backlog` (the KEDA metrics-api
 * scaler's input). Both are for in-cluster callers: keep them off the public Ingress.
 *
 * The API is the one place queue depth is read, since every worker pod asking
 * Redis for it at each scrape would multiply the load by the fleet's size.
 */
export async function metricsRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }) {
  const { queues, prefix: redisPrefix } = ctx;
  collectProcessMetrics({ app: 'api' });
  // Read at scrape time, by the API only: one reader of Redis and PostgreSQL per scrape.
  // Two gauges come from one query of the open posts: a scrape collects them together, so
  // they share the query in flight.
  let ages: ReturnType<typeof ctx.posts.openStatusAges> | undefined;
  const openStatusAges = () => {
    ages ??= withinDeadline(ctx.posts.openStatusAges()).finally(() => {
      ages = undefined;
    });
    return ages;
  };
  const unregister = [
    fleetMetrics.registerQueueDepth(redisPrefix, () => queueCounts(queues)),
    fleetMetrics.registerOldestWaiting(redisPrefix, () => withinDeadline(oldestWaiting(queues))),
    fleetMetrics.registerOpenPosts(redisPrefix, async () =>
      (await openStatusAges()).map((r) => ({
        labels: { status: r.status },
        value: r.count,
      })),
    ),
    fleetMetrics.registerOldestInStatus(redisPrefix, async () =>
      (await openStatusAges()).map((r) => ({
        labels: { status: r.status },
        value: r.oldestSeconds,
      })),
    ),
    fleetMetrics.registerAccounts(redisPrefix, async () =>
      Object.entries(await withinDeadline(ctx.accounts.countByStatus())).map(([status, count]) => ({
        labels: { status },
        value: count ?? 0,
      })),
    ),
    fleetMetrics.registerDependencyUp(redisPrefix, async () =>
      (await readinessProbes(ctx)).map((c) => ({
        labels: { dependency: c.name },
        value: c.ok ? 1 : 0,
      })),
    ),
  ];
  app.addHook('onClose', async () => {
    for (const off of unregister) off();
  });
  // Scrapes and KEDA polls come every few seconds: log their requests only when they fail,
  // and never louder than the API's own level.
  const quieter = ['error', 'fatal', 'silent'] as const;
  const logLevel = quieter.find((level) => level === app.log.level) ?? 'warn';

  app.get('/metrics', { schema: { hide: true }, logLevel }, async (_request, reply) => {
    const { contentType, body } = await renderMetrics();
    return reply.header('cache-control', 'no-store').type(contentType).send(body);
  });

  // `{ "<queue>": { waiting, delayed, active, prioritized, backlog } }`, backlog = waiting +
  // prioritized + active: work that more pods could take or are doing. Delayed jobs
  // (scheduled posts, deferrals, retry backoffs) are not, so they do not scale the fleet.
  app.get(
    '/internal/queue-backlog',
    { schema: { hide: true }, logLevel },
    async (_request, reply) => {
      let counts: Record<string, DepthCounts>;
      try {
        counts = await queueCounts(queues);
      } catch (error) {
        throw new ApiError(
          503,
          'queue_unavailable',
          `The queue backlog cannot be read: Redis does not answer (${(error as Error).message}). KEDA keeps its fallback replica count meanwhile.`,
        );
      }
      const body = Object.fromEntries(
        Object.entries(counts).map(([queue, c]) => [
          queue,
          {
            waiting: c.waiting,
            delayed: c.delayed,
            active: c.active,
            prioritized: c.prioritized,
            backlog: c.waiting + c.prioritized + c.active,
          },
        ]),
      );
      return reply.header('cache-control', 'no-store').send(body);
    },
  );
}
