import { randomUUID } from 'node:crypto';
import { parseRedisUrl } from '@tiktok-fleet/config';
import { inject } from 'vitest';
import { afterFile } from './after-file';
import { cloneTemplateDatabase } from './database';
import type {} from './provided-context';
import { deleteKeysAt } from './redis-keys';

export type { ServiceUrls } from './services';

/** The Redis and PostgreSQL URLs the global setup found. */
export function testServices() {
  return inject('services');
}

/** Whether this run talks to a Redis Cluster (REDIS_CLUSTER=1) rather than one server. */
export function onRedisCluster(): boolean {
  return parseRedisUrl(inject('services').redisUrl).kind === 'cluster';
}

/**
 * A migrated database that belongs to the calling test file alone; dropped after the file.
 * Call it at the top level of a test file or in `beforeAll` (afterFile: see ./after-file.ts).
 */
export async function createTestDatabase(): Promise<{ url: string; name: string }> {
  const db = await cloneTemplateDatabase(inject('services').databaseUrl, inject('runId'));
  afterFile(db.drop);
  return { url: db.url, name: db.name };
}

/**
 * A Redis key prefix that belongs to the calling test file alone. It carries a hash tag,
 * like the production prefix, so the same code paths run (and on a Redis Cluster, every key
 * of the file lands in one slot). Keys under it are deleted after the file, once the file's
 * own afterAll hooks (which stop the processes writing under it) have run.
 */
export function createTestRedisPrefix(label = 'test'): string {
  const prefix = `{tft-${label}-${randomUUID().slice(0, 8)}}`;
  afterFile(() => deleteKeysAt(inject('services').redisUrl, prefix));
  return prefix;
}

export { afterFile } from './after-file';
export { freePort } from './ports';
export { type LocalRedisCluster, startRedisCluster } from './redis-cluster';
export { sandboxControl } from './sandbox-control';
export { startTcpProxy } from './tcp-proxy';
export { type WaitUntilOptions, waitUntil } from './wait-until';
