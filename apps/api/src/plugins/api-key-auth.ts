import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiContext } from '../context';
import { ApiError } from '../errors';
import { signedInOperator, verifyCsrf } from './operator-session';
import { isWrite, refuseCrossSiteWrite } from './same-origin';

declare module 'fastify' {
  interface FastifyRequest {
    /** The owner of the API key (or the signed-in operator's owner); every query is scoped to it. */
    ownerId: string;
    /** How the caller proved who it is: a bearer API key, or the operator's session cookie. */
    authKind: 'api_key' | 'session' | null;
    /** The API key's id, or `session` for the operator's session: what per-key limits count. */
    callerKey: string;
  }
}

// One answer for a missing, malformed, unknown and revoked key: the caller learns nothing
// about which keys exist.
const unauthorized = () =>
  new ApiError(
    401,
    'unauthorized',
    'A valid API key is required: send it as "Authorization: Bearer <api key>". Keys are ' +
      'created with the CLI (tiktok-fleet keys create) or seeded from API_KEYS. In a ' +
      'browser, sign in at /login instead.',
    undefined,
    { 'www-authenticate': 'Bearer realm="tiktok-fleet"' },
  );

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer[ ]+([^\s]+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/**
 * Requires a caller on every route of the plugin scope it is registered in: an API key, or
 * else the operator's session, which acts as owner OPERATOR_OWNER_ID. A request that
 * sends an Authorization header is judged by it alone. Session writes must come from this
 * site and carry the session's CSRF token: the browser adds the cookie to any request, a
 * key only goes where a program sends it.
 */
export function requireCaller(app: FastifyInstance, ctx: ApiContext): void {
  app.decorateRequest('ownerId', '');
  app.decorateRequest('authKind', null);
  app.decorateRequest('callerKey', '');
  app.addHook('onRequest', async (request) => {
    if (request.headers.authorization !== undefined) {
      const key = bearerToken(request);
      if (!key || key.length > 512) throw unauthorized();
      const apiKey = await ctx.apiKeys.verify(key);
      if (!apiKey) throw unauthorized();
      request.ownerId = apiKey.ownerId;
      request.authKind = 'api_key';
      request.callerKey = apiKey.id;
      return;
    }
    if (!signedInOperator(request, ctx.now)) throw unauthorized();
    refuseCrossSiteWrite(request, 'The API', ctx.config.BACKEND_URL);
    if (isWrite(request)) await verifyCsrf(app, request);
    request.ownerId = ctx.config.OPERATOR_OWNER_ID;
    request.authKind = 'session';
    request.callerKey = 'session';
  });
}
