import {
  type AccountRepository,
  type AnalyticsRepository,
  createAccountRepository,
  createAnalyticsRepository,
  createPostRepository,
  createPrismaClient,
  type Db,
  type PostRepository,
  parseTokenKeyring,
  TokenCipher,
} from '@tiktok-fleet/db';
import { fleetMetrics, type Logger } from '@tiktok-fleet/observability';
import type { RedisClient } from '@tiktok-fleet/queue';
import {
  closeQueues,
  createQueues,
  type FleetQueues,
  redisConnection,
  SlidingWindowRateLimiter,
} from '@tiktok-fleet/queue';
import { createTikTokClient, type TikTokClient } from '@tiktok-fleet/tiktok';
import { settingsFromConfig, type WorkerConfig, type WorkerSettings } from './settings';

/** What the workers are made of. Tests build it themselves; `main.ts` builds it from the env. */
export interface WorkerDeps {
  db: Db;
  posts: PostRepository;
  accounts: AccountRepository;
  tiktok: TikTokClient;
  /** A `worker` role client: BullMQ workers, queues and the fleet's Redis scripts share it. */
  redis: RedisClient;
  queues: FleetQueues;
  logger: Logger;
  settings: WorkerSettings;
}

/** The shared pieces every processor uses, derived once from the deps. */
export interface WorkerContext extends WorkerDeps {
  /** TikTok's counts of the accounts' videos, as the analytics jobs read them. */
  snapshots: AnalyticsRepository;
  limiter: SlidingWindowRateLimiter;
  /**
   * Aborts when the process starts shutting down: uploads finish the chunk in flight and
   * stop there, and jobs stop at their next checkpoint, to be resumed by another worker.
   */
  draining: AbortSignal;
}

export function workerContext(
  deps: WorkerDeps,
  draining: AbortSignal = new AbortController().signal,
): WorkerContext {
  return {
    ...deps,
    snapshots: createAnalyticsRepository(deps.db),
    limiter: new SlidingWindowRateLimiter(deps.redis, { prefix: deps.settings.prefix }),
    draining,
  };
}

/** Connections and clients from the environment; `close()` ends all of them. */
export function createWorkerDeps(
  config: WorkerConfig,
  logger: Logger,
): WorkerDeps & { close: () => Promise<void> } {
  const settings = settingsFromConfig(config);
  const db = createPrismaClient(config.DATABASE_URL, { poolSize: config.DATABASE_POOL_SIZE });
  const cipher = new TokenCipher(parseTokenKeyring(config));
  const redis = redisConnection(config.REDIS_URL, 'worker');
  redis.on('error', (error) => logger.warn({ err: error }, 'Redis connection error'));
  const queues = createQueues(redis, {
    prefix: settings.prefix,
    onError: (error, queueName) => logger.error({ err: error, queueName }, 'queue error'),
  });
  const tiktok = createTikTokClient({
    clientKey: config.TIKTOK_CLIENT_KEY,
    clientSecret: config.TIKTOK_CLIENT_SECRET,
    apiBaseUrl: config.TIKTOK_API_BASE_URL,
    authUrl: config.TIKTOK_AUTH_URL,
    onCall: fleetMetrics.tiktokCall,
  });
  return {
    db,
    posts: createPostRepository(db),
    accounts: createAccountRepository(db, cipher),
    tiktok,
    redis,
    queues,
    logger,
    settings,
    async close() {
      await closeQueues(queues).catch(() => undefined);
      tiktok.close();
      await redis.quit().catch(() => redis.disconnect());
      await db.$disconnect();
    },
  };
}
