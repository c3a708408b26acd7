import type { z } from 'zod';
import { loadEnvFile } from './env-file';
import { type Config, type ConfigKey, configSchema } from './schema';

/** A missing or malformed environment variable, named, with what is expected. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(readonly problems: Array<{ variable: string; expected: string }>) {
    super(
      problems
        .map(
          (p) =>
            `${p.variable} is ${p.expected.startsWith('missing') ? '' : 'invalid: '}${p.expected}`,
        )
        .join('; '),
    );
    this.name = 'ConfigError';
  }
}

/** Parses the chosen variables; throws a ConfigError that names each bad one. */
export function parseConfig<K extends ConfigKey>(
  keys: readonly K[],
  env: Record<string, string | undefined> = process.env,
): Pick<Config, K> {
  // The process's own environment is completed from `.env` (which never overrides it).
  if (env === process.env) loadEnvFile();
  // zod's pick() cannot be typed over a generic key list; the cast is checked by the return type.
  const mask = Object.fromEntries(keys.map((k) => [k, true])) as Record<ConfigKey, true>;
  const schema = configSchema.pick(mask);
  // An empty string means "not set": that is how compose files and shells usually say it.
  const input = Object.fromEntries(keys.map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const result = schema.safeParse(input);
  if (result.success) return result.data as unknown as Pick<Config, K>;
  throw new ConfigError(
    result.error.issues.map((issue: z.core.$ZodIssue) => {
      const variable = String(issue.path[0]);
      const missing = input[variable] === undefined;
      return { variable, expected: missing ? `missing: ${issue.message}` : issue.message };
    }),
  );
}

/**
 * For a process's start: parses the chosen variables, or prints one line naming what is wrong
 * and exits, so an operator sees the cause instead of a stack trace.
 */
export function loadConfig<K extends ConfigKey>(
  keys: readonly K[],
  env: Record<string, string | undefined> = process.env,
): Pick<Config, K> {
  try {
    return parseConfig(keys, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message} (see .env.example)\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
