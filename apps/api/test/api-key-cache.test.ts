import { createApiKeyRepository } from '@tiktok-fleet/db';
import { describe, expect, test } from 'vitest';
import { OWNER_A, startApi } from './support/harness';

// issue 12: API keys are checked against a short-lived in-process cache, so a request costs
// no PostgreSQL round trip for its key; revoking a key takes effect within
// API_KEY_CACHE_SECONDS (the README's bound), moved here with the API's clock.

let clockOffsetMs = 0;
const api = await startApi({
  env: { API_KEY_CACHE_SECONDS: '5' },
  deps: { now: () => Date.now() + clockOffsetMs },
});
const keys = createApiKeyRepository(api.db);

describe('the API key cache', () => {
  test('a revoked key stops working within API_KEY_CACHE_SECONDS', async () => {
    const { apiKey, plaintext } = await keys.create({ ownerId: OWNER_A, name: 'cached' });
    expect((await api.call('GET', '/v1/posts', { key: plaintext })).status).toBe(200);

    // Revoked by another process (the CLI): this API still trusts what it verified...
    expect(await keys.revoke(apiKey.id)).toBe(true);
    expect((await api.call('GET', '/v1/posts', { key: plaintext })).status).toBe(200);

    // ...for at most the configured 5 s, then the key is refused.
    clockOffsetMs += 5_000;
    const refused = await api.call('GET', '/v1/posts', { key: plaintext });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('unauthorized');
  });

  test('an unknown key is never remembered: a key created a moment later works at once', async () => {
    expect((await api.call('GET', '/v1/posts', { key: 'tfk_unknown' })).status).toBe(401);
    const { plaintext } = await keys.create({ ownerId: OWNER_A, name: 'fresh' });
    expect((await api.call('GET', '/v1/posts', { key: plaintext })).status).toBe(200);
  });
});
