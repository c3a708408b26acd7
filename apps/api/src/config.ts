import type { Config } from '@tiktok-fleet/config';

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
] as const satisfies readonly (keyof Config)[];

export type ApiConfig = Pick<Config, (typeof API_CONFIG_KEYS)[number]>;

/** TikTok sends the browser back here; it must be registered with the app exactly so. */
export function oauthCallbackUrl(config: Pick<ApiConfig, 'BACKEND_URL'>): string {
  return `${config.BACKEND_URL.replace(/\/+$/, '')}/api/integrations/tiktok/callback`;
}
