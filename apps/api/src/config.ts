import { createHmac } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Config, ConfigError } from '@tiktok-fleet/config';

/** The variables the API reads; `loadConfig(API_CONFIG_KEYS)` asks for nothing else. */
export const API_CONFIG_KEYS = [
  'NODE_ENV',
  'LOG_LEVEL',
  'TIKTOK_CLIENT_KEY',
  'TIKTOK_CLIENT_SECRET',
  'TIKTOK_API_BASE_URL',
  'TIKTOK_AUTH_URL',
  'TIKTOK_SCOPES',
  'BACKEND_URL',
  'PORT',
  'HOST',
  'REDIS_URL',
  'REDIS_PREFIX',
  'REDIS_ALLOW_EVICTION',
  'DATABASE_URL',
  'DATABASE_POOL_SIZE',
  'DATABASE_POOL_TIMEOUT_MS',
  'TOKEN_ENCRYPTION_KEY',
  'TOKEN_DECRYPTION_KEYS',
  'API_KEYS',
  'API_KEY_CACHE_SECONDS',
  'MEDIA_ROOT',
  'MEDIA_MAX_UPLOAD_BYTES',
  'MEDIA_PUBLIC_BASE_URL',
  'MEDIA_PUBLIC_SIGNING_SECRET',
  'MEDIA_PUBLIC_LINK_TTL_SECONDS',
  'OPERATOR_USERNAME',
  'OPERATOR_PASSWORD',
  'BULL_BOARD_READ_ONLY',
  'DAILY_POST_CAP',
  'RESEARCH_DAILY_REQUEST_LIMIT',
  'RESEARCH_DAILY_RECORD_LIMIT',
  'OPERATOR_OWNER_ID',
  'SESSION_SECRET',
  'SESSION_TTL_SECONDS',
  'WEB_DIST_DIR',
  'TRUST_PROXY',
  'URL_SOURCE_ALLOW_PRIVATE',
  'HTTP_HEADERS_TIMEOUT_MS',
  'HTTP_BODY_IDLE_TIMEOUT_MS',
  'HTTP_BODY_MIN_BYTES_PER_SEC',
  'HTTP_BODY_RATE_WINDOW_MS',
  'MEDIA_MAX_OPEN_UPLOADS_PER_KEY',
  'MEDIA_QUOTA_BYTES_PER_OWNER',
  'MEDIA_UPLOAD_TTL_SECONDS',
  'MEDIA_USED_RETENTION_SECONDS',
  'CONNECT_RATE_LIMIT_PER_MINUTE',
  'OAUTH_STATES_MAX_PER_OWNER',
  'OAUTH_STATES_MAX_LIVE',
  'CONNECT_REDIRECT_ORIGINS',
  'POST_BACKLOG_MAX_PER_ACCOUNT',
  'POST_BACKLOG_MAX_PER_OWNER',
  'SCHEDULE_MAX_DAYS_AHEAD',
] as const satisfies readonly (keyof Config)[];

export type ApiConfig = Pick<Config, (typeof API_CONFIG_KEYS)[number]>;

/** TikTok sends the browser back here; it must be registered with the app exactly so. */
export function oauthCallbackUrl(config: Pick<ApiConfig, 'BACKEND_URL'>): string {
  return `${config.BACKEND_URL.replace(/\/+$/, '')}/api/integrations/tiktok/callback`;
}

/** Whether the operator sign-in (the page, Bull Board) is configured at all. */
export function operatorLoginEnabled(
  config: Pick<ApiConfig, 'OPERATOR_USERNAME' | 'OPERATOR_PASSWORD'>,
): boolean {
  return Boolean(config.OPERATOR_USERNAME && config.OPERATOR_PASSWORD);
}

/**
 * The key that signs session cookies. Production with an operator password needs its own
 * SESSION_SECRET; elsewhere one is derived from the token key (HMAC, so the derived value
 * tells nothing about that key), stable across restarts so a restart signs no one out.
 */
export function sessionSecret(
  config: Pick<
    ApiConfig,
    'SESSION_SECRET' | 'NODE_ENV' | 'OPERATOR_PASSWORD' | 'TOKEN_ENCRYPTION_KEY'
  >,
): string {
  if (config.SESSION_SECRET) return config.SESSION_SECRET;
  if (config.NODE_ENV === 'production' && config.OPERATOR_PASSWORD) {
    throw new ConfigError([
      {
        variable: 'SESSION_SECRET',
        expected:
          'missing: required in production when OPERATOR_PASSWORD is set (32+ characters, e.g. openssl rand -base64 32)',
      },
    ]);
  }
  return createHmac('sha256', config.TOKEN_ENCRYPTION_KEY)
    .update('tiktok-fleet session cookie')
    .digest('base64');
}

/** Where the built page is: WEB_DIST_DIR, or apps/web/dist of this repository. */
export function webDistDir(config: Pick<ApiConfig, 'WEB_DIST_DIR'>): string {
  return config.WEB_DIST_DIR
    ? path.resolve(config.WEB_DIST_DIR)
    : fileURLToPath(new URL('../../web/dist', import.meta.url));
}
