export {
  AccountLock,
  type AccountLockOptions,
  type AccountLockResult,
  AccountRefreshLock,
  AccountUploadLock,
  type HeldLock,
} from './account-lock';
export {
  concurrencyOf,
  type FleetJob,
  type FleetQueue,
  type JobInput,
  type JobName,
  type JobPayload,
  jobCatalog,
  jobSchema,
  QUEUE_NAMES,
  type QueueData,
  type QueueName,
  WORKER_CONCURRENCY,
} from './catalog';
export {
  DEFAULT_PREFIX,
  isRedisUnavailable,
  type RedisRole,
  redisConnection,
  waitForRedis,
} from './connection';
export { type CreateWorkerOptions, createWorker, type FleetProcessor } from './create-worker';
export { busyDeferralDelay, type DeferralBackoff, deferJob, deferralCount } from './defer-job';
export {
  createPostEnqueuer,
  type EnqueuePostInput,
  type EnqueuePostResult,
  type PostEnqueuer,
  type PostEnqueuerDeps,
} from './enqueue-post';
export { DailyCapReachedError } from './errors/daily-cap-reached-error';
export { EnqueuePostError, type EnqueuePostErrorCode } from './errors/enqueue-post-error';
export { InvalidJobPayloadError } from './errors/invalid-job-payload-error';
export { LeaseLostError } from './errors/lease-lost-error';
export {
  NOTIFY_EVENT_OF,
  NOTIFY_EVENTS,
  type NotifyEvent,
  POST_STATUSES,
  type PostStatus,
} from './job-payloads';
export { fleetKey } from './keys';
export {
  type Lease,
  type LeaseAttempt,
  LeaseLock,
  type LeaseLockOptions,
  type LeaseNamespace,
} from './lease-lock';
export { isRealPathInside, type MediaPath, resolveMediaPath } from './media-path';
export {
  OAUTH_STATE_TTL_SEC,
  type OAuthStateData,
  OAuthStateStore,
  type OAuthStateStoreOptions,
  oauthStateDataSchema,
} from './oauth-state';
export {
  CAPTION_MAX_LENGTH,
  type PostRequest,
  type PostRequestInput,
  PRIVACY_LEVELS,
  type PrivacyLevel,
  postRequestSchema,
  type VideoSource,
  videoSourceSchema,
} from './post-request';
export { type PostResource, postResourceSchema, toPostResource } from './post-resource';
export {
  POST_WINDOW_MS,
  PostWindow,
  type PostWindowOptions,
  type Reservation,
  type ReserveRequest,
} from './post-window';
export {
  type CreateQueuesOptions,
  closeQueues,
  createQueues,
  enqueue,
  enqueueAnalytics,
  enqueueNotify,
  enqueuePublish,
  enqueueRefresh,
  enqueueStatus,
  type FleetQueues,
  findPublishJob,
  findStatusJob,
  isPostJobQueue,
  postJobOf,
  scheduleReconcilePasses,
  scheduleRefreshSweep,
} from './queues';
export {
  type RateLimitDecision,
  type RateLimiterOptions,
  SlidingWindowRateLimiter,
  TIKTOK_RATE_LIMITS,
  type TikTokEndpoint,
} from './rate-limiter';
export type { RedisClient } from './scripts';
export {
  formatValidationIssues,
  type ValidationDetail,
  type ValidationErrorBody,
} from './validation-issues';
