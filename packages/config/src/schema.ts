import { z } from 'zod';
import { parseRedisUrl, REDIS_URL_FORMS } from './redis-url';

const url = (protocols: string[], example: string) =>
  z
    .string({ error: `expected a URL such as ${example}` })
    .trim()
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      { error: `expected a ${protocols.join(' or ')} URL such as ${example}` },
    );

const int = (min: number, example: number) =>
  z.coerce
    .number({ error: `expected a whole number such as ${example}` })
    .int({ error: `expected a whole number such as ${example}` })
    .min(min, { error: `expected a whole number of at least ${min}` });

const bool = z
  .enum(['true', 'false', '1', '0'], { error: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1');

/** `<id>:<base64 of 32 bytes>`: an AES-256 key with the id stored beside each ciphertext. */
const encryptionKey = z
  .string({ error: 'expected <key id>:<base64 of 32 random bytes>' })
  .regex(/^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=]+$/, {
    error: 'expected <key id>:<base64 of 32 random bytes>, e.g. k1:$(openssl rand -base64 32)',
  })
  .refine((v) => Buffer.from(v.slice(v.indexOf(':') + 1), 'base64').length === 32, {
    error: 'the key after the colon must be 32 bytes, base64-encoded (openssl rand -base64 32)',
  });

/**
 * Every environment variable of the fleet, in one place. `.env.example` documents each one.
 * Apps pick the subset they need (`loadConfig(['DATABASE_URL', ...])`), so a sandbox process
 * is not asked for a database and a worker is not asked for operator credentials.
 */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'expected one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),

  TIKTOK_CLIENT_KEY: z.string({ error: 'expected the client key of your TikTok app' }).min(1),
  TIKTOK_CLIENT_SECRET: z.string({ error: 'expected the client secret of your TikTok app' }).min(1),
  TIKTOK_API_BASE_URL: url(['https:', 'http:'], 'https://open.tiktokapis.com').default(
    'https://open.tiktokapis.com',
  ),
  TIKTOK_AUTH_URL: url(['https:', 'http:'], 'https://www.tiktok.com/v2/auth/authorize/').default(
    'https://www.tiktok.com/v2/auth/authorize/',
  ),
  TIKTOK_SCOPES: z
    .string()
    .default(
      'user.info.basic,user.info.profile,user.info.stats,video.list,video.upload,video.publish',
    ),

  BACKEND_URL: url(['https:', 'http:'], 'http://localhost:3001').default('http://localhost:3001'),
  PORT: int(1, 3001).max(65535, { error: 'expected a port number up to 65535' }).default(3001),
  HOST: z.string().default('0.0.0.0'),

  REDIS_URL: z
    .string({ error: 'expected a redis: or rediss: URL such as redis://127.0.0.1:6379' })
    .trim()
    .refine(
      (value) => {
        try {
          parseRedisUrl(value);
          return true;
        } catch {
          return false;
        }
      },
      { error: `expected a redis: or rediss: URL: ${REDIS_URL_FORMS}` },
    ),
  /**
   * Start even though Redis may evict keys (maxmemory-policy other than noeviction), with a
   * warning in the log. Eviction silently deletes queued jobs, upload leases and post counters.
   */
  REDIS_ALLOW_EVICTION: bool.default(false),
  REDIS_PREFIX: z
    .string()
    .regex(/^\{[^{}]+\}$/, { error: 'expected a hash tag in braces, such as {tiktok-fleet}' })
    .default('{tiktok-fleet}'),
  DATABASE_URL: url(['postgresql:', 'postgres:'], 'postgresql://user@localhost:5432/tiktok_fleet'),
  DATABASE_POOL_SIZE: int(1, 5).default(5),
  /** A request waits this long for a free pooled connection, then answers 503 database_busy. */
  DATABASE_POOL_TIMEOUT_MS: int(1, 5000).default(5000),

  TOKEN_ENCRYPTION_KEY: encryptionKey,
  TOKEN_DECRYPTION_KEYS: z
    .string()
    .default('')
    .refine(
      (v) => v === '' || v.split(',').every((k) => encryptionKey.safeParse(k.trim()).success),
      {
        error: 'expected a comma-separated list of <key id>:<base64 of 32 bytes>',
      },
    ),

  API_KEYS: z.string().default(''),
  // How long the API trusts a key it verified before asking PostgreSQL again: a revoked key
  // keeps working on an API process for at most this long. 0 checks every request.
  API_KEY_CACHE_SECONDS: int(0, 5).max(300, { error: 'expected at most 300 seconds' }).default(5),
  DAILY_POST_CAP: int(1, 10).default(10),
  // TikTok's Research API quotas per UTC day (1000 requests, 100,000 records), counted by the
  // fleet before each request; lower them to keep room for other clients of the organisation.
  RESEARCH_DAILY_REQUEST_LIMIT: int(1, 1000).default(1000),
  RESEARCH_DAILY_RECORD_LIMIT: int(1, 100000).default(100_000),
  APP_DAILY_ACTIVE_ACCOUNTS: int(0, 1_000_000).default(0),
  MEDIA_ROOT: z.string({ error: 'expected a directory where video files may live' }).min(1),
  MEDIA_MAX_UPLOAD_BYTES: int(1, 4294967296).default(4 * 1024 ** 3),
  URL_SOURCE_MAX_BYTES: int(1, 4294967296).default(4 * 1024 ** 3),
  URL_SOURCE_TIMEOUT_MS: int(1000, 600000).default(10 * 60_000),
  URL_SOURCE_ALLOW_PRIVATE: bool.default(false),
  CALLBACK_SIGNING_SECRET: z.string().min(16, { error: 'expected at least 16 characters' }),
  // Photo posts: TikTok pulls each image from this prefix, which must be verified for the app
  // (the API's own /media/public/, or a CDN in front of it). Unset: photo posts are refused.
  MEDIA_PUBLIC_BASE_URL: url(
    ['https:', 'http:'],
    'https://media.example.com/media/public/',
  ).optional(),
  // The key of the links' HMAC; derived from TOKEN_ENCRYPTION_KEY when unset.
  MEDIA_PUBLIC_SIGNING_SECRET: z
    .string()
    .min(16, { error: 'expected at least 16 characters' })
    .optional(),
  // How long a signed photo link opens its file. TikTok gives a pull one hour.
  MEDIA_PUBLIC_LINK_TTL_SECONDS: int(60, 7200).default(7200),

  WORKER_CONCURRENCY: int(1, 8).default(8),
  WORKER_METRICS_PORT: int(0, 9464).default(9464),
  SHUTDOWN_GRACE_MS: int(0, 25000).default(25_000),
  TOKEN_REFRESH_LEAD_SECONDS: int(60, 1800).default(30 * 60),
  // TikTok's rules allow 5 MiB to 64 MB per chunk (the last may be larger); see chunk-plan.ts.
  UPLOAD_CHUNK_SIZE_BYTES: int(5 * 1024 ** 2, 10 * 1024 ** 2)
    .max(64_000_000, { error: 'expected at most 64000000 (TikTok allows chunks up to 64 MB)' })
    .default(10 * 1024 ** 2),
  // BullMQ's lock on an active job and its stalled check: how soon a crashed worker's job
  // is picked up again by another.
  WORKER_LOCK_DURATION_MS: int(1000, 30000).default(30_000),
  WORKER_STALLED_INTERVAL_MS: int(1000, 30000).default(30_000),
  // How many times a job may lose its worker (crash, frozen event loop) and be run again
  // before BullMQ fails it. Higher lets a job survive more crashes; lower stops a job that
  // kills its worker (a poison video) sooner. The reconciler puts a post whose job BullMQ
  // failed this way back, up to RECONCILE_MAX_RESCUES times.
  WORKER_MAX_STALLED_COUNT: int(0, 2).default(2),
  // How often the reconciler looks for open posts whose job is missing or dead.
  RECONCILE_INTERVAL_MS: int(1000, 30000).default(30_000),
  // Rescues of one post's publish job before the post ends failed with worker_lost.
  RECONCILE_MAX_RESCUES: int(0, 3).default(3),

  // The media preparer (docs/architecture.md, Preparing a video): what a post that does not
  // say `prepare` gets, the transcodes one worker process runs at once (CPU-bound: about one
  // per two cores), and the bounds of one transcode. ffmpeg is Debian's, found on the PATH.
  PREPARE_DEFAULT: z
    .enum(['never', 'auto'], { error: "expected 'never' or 'auto'" })
    .default('never'),
  PREPARE_CONCURRENCY: int(1, 1).max(16, { error: 'expected at most 16' }).default(1),
  PREPARE_TIMEOUT_MS: int(1000, 1800000).default(30 * 60_000),
  PREPARE_MAX_OUTPUT_BYTES: int(1, 4294967296)
    .max(4 * 1024 ** 3, { error: 'expected at most 4294967296 (TikTok takes up to 4 GiB)' })
    .default(4 * 1024 ** 3),
  FFMPEG_PATH: z.string().min(1).default('ffmpeg'),

  OPERATOR_USERNAME: z.string().optional(),
  OPERATOR_PASSWORD: z.string().min(12, { error: 'expected at least 12 characters' }).optional(),
  BULL_BOARD_READ_ONLY: bool.default(false),
  // The integration page's sign-in (apps/api): who the signed-in operator acts as on /v1/*,
  // the key that signs the session cookie, and how long a session lasts.
  OPERATOR_OWNER_ID: z
    .string()
    .trim()
    .min(1)
    .max(128, { error: 'expected an owner id of at most 128 characters' })
    .default('operator'),
  SESSION_SECRET: z
    .string()
    .min(32, { error: 'expected at least 32 characters, e.g. $(openssl rand -base64 32)' })
    .optional(),
  SESSION_TTL_SECONDS: int(60, 28800)
    .max(30 * 24 * 3600, { error: 'expected at most 2592000 (30 days)' })
    .default(8 * 3600),
  // Behind a TLS-terminating proxy or Ingress: believe its X-Forwarded-Proto/-For, so the API
  // knows the browser spoke https (the Secure session cookie is only set then).
  TRUST_PROXY: bool.default(false),
  // The API's limits (README, Limits). Slow bodies: a request must send its headers within
  // HTTP_HEADERS_TIMEOUT_MS, never pause its body longer than HTTP_BODY_IDLE_TIMEOUT_MS, and
  // average HTTP_BODY_MIN_BYTES_PER_SEC over every HTTP_BODY_RATE_WINDOW_MS, else 408. A
  // minimum rate, not a total time, so a multi-GB upload on a good line is never cut off.
  HTTP_HEADERS_TIMEOUT_MS: int(50, 15000).default(15_000),
  HTTP_BODY_IDLE_TIMEOUT_MS: int(50, 30000).default(30_000),
  HTTP_BODY_MIN_BYTES_PER_SEC: int(0, 8192).default(8192),
  HTTP_BODY_RATE_WINDOW_MS: int(50, 30000).default(30_000),
  // Uploads one API key may have open at once (per API process), the storage each owner's
  // uploads may take, how long an upload no post used is kept, and how long a used upload (or
  // a prepared copy) is kept after the last post that uses it turned final.
  MEDIA_MAX_OPEN_UPLOADS_PER_KEY: int(1, 4).default(4),
  MEDIA_QUOTA_BYTES_PER_OWNER: int(1, 21474836480).default(20 * 1024 ** 3),
  MEDIA_UPLOAD_TTL_SECONDS: int(60, 86400).default(24 * 3600),
  MEDIA_USED_RETENTION_SECONDS: int(60, 30 * 86400).default(24 * 3600),
  // Connect flows: starts per minute per API key and per owner, and OAuth states alive at
  // once per owner and in all (Redis runs noeviction: states must not be able to fill it).
  CONNECT_RATE_LIMIT_PER_MINUTE: int(1, 10).default(10),
  OAUTH_STATES_MAX_PER_OWNER: int(1, 50).default(50),
  OAUTH_STATES_MAX_LIVE: int(1, 10000).default(10_000),
  // Origins (scheme://host[:port]) a connect flow may send the browser back to, besides
  // BACKEND_URL's own; comma-separated. Outside development they must be https.
  CONNECT_REDIRECT_ORIGINS: z
    .string()
    .default('')
    .refine(
      (v) =>
        v.trim() === '' ||
        v.split(',').every((origin) => {
          try {
            const url = new URL(origin.trim());
            return (
              /^https?:$/.test(url.protocol) && url.origin === origin.trim().replace(/\/$/, '')
            );
          } catch {
            return false;
          }
        }),
      {
        error: 'expected comma-separated origins such as https://app.example,https://admin.example',
      },
    ),
  // Enqueue limits: open posts (queued to processing) per account and per owner, and how
  // far ahead scheduledAt may be.
  POST_BACKLOG_MAX_PER_ACCOUNT: int(1, 100).default(100),
  POST_BACKLOG_MAX_PER_OWNER: int(1, 1000).default(1000),
  SCHEDULE_MAX_DAYS_AHEAD: int(1, 90).default(90),
  /** The built page (apps/web/dist); the API resolves the default from the repository root. */
  WEB_DIST_DIR: z.string().min(1).optional(),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigKey = keyof Config;
