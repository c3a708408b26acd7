import {
  createAccountRepository,
  createAnalyticsRepository,
  createApiKeyRepository,
  createMediaUploadRepository,
  createPostRepository,
  type Db,
  parseTokenKeyring,
  TokenCipher,
} from '@tiktok-fleet/db';
import type { Logger } from '@tiktok-fleet/observability';
import { createPostEnqueuer } from '@tiktok-fleet/posts';
import type { RedisClient } from '@tiktok-fleet/queue';
import { type FleetQueues, OAuthStateStore, SlidingWindowRateLimiter } from '@tiktok-fleet/queue';
import type { TikTokClient } from '@tiktok-fleet/tiktok';
import type { ApiConfig } from './config';
import { AnalyticsWaiter } from './services/analytics-waiter';
import { ApiKeyCache } from './services/api-key-cache';
import { OpenUploads } from './services/open-uploads';

/** What `buildApi` needs from outside; tests pass their own. */
export interface ApiDeps {
  config: ApiConfig;
  db: Db;
  /** A producer client (`redisConnection(url, 'producer')`): commands fail fast while Redis is down. */
  redis: RedisClient;
  queues: FleetQueues;
  tiktok: TikTokClient;
  logger: Logger;
  /** How long an analytics read waits for fresh numbers. @defaultValue 10000 */
  analyticsWaitMs?: number;
  /** Older snapshots are refreshed before answering. @defaultValue 15 minutes */
  analyticsMaxAgeMs?: number;
  /** The clock sessions expire by (epoch ms); tests move it. @defaultValue Date.now */
  now?: () => number;
}

/** Everything the routes share, built once per API instance. */
export function createContext(deps: ApiDeps) {
  const cipher = new TokenCipher(parseTokenKeyring(deps.config));
  const prefix = deps.config.REDIS_PREFIX;
  return {
    ...deps,
    prefix,
    cipher,
    now: deps.now ?? Date.now,
    accounts: createAccountRepository(deps.db, cipher),
    posts: createPostRepository(deps.db),
    apiKeys: new ApiKeyCache(createApiKeyRepository(deps.db), {
      ttlMs: deps.config.API_KEY_CACHE_SECONDS * 1000,
      now: deps.now,
    }),
    mediaUploads: createMediaUploadRepository(deps.db),
    openUploads: new OpenUploads(deps.config.MEDIA_MAX_OPEN_UPLOADS_PER_KEY),
    limiter: new SlidingWindowRateLimiter(deps.redis, { prefix }),
    snapshots: createAnalyticsRepository(deps.db),
    enqueuer: createPostEnqueuer({
      db: deps.db,
      queues: deps.queues,
      mediaRoot: deps.config.MEDIA_ROOT,
      mediaPublicBaseUrl: deps.config.MEDIA_PUBLIC_BASE_URL,
      limits: {
        backlogPerAccount: deps.config.POST_BACKLOG_MAX_PER_ACCOUNT,
        backlogPerOwner: deps.config.POST_BACKLOG_MAX_PER_OWNER,
        scheduleMaxDaysAhead: deps.config.SCHEDULE_MAX_DAYS_AHEAD,
        allowPrivateCallbacks: deps.config.URL_SOURCE_ALLOW_PRIVATE,
        now: deps.now,
      },
    }),
    oauthStates: new OAuthStateStore(deps.redis, {
      prefix,
      maxLive: deps.config.OAUTH_STATES_MAX_LIVE,
      maxPerOwner: deps.config.OAUTH_STATES_MAX_PER_OWNER,
    }),
    analytics: new AnalyticsWaiter(deps, {
      waitMs: deps.analyticsWaitMs ?? 10_000,
      maxAgeMs: deps.analyticsMaxAgeMs ?? 15 * 60_000,
    }),
  };
}

export type ApiContext = ReturnType<typeof createContext>;
