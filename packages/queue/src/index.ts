// Exported here is only what another package uses; the modules' other names stay inside
// (this package's tests import them from their modules).
export { AccountRefreshLock, AccountUploadLock } from './account-lock';
export {
  concurrencyOf,
  type FleetJob,
  jobCatalog,
  QUEUE_NAMES,
  type QueueName,
} from './catalog';
export {
  blockingConnection,
  isRedisUnavailable,
  redisConnection,
  waitForRedis,
} from './connection';
export { createWorker, type FleetProcessor } from './create-worker';
export { busyDeferralDelay, type DeferralBackoff, deferJob } from './defer-job';
export { DailyCapReachedError } from './errors/daily-cap-reached-error';
export { InvalidJobPayloadError } from './errors/invalid-job-payload-error';
export { LeaseLostError } from './errors/lease-lost-error';
export { RedisEvictionPolicyError } from './errors/redis-eviction-error';
export { checkEvictionPolicy, evictionPolicies } from './eviction-policy';
export { type JobLiveness, jobLiveness } from './job-liveness';
export { fleetKey } from './keys';
export { LeaseLock } from './lease-lock';
export {
  OAUTH_STATE_TTL_SEC,
  type OAuthStateData,
  OAuthStateLimitError,
  OAuthStateStore,
} from './oauth-state';
export { ActiveAccountsWindow, POST_WINDOW_MS, PostWindow } from './post-window';
export {
  closeQueues,
  createQueues,
  enqueue,
  enqueueAnalytics,
  enqueueNotify,
  enqueuePrepare,
  enqueuePublish,
  enqueueRefresh,
  enqueueStatus,
  type FleetQueues,
  findPrepareJob,
  findPublishJob,
  findStatusJob,
  isPostJobQueue,
  postJobOf,
  promoteStatusJob,
  scheduleReconcilePasses,
  scheduleRefreshSweep,
} from './queues';
export {
  SlidingWindowRateLimiter,
  TIKTOK_RATE_LIMITS,
  type TikTokEndpoint,
  tiktokLimiterKey,
} from './rate-limiter';
export {
  type DailyBudgetReservation,
  type DailyBudgetUsage,
  DailyResearchBudget,
} from './research/daily-budget';
export {
  ClientTokenBusyError,
  type IssuedClientToken,
  SharedClientToken,
} from './research/shared-client-token';
export type { RedisClient } from './scripts';
export {
  type RecordedWebhook,
  readWebhookOutcome,
  recordWebhookOutcome,
  WEBHOOK_SEEN_TTL_SEC,
  type WebhookOutcome,
  watchWebhookOutcome,
  webhookSeenKey,
} from './webhook-outcomes';
