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
  'TOKEN_ENCRYPTION_KEY',
  'TOKEN_DECRYPTION_KEYS',
  'API_KEYS',
  'MEDIA_ROOT',
  'MEDIA_MAX_UPLOAD_BYTES',
  'OPERATOR_USERNAME',
  'OPERATOR_PASSWORD',
  'BULL_BOARD_READ_ONLY',
  'DAILY_POST_CAP',
  'OPERATOR_OWNER_ID',
  'SESSION_SECRET',
  'SESSION_TTL_SECONDS',
  'WEB_DIST_DIR',
  'TRUST_PROXY',
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
