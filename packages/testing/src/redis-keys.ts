import { parseRedisUrl } from '@tiktok-fleet/config';
import { Cluster, Redis } from 'ioredis';

/**
 * Deletes every key under `prefix` (a test file's, a bench's or a chaos fleet's own), so a
 * run leaves the shared Redis as it found it. SCAN walks one server: on a cluster, each
 * master is walked.
 */
export async function deleteKeysUnder(client: Redis | Cluster, prefix: string): Promise<void> {
  const servers: Redis[] = 'nodes' in client ? client.nodes('master') : [client];
  for (const server of servers) {
    let cursor = '0';
    do {
      const [next, keys] = await server.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await server.unlink(...keys);
    } while (cursor !== '0');
  }
}

/** `deleteKeysUnder` over a connection of its own to the Redis (or Redis Cluster) at `url`. */
export async function deleteKeysAt(url: string, prefix: string): Promise<void> {
  const target = parseRedisUrl(url);
  const client =
    target.kind === 'single'
      ? new Redis(target.url)
      : new Cluster(target.nodes, {
          redisOptions: { username: target.username, password: target.password },
        });
  try {
    await deleteKeysUnder(client, prefix);
  } finally {
    client.disconnect();
  }
}
