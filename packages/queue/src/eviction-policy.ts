import { Cluster } from 'ioredis';
import { RedisEvictionPolicyError } from './errors/redis-eviction-error';
import type { RedisClient } from './scripts';

/**
 * Each server's maxmemory-policy (every master of a cluster), read from INFO, which managed
 * Redis services answer even where they refuse CONFIG GET. Needs a ready client.
 */
export async function evictionPolicies(
  redis: RedisClient,
): Promise<Array<{ node: string; policy: string }>> {
  const servers = redis instanceof Cluster ? redis.nodes('master') : [redis];
  return Promise.all(
    servers.map(async (server) => {
      const info = await server.info('memory');
      const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? 'unknown';
      return {
        node: `${server.options.host ?? 'localhost'}:${server.options.port ?? 6379}`,
        policy,
      };
    }),
  );
}

/**
 * Refuses a Redis that may evict keys (docs/architecture.md, Redis in production): throws
 * RedisEvictionPolicyError, or with `allowEviction` calls `warn` with the same message and
 * goes on.
 */
export async function checkEvictionPolicy(
  redis: RedisClient,
  options: { allowEviction: boolean; warn: (message: string) => void },
): Promise<void> {
  const evicting = (await evictionPolicies(redis)).filter(({ policy }) => policy !== 'noeviction');
  if (evicting.length === 0) return;
  const error = new RedisEvictionPolicyError(evicting);
  if (!options.allowEviction) throw error;
  options.warn(`REDIS_ALLOW_EVICTION=true: starting anyway. ${error.message}`);
}
