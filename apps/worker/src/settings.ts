import type { Config } from '@tiktok-fleet/config';
import { mediaLinkSecret } from '@tiktok-fleet/media';
import { type DeferralBackoff, TIKTOK_RATE_LIMITS, type TikTokEndpoint } from '@tiktok-fleet/queue';
import { DEFAULT_CHUNK_SIZE } from '@tiktok-fleet/tiktok';

/** The environment variables a worker process reads (see .env.example). */
export const WORKER_CONFIG_KEYS = [
  'NODE_ENV',
  'LOG_LEVEL',
  'TIKTOK_CLIENT_KEY',
  'TIKTOK_CLIENT_SECRET',
  'TIKTOK_API_BASE_URL',
  'TIKTOK_AUTH_URL',
  'REDIS_URL',
  'REDIS_PREFIX',
  'REDIS_ALLOW_EVICTION',
  'DATABASE_URL',
  'DATABASE_POOL_SIZE',
  'TOKEN_ENCRYPTION_KEY',
  'TOKEN_DECRYPTION_KEYS',
  'DAILY_POST_CAP',
  'APP_DAILY_ACTIVE_ACCOUNTS',
  'MEDIA_ROOT',
  'URL_SOURCE_MAX_BYTES',
  'URL_SOURCE_TIMEOUT_MS',
  'URL_SOURCE_ALLOW_PRIVATE',
  'MEDIA_PUBLIC_BASE_URL',
  'MEDIA_PUBLIC_SIGNING_SECRET',
  'MEDIA_PUBLIC_LINK_TTL_SECONDS',
  'CALLBACK_SIGNING_SECRET',
  'WORKER_CONCURRENCY',
  'WORKER_METRICS_PORT',
  'SHUTDOWN_GRACE_MS',
  'TOKEN_REFRESH_LEAD_SECONDS',
  'UPLOAD_CHUNK_SIZE_BYTES',
  'WORKER_LOCK_DURATION_MS',
  'WORKER_STALLED_INTERVAL_MS',
  'WORKER_MAX_STALLED_COUNT',
  'RECONCILE_INTERVAL_MS',
  'RECONCILE_MAX_RESCUES',
  'PREPARE_DEFAULT',
  'PREPARE_CONCURRENCY',
  'PREPARE_TIMEOUT_MS',
  'PREPARE_MAX_OUTPUT_BYTES',
  'FFMPEG_PATH',
] as const satisfies readonly (keyof Config)[];

export type WorkerConfig = Pick<Config, (typeof WORKER_CONFIG_KEYS)[number]>;

export type RateLimits = Record<TikTokEndpoint, { limit: number; windowMs: number }>;

/** Everything the processors need to know that is not a connection. */
export interface WorkerSettings {
  /** Redis key prefix of the fleet (a hash tag). */
  prefix: string;
  /** Posts per account in any rolling 24 h. */
  dailyPostCap: number;
  /** Distinct accounts posting through the app in any rolling 24 h; 0 = no cap. */
  appDailyActiveAccounts: number;
  /** The only directory `path` sources may point into; downloads land in `.downloads/`. */
  mediaRoot: string;
  urlSource: { maxBytes: number; timeoutMs: number; allowPrivate: boolean };
  callbackSigningSecret: string;
  /** Jobs per queue this process runs at once, for the queues the catalog leaves to it. */
  concurrency: number;
  /** The token-refresh sweep refreshes tokens that expire within this many seconds. */
  tokenRefreshLeadSec: number;
  /** The publish and status paths refresh a token that expires within this many seconds. */
  onDemandRefreshLeadSec: number;
  /** Preferred chunk size; the plan follows TikTok's rules whatever is asked. */
  chunkSize: number;
  /** BullMQ's job lock and stalled check (ms). */
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** Times a job may lose its worker and run again before BullMQ fails it (see .env.example). */
  maxStalledCount: number;
  /** The reconciler: how often it passes, how often one post is rescued, and whom it skips. */
  reconcile: {
    everyMs: number;
    maxRescues: number;
    /** Posts that moved within this are left to their job, which is surely on its way. */
    graceMs: number;
  };
  /** How long an account's upload lease lives without a renewal (ms). */
  uploadLockTtlMs: number;
  /** TikTok's per-minute limits per account, counted before each call. */
  rateLimits: RateLimits;
  /** A publish whose account is busy comes back after this (doubling), unless woken first. */
  busyBackoff: DeferralBackoff;
  /** Status polls: the first after `firstDelayMs`, then doubling up to `maxDelayMs`. */
  statusPoll: {
    firstDelayMs: number;
    maxDelayMs: number;
    /** After PUBLISH_COMPLETE, how long to keep asking for a public post id. */
    postIdWaitMs: number;
    /** Poll interval while waiting for the post id. */
    postIdPollMs: number;
  };
  /** How often the token-refresh sweep runs. */
  sweepEveryMs: number;
  /**
   * Where TikTok pulls photos from (MEDIA_PUBLIC_BASE_URL), the links' key and lifetime.
   * Absent: photo posts fail with photo_hosting_not_configured.
   */
  mediaPublic?: { baseUrl: string; secret: string; ttlSec: number } | undefined;
  /** The media preparer: the fleet's default mode, its slots and one transcode's bounds. */
  prepare: {
    defaultMode: 'never' | 'auto';
    concurrency: number;
    timeoutMs: number;
    maxOutputBytes: number;
    ffmpegPath: string;
  };
}

