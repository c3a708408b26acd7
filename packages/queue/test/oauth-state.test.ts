import { createTestRedisPrefix } from '@tiktok-fleet/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { OAuthStateLimitError, OAuthStateStore } from '../src/oauth-state';
import { connect } from './helpers';

const prefix = createTestRedisPrefix('oauth');
const redis = connect();
afterAll(() => redis.quit());

const states = new OAuthStateStore(redis, { prefix });
const data = { ownerId: 'user_42', redirectTo: 'https://backend.example/done' };

describe('OAuthStateStore', () => {
  test('a state gives back its data exactly once', async () => {
    const state = await states.create(data);
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await states.consume(state)).toEqual(data);
    expect(await states.consume(state)).toBeNull();
  });

  test('two callbacks racing with one state: only one wins', async () => {
    const state = await states.create({ ...data, codeVerifier: 'v'.repeat(64) });
    const clients = Array.from({ length: 5 }, () => connect());
    try {
      const results = await Promise.all(
        clients.map((c) => new OAuthStateStore(c, { prefix }).consume(state)),
      );
      expect(results.filter((r) => r !== null)).toEqual([
        { ...data, codeVerifier: 'v'.repeat(64) },
      ]);
    } finally {
      await Promise.all(clients.map((c) => c.quit()));
    }
  });

  test('an expired state is refused', async () => {
    const state = await states.create(data, 60);
    // Let Redis expire it the way time would.
    await redis.pexpire(`${prefix}:oauth-state:${state}`, 1);
    await expect.poll(() => redis.exists(`${prefix}:oauth-state:${state}`)).toBe(0);
    expect(await states.consume(state)).toBeNull();
  });

  test('unknown and malformed states are refused', async () => {
    expect(await states.consume('A'.repeat(43))).toBeNull();
    expect(await states.consume('')).toBeNull();
    expect(await states.consume('../../etc')).toBeNull();
  });

  test('states are random and expire on their own', async () => {
    const a = await states.create(data, 120);
    const b = await states.create(data, 120);
    expect(a).not.toBe(b);
    const ttl = await redis.ttl(`${prefix}:oauth-state:${a}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(120);
  });

  test('live states are capped per owner and in all; a used state frees its slot', async () => {
    const capped = new OAuthStateStore(redis, {
      prefix: createTestRedisPrefix('oauth-cap'),
      maxPerOwner: 2,
      maxLive: 3,
    });
    const first = await capped.create({ ...data, ownerId: 'owner-1' });
    await capped.create({ ...data, ownerId: 'owner-1' });
    const perOwner = await capped.create({ ...data, ownerId: 'owner-1' }).catch((e) => e);
    expect(perOwner).toBeInstanceOf(OAuthStateLimitError);
    expect(perOwner).toMatchObject({ scope: 'owner', limit: 2 });
    expect(perOwner.retryAfterSec).toBeGreaterThan(0);

    await capped.create({ ...data, ownerId: 'owner-2' });
    const all = await capped.create({ ...data, ownerId: 'owner-3' }).catch((e) => e);
    expect(all).toMatchObject({ scope: 'all', limit: 3 });

    expect(await capped.consume(first)).not.toBeNull();
    await expect(capped.create({ ...data, ownerId: 'owner-1' })).resolves.toMatch(/^[\w-]{43}$/);
  });
});
