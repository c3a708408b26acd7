import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiContext } from '../context';
import { ApiError } from '../errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** The owner of the API key that made the request; every query is scoped to it. */
    ownerId: string;
  }
}

// One answer for a missing, malformed, unknown and revoked key: the caller learns nothing
// about which keys exist.
const unauthorized = () =>
  new ApiError(
    401,
    'unauthorized',
    'A valid API key is required: send it as "Authorization: Bearer <api key>". Keys are ' +
      'created with the CLI (tiktok-fleet keys create) or seeded from API_KEYS.',
    undefined,
    { 'www-authenticate': 'Bearer realm="tiktok-fleet"' },
  );

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer[ ]+([^\s]+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** Requires an API key on every route of the plugin scope it is registered in. */
export function requireApiKey(app: FastifyInstance, ctx: ApiContext): void {
  app.decorateRequest('ownerId', '');
  app.addHook('onRequest', async (request) => {
    const key = bearerToken(request);
    if (!key || key.length > 512) throw unauthorized();
    const apiKey = await ctx.apiKeys.verify(key);
    if (!apiKey) throw unauthorized();
    request.ownerId = apiKey.ownerId;
  });
}
