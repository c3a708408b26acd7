// The worker process: every queue's worker, a health server, and a bounded graceful
// shutdown on SIGTERM (docs/architecture.md, Crash rules).
// `pnpm --filter @tiktok-fleet/worker start`.
import { loadConfig } from '@tiktok-fleet/config';
import { pingDatabase } from '@tiktok-fleet/db';
import {
  collectProcessMetrics,
  createLogger,
  fleetMetrics,
  startTracing,
} from '@tiktok-fleet/observability';
import { checkEvictionPolicy, waitForRedis } from '@tiktok-fleet/queue';
import { createWorkerDeps } from './deps';
import { startHealthServer } from './health-server';
import { WORKER_CONFIG_KEYS } from './settings';
import { startWorkers } from './start-workers';

const config = loadConfig(WORKER_CONFIG_KEYS);
const logger = createLogger({ name: 'worker', level: config.LOG_LEVEL });

process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, 'uncaught exception; exiting');
  process.exit(1);
});

/** A check that answers within `ms`: the worker's Redis client waits forever by design. */
function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

collectProcessMetrics({ app: 'worker' });
// Before the workers and queues exist: they pick tracing up when they are made.
const tracing = await startTracing('tiktok-fleet-worker');
const deps = createWorkerDeps(config, logger);
// docs/architecture.md, Redis in production: eviction would silently drop jobs and leases.
try {
  await waitForRedis(deps.redis);
  await checkEvictionPolicy(deps.redis, {
    allowEviction: config.REDIS_ALLOW_EVICTION,
    warn: (message) => logger.warn(message),
  });
} catch (error) {
  process.stderr.write(`tiktok-fleet worker: ${(error as Error).message}\n`);
  process.exit(1);
}
const fleet = await startWorkers(deps);
// A client that knows it is disconnected answers at once (a scrape must not wait out the
// deadline while Redis is away); a connected one must answer a PING.
const probeRedis = async () => {
  if (deps.redis.status !== 'ready')
    throw new Error(`Redis is not connected (${deps.redis.status})`);
  await within(2_000, 'Redis', deps.redis.ping());
};
const probePostgres = () => within(2_000, 'PostgreSQL', pingDatabase(deps.db));
fleetMetrics.registerDependencyUp('worker', async () => {
  const up = (probe: () => Promise<unknown>) =>
    probe().then(
      () => 1,
      () => 0,
    );
  const [redis, postgres] = await Promise.all([up(probeRedis), up(probePostgres)]);
  return [
    { labels: { dependency: 'redis' }, value: redis },
    { labels: { dependency: 'postgres' }, value: postgres },
  ];
});
const health = await startHealthServer(config.WORKER_METRICS_PORT, {
  live: () => fleet.isRunning(),
  ready: async () => {
    await probeRedis();
    await probePostgres();
    if (!fleet.isRunning()) throw new Error('the workers are not running');
  },
});
logger.info({ port: health.port, concurrency: config.WORKER_CONCURRENCY }, 'worker started');

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS }, 'shutting down');
  // Should a processor ignore its abort signal, still leave: its job comes back as stalled.
  setTimeout(() => {
    logger.error('shutdown did not finish in time; exiting anyway');
    process.exit(1);
  }, config.SHUTDOWN_GRACE_MS + 15_000).unref();
  const { canceled } = await fleet.close({ graceMs: config.SHUTDOWN_GRACE_MS });
  await health.close();
  await deps.close();
  await tracing.shutdown().catch(() => undefined);
  logger.info({ canceled }, 'worker stopped');
  logger.flush();
  process.exit(0);
}
// `on`, not `once`: a second signal (tsx and a process manager may both pass one on) must
// not fall through to Node's default, which would kill the process mid-shutdown.
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