export const defaultWorkerSettings = {
  prefix: '{tiktok-fleet}',
  dailyPostCap: 10,
  appDailyActiveAccounts: 0,
  urlSource: { maxBytes: 4 * 1024 ** 3, timeoutMs: 10 * 60_000, allowPrivate: false },
  concurrency: 8,
  tokenRefreshLeadSec: 30 * 60,
  onDemandRefreshLeadSec: 5 * 60,
  chunkSize: DEFAULT_CHUNK_SIZE,
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  maxStalledCount: 2,
  reconcile: { everyMs: 30_000, maxRescues: 3, graceMs: 10_000 },
  uploadLockTtlMs: 60_000,
  rateLimits: TIKTOK_RATE_LIMITS,
  busyBackoff: { baseMs: 5_000, maxMs: 5 * 60_000, jitter: 0.5 },
  statusPoll: {
    firstDelayMs: 5_000,
    maxDelayMs: 60_000,
    postIdWaitMs: 30 * 60_000,
    postIdPollMs: 60_000,
  },
  sweepEveryMs: 5 * 60_000,
  prepare: {
    defaultMode: 'never',
    concurrency: 1,
    timeoutMs: 30 * 60_000,
    maxOutputBytes: 4 * 1024 ** 3,
    ffmpegPath: 'ffmpeg',
  },
} satisfies Omit<WorkerSettings, 'mediaRoot' | 'callbackSigningSecret'>;

/** Settings from the environment, defaults for what has no variable. */
export function settingsFromConfig(config: WorkerConfig): WorkerSettings {
  return {
    ...defaultWorkerSettings,
    prefix: config.REDIS_PREFIX,
    dailyPostCap: config.DAILY_POST_CAP,
    appDailyActiveAccounts: config.APP_DAILY_ACTIVE_ACCOUNTS,
    mediaRoot: config.MEDIA_ROOT,
    urlSource: {
      maxBytes: config.URL_SOURCE_MAX_BYTES,
      timeoutMs: config.URL_SOURCE_TIMEOUT_MS,
      allowPrivate: config.URL_SOURCE_ALLOW_PRIVATE,
    },
    callbackSigningSecret: config.CALLBACK_SIGNING_SECRET,
    concurrency: config.WORKER_CONCURRENCY,
    tokenRefreshLeadSec: config.TOKEN_REFRESH_LEAD_SECONDS,
    chunkSize: config.UPLOAD_CHUNK_SIZE_BYTES,
    lockDurationMs: config.WORKER_LOCK_DURATION_MS,
    stalledIntervalMs: config.WORKER_STALLED_INTERVAL_MS,
    maxStalledCount: config.WORKER_MAX_STALLED_COUNT,
    reconcile: {
      ...defaultWorkerSettings.reconcile,
      everyMs: config.RECONCILE_INTERVAL_MS,
      maxRescues: config.RECONCILE_MAX_RESCUES,
    },
    mediaPublic: config.MEDIA_PUBLIC_BASE_URL
      ? {
          baseUrl: config.MEDIA_PUBLIC_BASE_URL,
          secret: mediaLinkSecret(config),
          ttlSec: config.MEDIA_PUBLIC_LINK_TTL_SECONDS,
        }
      : undefined,
    prepare: {
      defaultMode: config.PREPARE_DEFAULT,
      concurrency: config.PREPARE_CONCURRENCY,
      timeoutMs: config.PREPARE_TIMEOUT_MS,
      maxOutputBytes: config.PREPARE_MAX_OUTPUT_BYTES,
      ffmpegPath: config.FFMPEG_PATH,
    },
  };
}
