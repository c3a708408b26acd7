import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApiKeyRepository } from '../src/api-keys';
import { testDb, unique } from './helpers';

const db = await testDb();
const keys = createApiKeyRepository(db);

describe('api key repository', () => {
  it('shows a new key once and stores only its hash', async () => {
    const ownerId = unique('owner');
    const { apiKey, plaintext } = await keys.create({ ownerId, name: 'backend' });
    expect(plaintext).toMatch(/^tfk_[A-Za-z0-9_-]{43}$/);
    expect(apiKey.id).toMatch(/^key_/);
    expect(apiKey.prefix).toBe(plaintext.slice(0, 12));
    expect(apiKey).not.toHaveProperty('hashedKey');

    const row = await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(row.hashedKey).toBe(createHash('sha256').update(plaintext).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(plaintext);
    expect(await keys.list(ownerId)).toEqual([
      expect.not.objectContaining({ hashedKey: expect.anything() }),
    ]);
  });

  it('accepts a live key, notes when it was used, and refuses unknown ones', async () => {
    const { apiKey, plaintext } = await keys.create({ ownerId: unique('owner'), name: 'ci' });
    const verified = await keys.verify(plaintext);
    expect(verified).toMatchObject({ id: apiKey.id, ownerId: apiKey.ownerId });
    expect(verified?.lastUsedAt).toBeInstanceOf(Date);
    const row = await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(row.lastUsedAt).toEqual(verified?.lastUsedAt);

    expect(await keys.verify(`${plaintext}x`)).toBeNull();
    expect(await keys.verify('')).toBeNull();
  });

  it('refuses a key as soon as it is revoked, and only its owner may revoke it', async () => {
    const ownerId = unique('owner');
    const { apiKey, plaintext } = await keys.create({ ownerId, name: 'old' });
    expect(await keys.revoke(apiKey.id, { ownerId: unique('other') })).toBe(false);
    expect(await keys.verify(plaintext)).not.toBeNull();

    expect(await keys.revoke(apiKey.id, { ownerId })).toBe(true);
    expect(await keys.verify(plaintext)).toBeNull();
    expect(await keys.revoke(apiKey.id, { ownerId })).toBe(false);
  });

  it('imports a configured key once, whatever the number of starts', async () => {
    const plaintext = `tfk_${unique('seeded')}`;
    const ownerId = unique('owner');
    const first = await keys.importKey({ ownerId, name: 'seed', plaintext });
    const second = await keys.importKey({ ownerId, name: 'seed', plaintext });
    expect(second.id).toBe(first.id);
    expect(await keys.verify(plaintext)).toMatchObject({ id: first.id });

    // A revoked seed stays revoked on the next start.
    await keys.revoke(first.id);
    await keys.importKey({ ownerId, name: 'seed', plaintext });
    expect(await keys.verify(plaintext)).toBeNull();
  });
});
