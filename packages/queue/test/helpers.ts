// Brings in the type of what the global setup provides (testServices()).

import { testServices } from '@tiktok-fleet/testing';
import type {} from '@tiktok-fleet/testing/global-setup';
import type { Redis } from 'ioredis';
import { type RedisRole, redisConnection } from '../src/connection';

/** A client of the test run's Redis, made the way the fleet makes its clients. */
export function connect(role: RedisRole = 'worker'): Redis {
  return redisConnection(testServices().redisUrl, role);
}
