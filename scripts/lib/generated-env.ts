// The values `npm start` makes up for a first start and keeps for the next ones: a dotenv
// file under the data directory (gitignored), readable by the person who owns it only.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

const generators = {
  // The TikTok app of the sandbox: tokens in its state file belong to this client key.
  TIKTOK_CLIENT_KEY: () => `sbaw${randomBytes(8).toString('hex')}`,
  TIKTOK_CLIENT_SECRET: () => randomBytes(24).toString('hex'),
  TOKEN_ENCRYPTION_KEY: () => `k1:${randomBytes(32).toString('base64')}`,
  CALLBACK_SIGNING_SECRET: () => randomBytes(24).toString('hex'),
  SESSION_SECRET: () => randomBytes(32).toString('base64url'),
  OPERATOR_USERNAME: () => 'operator',
  OPERATOR_PASSWORD: () => randomBytes(12).toString('base64url'),
  OPERATOR_API_KEY: () => `tfk_${randomBytes(32).toString('base64url')}`,
} as const;

export type GeneratedKey = keyof typeof generators;
export type Generated = Record<GeneratedKey, string>;

/** Reads the file, adds whatever is missing from it (writing it back), and returns all. */
export function loadGenerated(path: string): { values: Generated; created: GeneratedKey[] } {
  const existing = existsSync(path) ? parseEnv(readFileSync(path, 'utf8')) : {};
  const values = {} as Generated;
  const created: GeneratedKey[] = [];
  for (const [key, make] of Object.entries(generators) as Array<[GeneratedKey, () => string]>) {
    const value = existing[key];
    if (value) values[key] = value;
    else {
      values[key] = make();
      created.push(key);
    }
  }
  if (created.length > 0) {
    const lines = [
      '# Made by `npm start` on its first run and read by every start after it. Delete this',
      '# directory to start over with a new login, API key, sandbox and secrets. Values set in',
      '# the environment or in .env are used instead of these.',
      ...Object.entries(values).map(([key, value]) => `${key}=${value}`),
      '',
    ];
    writeFileSync(path, lines.join('\n'), { mode: 0o600 });
    chmodSync(path, 0o600);
  }
  return { values, created };
}
