export { applyEnvFile, envFilePath, loadEnvFile, repositoryRoot } from './env-file';
export { ConfigError, loadConfig, parseConfig } from './load-config';
export { parseRedisUrl, REDIS_URL_FORMS, type RedisTarget } from './redis-url';
export { type Config, type ConfigKey, configSchema } from './schema';
