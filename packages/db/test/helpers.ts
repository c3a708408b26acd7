import { randomBytes } from 'node:crypto';
import { createTestDatabase } from '@tiktok-fleet/testing';
// Brings the types of what the global setup provides (services, runId) into this program.
import type {} from '@tiktok-fleet/testing/global-setup';
import { afterAll } from 'vitest';
import type { createAccountRepository } from '../src/accounts';
import { createPrismaClient } from '../src/client';
import { parseTokenKeyring, TokenCipher } from '../src/token-cipher';

/** A Prisma client on a migrated database of this test file's own. */
export async function testDb() {
  const { url } = await createTestDatabase();
  const db = createPrismaClient(url, { poolSize: 4 });
  afterAll(() => db.$disconnect());
  return db;
}

export const keyEntry = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

export const cipherWith = (current: string, previous = '') =>
  new TokenCipher(
    parseTokenKeyring({ TOKEN_ENCRYPTION_KEY: current, TOKEN_DECRYPTION_KEYS: previous }),
  );

export const unique = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;

/** A connected account of `ownerId` (a new owner unless given), with tokens good for an hour. */
export function newAccount(
  accounts: ReturnType<typeof createAccountRepository>,
  ownerId = unique('owner'),
) {
  return accounts.upsertByOpenId({
    ownerId,
    openId: unique('open'),
    grantedScopes: ['video.publish'],
    tokens: {
      accessToken: 'a',
      refreshToken: 'r',
      accessTokenExpiresAt: new Date(Date.now() + 3600_000),
      refreshTokenExpiresAt: new Date(Date.now() + 3600_000),
    },
  });
}
