import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';

/** The repository root, where `.env` is looked for (this file is packages/config/src/). */
export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Which dotenv file a process reads: `ENV_FILE` when set, else `<repository>/.env`, except
 * under test runners (NODE_ENV=test or vitest), whose processes must not pick up a developer's
 * own `.env`; a test names its file through ENV_FILE.
 */
export function envFilePath(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.ENV_FILE) return resolve(env.ENV_FILE);
  if (env.NODE_ENV === 'test' || env.VITEST) return null;
  return resolve(repositoryRoot, '.env');
}

/**
 * Copies the variables of a dotenv file into `env`, leaving every variable already set
 * alone: the process environment wins over the file. A missing file is no error (`.env` is
 * optional). Returns the names it set. Parsing is Node's own (`util.parseEnv`).
 */
export function applyEnvFile(path: string, env: NodeJS.ProcessEnv = process.env): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const applied: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] !== undefined || value === undefined) continue;
    env[name] = value;
    applied.push(name);
  }
  return applied;
}

let loaded = false;

/** Reads the process's dotenv file into process.env, once per process. */
export function loadEnvFile(): void {
  if (loaded) return;
  loaded = true;
  const path = envFilePath();
  if (path) applyEnvFile(path);
}
