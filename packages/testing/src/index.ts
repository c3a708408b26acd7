import { randomUUID } from 'node:crypto';
import { parseRedisUrl } from '@tiktok-fleet/config';
import { afterAll, inject } from 'vitest';
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
 * Call it at the top level of a test file or in `beforeAll`.
 */
export async function createTestDatabase(): Promise<{ url: string; name: string }> {
  const db = await cloneTemplateDatabase(inject('services').databaseUrl, inject('runId'));
  afterAll(db.drop);
  return { url: db.url, name: db.name };
}

/**
 * A Redis key prefix that belongs to the calling test file alone. It carries a hash tag,
 * like the production prefix, so the same code paths run (and on a Redis Cluster, every key
 * of the file lands in one slot). Keys under it are deleted after the file.
 */
export function createTestRedisPrefix(label = 'test'): string {
  const prefix = `{tft-${label}-${randomUUID().slice(0, 8)}}`;
  afterAll(() => deleteKeysAt(inject('services').redisUrl, prefix));
  return prefix;
}

/**
 * Deletes a test prefix's keys now. For a harness whose processes write to Redis until its
 * own close: the prefix's afterAll may run before that close (later hooks run first), so the
 * harness calls this once its processes have exited.
 */
export const deleteTestRedisKeys = (prefix: string): Promise<void> =>
  deleteKeysAt(inject('services').redisUrl, prefix);

export { freePort } from './ports';
export { type LocalRedisCluster, startRedisCluster } from './redis-cluster';
export { sandboxControl } from './sandbox-control';
export { startTcpProxy } from './tcp-proxy';
export { type WaitUntilOptions, waitUntil } from './wait-until';
