import { mkdir } from 'node:fs/promises';
import { loadConfig } from '@tiktok-fleet/config';
import { createApiKeyRepository, createPrismaClient, pingDatabase } from '@tiktok-fleet/db';
import { createLogger, fleetMetrics, startTracing } from '@tiktok-fleet/observability';
import {
  checkEvictionPolicy,
  closeQueues,
  createQueues,
  redisConnection,
  waitForRedis,
} from '@tiktok-fleet/queue';
import { createTikTokClient } from '@tiktok-fleet/tiktok';
import { buildApi } from './build-api';
import { API_CONFIG_KEYS } from './config';
import { seedApiKeys } from './services/seed-api-keys';

/** One line on stderr, no stack: what an operator needs to fix a failed start. */
function fatal(message: string): never {
  process.stderr.write(`tiktok-fleet api: ${message.replace(/\s+/g, ' ').trim()}\n`);
  process.exit(1);
}

/** Prisma wraps a driver's answer in a multi-line invocation report; keep the answer. */
const causeOf = (error: Error) => /Message: `([^`]*)`/.exec(error.message)?.[1] ?? error.message;

const config = loadConfig(API_CONFIG_KEYS);
const logger = createLogger({ name: 'api', level: config.LOG_LEVEL });

async function start() {
  // Before the queues and the HTTP server exist: they pick tracing up when they are made.
  const tracing = await startTracing('tiktok-fleet-api');
  await mkdir(config.MEDIA_ROOT, { recursive: true });
  const db = createPrismaClient(config.DATABASE_URL, {
    poolSize: config.DATABASE_POOL_SIZE,
    poolTimeoutMs: config.DATABASE_POOL_TIMEOUT_MS,
  });
  await pingDatabase(db).catch((error: Error) => {
    throw new Error(`cannot reach PostgreSQL at DATABASE_URL (${causeOf(error)})`);
  });
  const redis = redisConnection(config.REDIS_URL, 'producer');
  redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  const timeout = setTimeout(() => {
    fatal(
      `cannot reach Redis at REDIS_URL within 15 s (${config.REDIS_URL.replace(/\/\/[^@]*@/, '//')})`,
    );
  }, 15_000);
  await waitForRedis(redis);
  clearTimeout(timeout);
  // docs/architecture.md, Redis in production: eviction would silently drop jobs and leases.
  await checkEvictionPolicy(redis, {
    allowEviction: config.REDIS_ALLOW_EVICTION,
    warn: (message) => logger.warn(message),
  });
  const queues = createQueues(redis, {
    prefix: config.REDIS_PREFIX,
    onError: (error, queue) => logger.warn({ err: error, queue }, 'queue error'),
  });
  const tiktok = createTikTokClient({
    clientKey: config.TIKTOK_CLIENT_KEY,
    clientSecret: config.TIKTOK_CLIENT_SECRET,
    apiBaseUrl: config.TIKTOK_API_BASE_URL,
    authUrl: config.TIKTOK_AUTH_URL,
    onCall: fleetMetrics.tiktokCall,
  });
  const seeded = await seedApiKeys(createApiKeyRepository(db), config.API_KEYS);

  const app = await buildApi({ config, db, redis, queues, tiktok, logger });
  await app.listen({ port: config.PORT, host: config.HOST });
  logger.info({ seededApiKeys: seeded }, `API listening on ${config.HOST}:${config.PORT}`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => fatal('shutdown took longer than 10 s; exiting'), 10_000);
    force.unref();
    try {
      await app.close();
      await closeQueues(queues);
      tiktok.close();
      await Promise.allSettled([redis.quit(), db.$disconnect(), tracing.shutdown()]);
    } finally {
      clearTimeout(force);
    }
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));

start().catch((error: Error) => fatal((error as { message?: string }).message ?? String(error)));
