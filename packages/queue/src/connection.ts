import { Redis, type RedisOptions } from 'ioredis';

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

/** A client of the right kind for its role. Close it yourself: BullMQ never quits a shared client. */
export function redisConnection(
  url: string,
  role: RedisRole,
  options: Omit<RedisOptions, 'keyPrefix'> = {},
): Redis {
  const roleOptions: RedisOptions =
    role === 'producer'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 }
      : { maxRetriesPerRequest: null };
  return new Redis(url, { connectionName: `tiktok-fleet:${role}`, ...options, ...roleOptions });
}

/**
 * Resolves once the client is connected. A producer client refuses commands until then
 * (it has no offline queue), so wait for this before serving.
 */
export async function waitForRedis(redis: Redis): Promise<void> {
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
