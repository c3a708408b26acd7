import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors';
import { checkRateLimit } from './rate-limit';
import type { AccessToken, Creator, SandboxState } from './state';

const invalidToken = () =>
  new ApiError(
    'access_token_invalid',
    401,
    'The access token is invalid or not found in the request.',
  );

/**
 * Bearer authentication for the v2 API, then the endpoint's rate limit (TikTok limits per
 * access token, so the token must be known first).
 */
export function authenticate(
  state: SandboxState,
  request: FastifyRequest,
  endpoint: string,
): AccessToken {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const token = match?.[1] ? state.accessTokens.get(match[1]) : undefined;
  if (!token || token.revoked || token.expiresAt <= state.clock.now()) throw invalidToken();
  if (state.faults.takeTokenExpiry() || state.rollFault('tokenExpiry')) {
    // The injected expiry is permanent for this token, as a real expiry would be.
    token.expiresAt = state.clock.now() - 1;
    throw invalidToken();
  }
  checkRateLimit(state, token.token, endpoint);
  return token;
}

export function requireScope(token: AccessToken, ...anyOf: string[]): void {
  if (!anyOf.some((scope) => token.scopes.includes(scope))) {
    throw new ApiError(
      'scope_not_authorized',
      401,
      `The user did not authorize the scope required for this request (${anyOf.join(' or ')}).`,
    );
  }
}

/** The creator behind a user token; client (`clt.`) tokens have none. */
export function creatorOf(state: SandboxState, token: AccessToken): Creator {
  const creator = token.openId ? state.creators.get(token.openId) : undefined;
  if (!creator) {
    throw new ApiError(
      'access_token_invalid',
      401,
      'This endpoint needs a user access token; a client access token cannot be used here.',
    );
  }
  return creator;
}
