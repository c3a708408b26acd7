// Brings in the type of what the global setup provides (testServices()).

import { testServices } from '@tiktok-fleet/testing';
import type {} from '@tiktok-fleet/testing/global-setup';
import { type RedisRole, redisConnection } from '../src/connection';
import type { RedisClient } from '../src/scripts';

/** A client of the test run's Redis, made the way the fleet makes its clients. */
export function connect(role: RedisRole = 'worker'): RedisClient {
  return redisConnection(testServices().redisUrl, role);
}
