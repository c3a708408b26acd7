/**
 * Redis may evict keys under memory pressure (maxmemory-policy is not `noeviction`). Eviction
 * deletes keys without a word: queued jobs, BullMQ's job locks, upload leases and the daily post
 * counters would vanish, and posts would be lost or an account's limits broken. The fleet
 * refuses to start on such a Redis unless REDIS_ALLOW_EVICTION=true.
 */
export class RedisEvictionPolicyError extends Error {
  readonly code = 'redis_eviction_policy';

  constructor(readonly nodes: Array<{ node: string; policy: string }>) {
    super(
      `Redis may evict keys: maxmemory-policy is ${nodes
        .map(({ node, policy }) => `${policy} on ${node}`)
        .join(', ')}; the fleet needs noeviction, or queued jobs, leases and post counters ` +
        'can disappear. Set `maxmemory-policy noeviction` on the Redis server (CONFIG SET ' +
        'maxmemory-policy noeviction, and in redis.conf), or start anyway with ' +
        'REDIS_ALLOW_EVICTION=true (not for production).',
    );
    this.name = 'RedisEvictionPolicyError';
  }
}
