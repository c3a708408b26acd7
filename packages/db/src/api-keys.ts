import { createHash, randomBytes } from 'node:crypto';
import type { ApiKey, PrismaClient } from '../generated/prisma/client';
import { newId } from './ids';

export type PublicApiKey = Omit<ApiKey, 'hashedKey'>;

const KEY_PREFIX = 'tfk_';
/** Enough of a key to tell it apart in a list, far too little to guess the rest. */
const DISPLAY_CHARS = 12;
/** lastUsedAt is a hint for people, not an audit log: one write a minute per key at most. */
const LAST_USED_RESOLUTION_MS = 60_000;

// The keys are 256 random bits, so a plain SHA-256 is enough: there is nothing to brute-force.
const hash = (plaintext: string) => createHash('sha256').update(plaintext).digest('hex');
const omitHash = { hashedKey: true } as const;

export function createApiKeyRepository(db: PrismaClient) {
  return {
    /** A new key. The plaintext is returned this once and never stored. */
    async create(input: { ownerId: string; name: string }): Promise<{
      apiKey: PublicApiKey;
      plaintext: string;
    }> {
      const plaintext = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
      const apiKey = await db.apiKey.create({
        data: {
          id: newId('key'),
          name: input.name,
          ownerId: input.ownerId,
          hashedKey: hash(plaintext),
          prefix: plaintext.slice(0, DISPLAY_CHARS),
        },
        omit: omitHash,
      });
      return { apiKey, plaintext };
    },

    /**
     * Stores a key whose plaintext comes from configuration (API_KEYS seeds a first start
     * and tests). Idempotent: a key already stored is left as it is, revoked or not.
     */
    async importKey(input: {
      ownerId: string;
      name: string;
      plaintext: string;
    }): Promise<PublicApiKey> {
      const hashedKey = hash(input.plaintext);
      return db.apiKey.upsert({
        where: { hashedKey },
        create: {
          id: newId('key'),
          name: input.name,
          ownerId: input.ownerId,
          hashedKey,
          prefix: input.plaintext.slice(0, DISPLAY_CHARS),
        },
        update: {},
        omit: omitHash,
      });
    },

    /** The key a caller presented, or null when it is unknown or revoked. */
    async verify(plaintext: string): Promise<PublicApiKey | null> {
      const apiKey = await db.apiKey.findUnique({
        where: { hashedKey: hash(plaintext) },
        omit: omitHash,
      });
      if (!apiKey || apiKey.revokedAt) return null;
      const now = new Date();
      if (
        !apiKey.lastUsedAt ||
        now.getTime() - apiKey.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS
      ) {
        await db.apiKey.updateMany({
          where: { id: apiKey.id, revokedAt: null },
          data: { lastUsedAt: now },
        });
        apiKey.lastUsedAt = now;
      }
      return apiKey;
    },

    /** Revokes a key at once; false when there is no such live key (of that owner). */
    async revoke(keyId: string, scope: { ownerId?: string } = {}): Promise<boolean> {
      const { count } = await db.apiKey.updateMany({
        where: { id: keyId, ownerId: scope.ownerId, revokedAt: null },
        data: { revokedAt: new Date() },
      });
      return count === 1;
    },

    /** Every owner's keys, oldest first: for an operator, never for an API caller. */
    async listAll(): Promise<PublicApiKey[]> {
      return db.apiKey.findMany({ orderBy: { createdAt: 'asc' }, omit: omitHash });
    },

    async list(ownerId: string): Promise<PublicApiKey[]> {
      return db.apiKey.findMany({
        where: { ownerId },
        orderBy: { createdAt: 'asc' },
        omit: omitHash,
      });
    },
  };
}

export type ApiKeyRepository = ReturnType<typeof createApiKeyRepository>;
