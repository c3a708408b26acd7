import { userScopes } from './oauth-tokens';
import type { SandboxState } from './state';

export interface AuthorizeRequest {
  clientKey: string;
  redirectUri: string;
  state: string | null;
  scopes: string[];
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
}

export type AuthorizeCheck =
  | { kind: 'ok'; request: AuthorizeRequest }
  /** The redirect URI cannot be trusted: show the error on the page, never redirect. */
  | { kind: 'page'; message: string }
  | {
      kind: 'redirect';
      redirectUri: string;
      state: string | null;
      error: string;
      description: string;
    };

function one(value: unknown): string | null {
  if (Array.isArray(value)) return one(value[0]);
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function acceptableRedirect(state: SandboxState, uri: string): boolean {
  if (state.redirectUris) return state.redirectUris.includes(uri);
  // Default: any absolute http(s) URI without a fragment. TikTok wants https for web apps,
  // but a local fleet calls back to http://localhost.
  if (!URL.canParse(uri)) return false;
  const url = new URL(uri);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '';
}

/**
 * Login Kit's authorize parameters (docs/tiktok-api.md, Authorize request), checked in the
 * order TikTok must.
 */
export function checkAuthorize(
  state: SandboxState,
  params: Record<string, unknown>,
): AuthorizeCheck {
  const clientKey = one(params.client_key);
  if (clientKey !== state.clientKey) {
    return { kind: 'page', message: 'client_key is missing or does not belong to any app.' };
  }
  const redirectUri = one(params.redirect_uri);
  if (!redirectUri || !acceptableRedirect(state, redirectUri)) {
    return { kind: 'page', message: 'redirect_uri is missing or not registered for this app.' };
  }
  const csrf = one(params.state);
  const fail = (error: string, description: string): AuthorizeCheck => ({
    kind: 'redirect',
    redirectUri,
    state: csrf,
    error,
    description,
  });
  if (one(params.response_type) !== 'code') {
    return fail('unsupported_response_type', 'response_type must be "code".');
  }
  const scopes = (one(params.scope) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (scopes.length === 0) return fail('invalid_scope', 'scope is missing.');
  const unknown = scopes.filter((s) => !userScopes.includes(s));
  if (unknown.length > 0) return fail('invalid_scope', `Unknown scope: ${unknown.join(',')}.`);
  const codeChallenge = one(params.code_challenge);
  const method = one(params.code_challenge_method);
  if (codeChallenge) {
    if (method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256.');
    // hex (TikTok desktop docs) or base64url (RFC 7636) of a SHA-256 digest.
    if (!/^[0-9a-fA-F]{64}$/.test(codeChallenge) && !/^[A-Za-z0-9_-]{43}$/.test(codeChallenge)) {
      return fail('invalid_request', 'code_challenge is not an S256 challenge.');
    }
  }
  return {
    kind: 'ok',
    request: {
      clientKey,
      redirectUri,
      state: csrf,
      scopes: [...new Set(scopes)],
      codeChallenge,
      codeChallengeMethod: codeChallenge ? method : null,
    },
  };
}

export function redirectWith(redirectUri: string, params: Record<string, string | null>): string {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params)) {
    if (value !== null) url.searchParams.set(key, value);
  }
  return url.toString();
}
