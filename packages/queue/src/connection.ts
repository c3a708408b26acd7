import { parseRedisUrl } from '@tiktok-fleet/config';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisClient } from './scripts';

/**
 * The key prefix of the whole fleet. The braces make it a Redis Cluster hash tag: every key
 * of every queue and every script lands in one slot, so multi-key Lua scripts and BullMQ's
 * own scripts keep working on a cluster.
 */
export const DEFAULT_PREFIX = '{tiktok-fleet}';

/**
 * - `producer`: the API and other enqueuers. Commands fail at once while Redis is away
 *   (no offline queue), so an HTTP handler can answer 503 instead of hanging.
 * - `worker`: BullMQ workers wait for Redis forever; BullMQ refuses anything else.
 */
export type RedisRole = 'producer' | 'worker';

/**
 * A client of the right kind for its role, for a single Redis (`redis://`) or a Redis Cluster
 * (`redis+cluster://host:port,...`: an ioredis Cluster that follows the slots). Close it
 * yourself: BullMQ never quits a shared client.
 */
export function redisConnection(
  url: string,
  role: RedisRole,
  options: Omit<RedisOptions, 'keyPrefix'> = {},
): RedisClient {
  const roleOptions: RedisOptions =
    role === 'producer'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 }
      : { maxRetriesPerRequest: null };
  const target = parseRedisUrl(url);
  const connectionName = `tiktok-fleet:${role}`;
  if (target.kind === 'single') {
    return new Redis(target.url, { connectionName, ...options, ...roleOptions });
  }
  return new Cluster(target.nodes, {
    // Offline queueing is decided for the cluster as a whole, not per node connection.
    enableOfflineQueue: roleOptions.enableOfflineQueue ?? true,
    redisOptions: {
      connectionName,
      ...options,
      ...(target.username ? { username: target.username } : {}),
      ...(target.password ? { password: target.password } : {}),
      ...(target.tls ? { tls: {} } : {}),
      maxRetriesPerRequest: roleOptions.maxRetriesPerRequest,
    },
  });
}

/**
 * A new client like `redis` for blocking reads (QueueEvents, a worker's own waits): such reads
 * must not share a producer client, and must wait out a blip instead of failing at once.
 */
export function blockingConnection(redis: RedisClient): RedisClient {
  if (redis instanceof Cluster) {
    return redis.duplicate(undefined, {
      enableOfflineQueue: true,
      redisOptions: { ...redis.options.redisOptions, maxRetriesPerRequest: null },
    });
  }
  return redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
}

/**
 * Resolves once the client is connected. A producer client refuses commands until then
 * (it has no offline queue), so wait for this before serving.
 */
export async function waitForRedis(redis: RedisClient): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const onReady = () => {
      redis.off('end', onEnd);
      resolve();
    };
    const onEnd = () => {
      redis.off('ready', onReady);
      reject(new Error('The Redis connection closed before it was ready.'));
    };
    redis.once('ready', onReady);
    redis.once('end', onEnd);
  });
}

// ioredis' words for a command it could not send or that lost its connection.
const REDIS_DOWN_MESSAGES =
  /enableOfflineQueue|Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|LOADING|CLUSTERDOWN|TRYAGAIN/;

/**
 * Whether an error means Redis cannot be reached right now (stopped, restarting, loading its
 * data, the connection cut), as opposed to a refused command. It passes by itself: the API
 * answers 503 with Retry-After; a worker waits without spending an attempt.
 */
export function isRedisUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 8; depth++) {
    const { name, message, code, cause } = e as {
      name?: unknown;
      message?: unknown;
      code?: unknown;
      cause?: unknown;
    };
    if (name === 'MaxRetriesPerRequestError') return true;
    if (typeof code === 'string' && REDIS_DOWN_MESSAGES.test(code)) return true;
    if (typeof message === 'string' && REDIS_DOWN_MESSAGES.test(message)) return true;
    e = cause;
  }
  return false;
}
