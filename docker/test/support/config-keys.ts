import { type ConfigKey, configSchema } from '@tiktok-fleet/config';

/** Every variable of the fleet's config schema. */
export const allKeys = Object.keys(configSchema.shape) as ConfigKey[];

/**
 * The variables a process cannot start without: no default and not optional, i.e. the schema
 * refuses them unset. Read from the schema itself, so this stays true as the schema changes.
 */
export const requiredKeys = allKeys.filter(
  (key) => !configSchema.shape[key].safeParse(undefined).success,
);

/** Kept out of ConfigMaps and images: credentials, keys, and URLs that may carry a password. */
export const secretKeys: ConfigKey[] = [
  'TIKTOK_CLIENT_SECRET',
  'REDIS_URL',
  'DATABASE_URL',
  'TOKEN_ENCRYPTION_KEY',
  'TOKEN_DECRYPTION_KEYS',
  'CALLBACK_SIGNING_SECRET',
  'API_KEYS',
  'OPERATOR_PASSWORD',
];

/** Unset, as the config loader sees it: absent or empty. */
export const isSet = (env: Record<string, string | undefined>, key: string) =>
  env[key] !== undefined && env[key] !== '';
