import { createHash, timingSafeEqual } from 'node:crypto';
import basicAuth from '@fastify/basic-auth';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiConfig } from '../config';
import { ApiError } from '../errors';

// Digests first: timingSafeEqual needs equal lengths, and the length must not leak either.
const digest = (text: string) => createHash('sha256').update(text).digest();
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** Whether a username and password are the operator's; as slow for a right name as a wrong one. */
export function operatorCredentialsMatch(
  config: Pick<ApiConfig, 'OPERATOR_USERNAME' | 'OPERATOR_PASSWORD'>,
  user: string,
  pass: string,
): boolean {
  const username = config.OPERATOR_USERNAME;
  const password = config.OPERATOR_PASSWORD;
  if (!username || !password) return false;
  return [same(user, username), same(pass, password)].every(Boolean);
}

/**
 * The operator login in front of every route of the scope it is registered in: the signed-in
 * operator's session when `signedIn` says there is one, else HTTP basic auth (for scripts).
 * Without OPERATOR_USERNAME and OPERATOR_PASSWORD those routes are off: an operator page is
 * never open to anyone.
 */
export async function requireOperator(
  app: FastifyInstance,
  config: Pick<ApiConfig, 'OPERATOR_USERNAME' | 'OPERATOR_PASSWORD'>,
  signedIn: (request: FastifyRequest) => boolean = () => false,
): Promise<void> {
  if (!config.OPERATOR_USERNAME || !config.OPERATOR_PASSWORD) {
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
      if (!operatorCredentialsMatch(config, user, pass)) {
        throw new ApiError(401, 'unauthorized', 'The operator username or password is wrong.');
      }
    },
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (signedIn(request)) return done();
    app.basicAuth(request, reply, done);
  });
}
