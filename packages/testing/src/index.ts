import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, inject } from 'vitest';
import { cloneTemplateDatabase } from './database';
import type {} from './provided-context';

export type { ServiceUrls } from './services';

/** The Redis and PostgreSQL URLs the global setup found. */
export function testServices() {
  return inject('services');
}

/**
 * A migrated database that belongs to the calling test file alone; dropped after the file.
 * Call it at the top level of a test file or in `beforeAll`.
 */
export async function createTestDatabase(): Promise<{ url: string; name: string }> {
  const db = await cloneTemplateDatabase(inject('services').databaseUrl, inject('runId'));
  afterAll(db.drop);
  return { url: db.url, name: db.name };
}

/**
 * A Redis key prefix that belongs to the calling test file alone. It carries a hash tag,
 * like the production prefix, so the same code paths run. Keys under it are deleted after
 * the file.
 */
export function createTestRedisPrefix(label = 'test'): string {
  const prefix = `{tft-${label}-${randomUUID().slice(0, 8)}}`;
  afterAll(async () => {
    const redis = new Redis(inject('services').redisUrl);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  });
  return prefix;
}
export { freePort } from './ports';
export { startTcpProxy } from './tcp-proxy';
export { type WaitUntilOptions, waitUntil } from './wait-until';
