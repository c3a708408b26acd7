import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SandboxContext } from './context';
import { OAuthError, sendOAuthError } from './errors';
import { issueClientToken, issueUserTokens, revokeUser } from './oauth-tokens';
import { validVerifier, verifierMatches } from './pkce';
import type { SandboxState } from './state';

type Form = Record<string, string | undefined>;

/** TikTok's OAuth endpoints take form-encoded bodies only (docs/tiktok-api.md, Token endpoint). */
function readForm(request: FastifyRequest): Form {
  const type = request.headers['content-type'] ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw new OAuthError(
      'invalid_request',
      'The request parameters are malformed: use Content-Type application/x-www-form-urlencoded.',
    );
  }
  const body = (request.body ?? {}) as Record<string, unknown>;
  const form: Form = {};
  for (const [key, value] of Object.entries(body)) {
    form[key] =
      typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;
  }
  return form;
}

function checkClient(state: SandboxState, form: Form): void {
  if (!form.client_key) throw new OAuthError('invalid_request', 'Client key is missed in request.');
  if (!form.client_secret) {
    throw new OAuthError('invalid_request', 'Client secret is missed in request.');
  }
  if (form.client_key !== state.clientKey || form.client_secret !== state.clientSecret) {
    throw new OAuthError('invalid_client', 'Client key or secret is invalid.');
  }
}

function exchangeCode(state: SandboxState, form: Form) {
  const entry = form.code ? state.codes.get(form.code) : undefined;
  if (!entry || entry.expiresAt <= state.clock.now()) {
    throw new OAuthError('invalid_grant', 'Authorization code is expired or invalid.');
  }
  if (entry.used) {
    state.violation('authorization_code_reused', 'an authorization code was exchanged twice');
    throw new OAuthError('invalid_grant', 'Authorization code has already been used.');
  }
  // TikTok's own example of a redirect mismatch is an invalid_request (docs/tiktok-api.md,
  // OAuth errors).
  if (form.redirect_uri !== entry.redirectUri) {
    throw new OAuthError(
      'invalid_request',
      'Redirect_uri is not matched with the uri when requesting code.',
    );
  }
  if (entry.codeChallenge) {
    const verifier = form.code_verifier;
    if (!verifier || !validVerifier(verifier)) {
      throw new OAuthError(
        'invalid_request',
        'code_verifier is missing or malformed (43-128 characters of [A-Za-z0-9-._~]).',
      );
    }
    if (!verifierMatches(verifier, entry.codeChallenge)) {
      throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge.');
    }
  }
  entry.used = true;
  return issueUserTokens(state, entry.openId, entry.scopes);
}

function refresh(state: SandboxState, form: Form) {
  const entry = form.refresh_token ? state.refreshTokens.get(form.refresh_token) : undefined;
  if (!entry || entry.revoked || entry.expiresAt <= state.clock.now()) {
    throw new OAuthError('invalid_grant', 'Refresh token is invalid or expired.');
  }
  if (entry.rotated) {
    // "The previous refresh token stops working once a new one is issued"
    // (docs/tiktok-api.md, Token lifetimes and rotation).
    state.refreshTokensReused += 1;
    state.violation('refresh_token_reused', 'a refresh token was used after it had been rotated');
    throw new OAuthError('invalid_grant', 'Refresh token is invalid or expired.');
  }
  entry.rotated = true;
  return issueUserTokens(state, entry.openId, entry.scopes, entry.expiresAt);
}

export function registerToken(app: FastifyInstance, { state }: SandboxContext): void {
  app.post('/v2/oauth/token/', async (req, reply) => {
    try {
      const form = readForm(req);
      checkClient(state, form);
      switch (form.grant_type) {
        case 'authorization_code':
          return reply.send(exchangeCode(state, form));
        case 'refresh_token':
          return reply.send(refresh(state, form));
        case 'client_credentials':
          return reply.send(issueClientToken(state));
        case undefined:
          throw new OAuthError('invalid_request', 'grant_type is missed in request.');
        default:
          throw new OAuthError(
            'unsupported_grant_type',
            `grant_type ${form.grant_type} is not supported.`,
          );
      }
    } catch (err) {
      if (err instanceof OAuthError) return sendOAuthError(reply, err);
      throw err;
    }
  });

  app.post('/v2/oauth/revoke/', async (req, reply) => {
    try {
      const form = readForm(req);
      checkClient(state, form);
      if (!form.token) throw new OAuthError('invalid_request', 'token is missed in request.');
      const token = state.accessTokens.get(form.token);
      if (token?.openId) revokeUser(state, token.openId);
      else if (token) token.revoked = true;
      // The newest doc answers `{}` (docs/tiktok-api.md, Revoke), also for a token it does not
      // know.
      return reply.send({});
    } catch (err) {
      if (err instanceof OAuthError) return sendOAuthError(reply, err);
      throw err;
    }
  });
}
