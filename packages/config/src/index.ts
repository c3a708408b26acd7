export { applyEnvFile, envFilePath, loadEnvFile, repositoryRoot } from './env-file';
export { ConfigError, loadConfig, parseConfig } from './load-config';
export { type Config, type ConfigKey, configSchema } from './schema';
