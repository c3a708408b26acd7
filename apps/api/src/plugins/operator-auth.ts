import { createHash, timingSafeEqual } from 'node:crypto';
import basicAuth from '@fastify/basic-auth';
import type { FastifyInstance } from 'fastify';
import type { ApiConfig } from '../config';
import { ApiError } from '../errors';

// Digests first: timingSafeEqual needs equal lengths, and the length must not leak either.
const digest = (text: string) => createHash('sha256').update(text).digest();
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/**
 * The operator login (HTTP basic auth) in front of every route of the scope it is
 * registered in. Without OPERATOR_USERNAME and OPERATOR_PASSWORD those routes are off:
 * an operator page is never open to anyone.
 */
export async function requireOperator(
  app: FastifyInstance,
  config: Pick<ApiConfig, 'OPERATOR_USERNAME' | 'OPERATOR_PASSWORD'>,
): Promise<void> {
  const username = config.OPERATOR_USERNAME;
  const password = config.OPERATOR_PASSWORD;
  if (!username || !password) {
    app.addHook('onRequest', async () => {
      throw new ApiError(
        404,
        'operator_pages_disabled',
        'The operator pages are off. Set OPERATOR_USERNAME and OPERATOR_PASSWORD to turn them on.',
      );
    });
    return;
  }
  await app.register(basicAuth, {
    authenticate: { realm: 'tiktok-fleet operators' },
    validate: async (user, pass) => {
      // Both compared every time, so a right username takes as long as a wrong one.
      const ok = [same(user, username), same(pass, password)].every(Boolean);
      if (!ok) {
        throw new ApiError(401, 'unauthorized', 'The operator username or password is wrong.');
      }
    },
  });
  app.addHook('onRequest', app.basicAuth);
}
