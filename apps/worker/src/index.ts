export {
  type AccountNumbers,
  ANALYTICS_CACHE_TTL_SEC,
  analyticsCacheKey,
  engagementRate,
  type PostNumbers,
} from './analytics/process-analytics';
export { createWorkerDeps, type WorkerContext, type WorkerDeps, workerContext } from './deps';
export { AccountNeedsReauthError } from './errors';
export { type HealthChecks, startHealthServer } from './health-server';
export { SIGNATURE_HEADER, signCallback, verifyCallback } from './notify/sign-callback';
export {
  defaultWorkerSettings,
  settingsFromConfig,
  WORKER_CONFIG_KEYS,
  type WorkerConfig,
  type WorkerSettings,
} from './settings';
export { type StartWorkersOptions, startWorkers, type WorkerFleet } from './start-workers';
export { ensureFreshAccessToken, type FreshTokenOptions } from './tokens/ensure-fresh-token';
export { SWEEP_SCHEDULER_ID } from './tokens/process-token-refresh';
