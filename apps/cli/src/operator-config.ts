import { type Config, ConfigError, type ConfigKey, parseConfig } from '@tiktok-fleet/config';
import { UsageError } from './errors';

/**
 * The variables an operator command reads, through the fleet's one config schema, so the
 * CLI accepts exactly what the API and workers accept. A missing one is a usage error that
 * names it, instead of a failure deep in a driver.
 */
export function operatorConfig<K extends ConfigKey>(
  keys: readonly K[],
  why: string,
): Pick<Config, K> {
  try {
    return parseConfig(keys);
  } catch (error) {
    if (error instanceof ConfigError)
      throw new UsageError(`${error.message} (${why})`, 'config_invalid');
    throw error;
  }
}

/** A connection URL without its password, for messages. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}
