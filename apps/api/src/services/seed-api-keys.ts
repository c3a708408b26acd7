import type { ApiKeyRepository } from '@tiktok-fleet/db';

export class ApiKeysConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(entry: string) {
    // Never echo the key itself: only where in the list the bad entry is.
    super(
      `API_KEYS is invalid: entry ${entry} must be <owner id>:<key> with a key of at least ` +
        '16 characters, e.g. API_KEYS=backend-1:tf_live_change_me_please',
    );
    this.name = 'ApiKeysConfigError';
  }
}

/** `owner:key,owner:key` → pairs; the key may itself contain colons. */
export function parseApiKeys(value: string): Array<{ ownerId: string; plaintext: string }> {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, index) => {
      const colon = entry.indexOf(':');
      const ownerId = entry.slice(0, colon).trim();
      const plaintext = entry.slice(colon + 1).trim();
      if (colon <= 0 || ownerId === '' || plaintext.length < 16) {
        throw new ApiKeysConfigError(`#${index + 1}`);
      }
      return { ownerId, plaintext };
    });
}

/** Stores the configured keys (hashed). Idempotent: a key already stored is left alone. */
export async function seedApiKeys(apiKeys: ApiKeyRepository, value: string): Promise<number> {
  const entries = parseApiKeys(value);
  for (const { ownerId, plaintext } of entries) {
    await apiKeys.importKey({ ownerId, plaintext, name: 'seeded from API_KEYS' });
  }
  return entries.length;
}
