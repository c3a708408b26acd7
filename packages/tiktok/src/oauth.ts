import type { ClientContext } from './context';
import { TikTokApiError } from './errors';
import { toNumber } from './json';

export const OAUTH_TOKEN_PATH = '/v2/oauth/token/';
export const OAUTH_REVOKE_PATH = '/v2/oauth/revoke/';

export interface AuthorizeUrlParams {
  redirectUri: string;
  scopes: readonly string[];
  /** CSRF token, returned unchanged on the callback. */
  state: string;
  /** S256 challenge from `createCodeChallenge`; the method is always S256. */
  codeChallenge?: string;
  /** 1 always shows the authorization page, 0 lets a signed-in user skip it. */
  disableAutoAuth?: 0 | 1;
}

export interface UserTokens {
  accessToken: string;
  accessTokenExpiresAt: Date;
  /** Always persist this one: TikTok rotates refresh tokens and the old one stops working. */
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  openId: string;
  scopes: string[];
  tokenType: string;
  /** Seconds, as TikTok sent them; the Dates above are computed from these. */
  expiresIn: number;
  refreshExpiresIn: number;
}

export interface ClientToken {
  accessToken: string;
  expiresAt: Date;
  expiresIn: number;
  tokenType: string;
}

export function buildAuthorizeUrl(ctx: ClientContext, params: AuthorizeUrlParams): string {
  if (params.scopes.length === 0) throw new RangeError('at least one scope is required');
  if (!params.state) throw new RangeError('state is required (it protects the callback from CSRF)');
  const url = new URL(ctx.authUrl);
  url.searchParams.set('client_key', ctx.clientKey);
  url.searchParams.set('response_type', 'code');
  // TikTok separates scopes with commas, not spaces as most OAuth servers do.
  url.searchParams.set('scope', params.scopes.join(','));
  url.searchParams.set('redirect_uri', params.redirectUri);
  url.searchParams.set('state', params.state);
  if (params.disableAutoAuth !== undefined) {
    url.searchParams.set('disable_auto_auth', String(params.disableAutoAuth));
  }
  if (params.codeChallenge) {
    url.searchParams.set('code_challenge', params.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  return url.toString();
}

export interface ExchangeCodeParams {
  code: string;
  /** Exactly the value used in the authorize URL. */
  redirectUri: string;
  codeVerifier?: string;
}

export async function exchangeCode(
  ctx: ClientContext,
  params: ExchangeCodeParams,
): Promise<UserTokens> {
  const startedAt = ctx.now();
  const body = await ctx.http.form(OAUTH_TOKEN_PATH, {
    client_key: ctx.clientKey,
    client_secret: ctx.clientSecret,
    code: urlDecodedCode(params.code),
    grant_type: 'authorization_code',
    redirect_uri: params.redirectUri,
    code_verifier: params.codeVerifier,
  });
  return readUserTokens(body, startedAt, OAUTH_TOKEN_PATH);
}

/**
 * Trades a refresh token for new tokens. The answer's refresh token replaces the one sent:
 * TikTok's newest docs say the old one stops working at once.
 */
export async function refreshToken(ctx: ClientContext, token: string): Promise<UserTokens> {
  const startedAt = ctx.now();
  const body = await ctx.http.form(OAUTH_TOKEN_PATH, {
    client_key: ctx.clientKey,
    client_secret: ctx.clientSecret,
    grant_type: 'refresh_token',
    refresh_token: token,
  });
  return readUserTokens(body, startedAt, OAUTH_TOKEN_PATH);
}

/** Revokes the user's access token; the app leaves their connected apps. */
export async function revokeToken(ctx: ClientContext, accessToken: string): Promise<void> {
  await ctx.http.form(OAUTH_REVOKE_PATH, {
    client_key: ctx.clientKey,
    client_secret: ctx.clientSecret,
    token: accessToken,
  });
}

/** A client access token (`clt.`, 2 h) for the Research API. */
export async function getClientToken(ctx: ClientContext): Promise<ClientToken> {
  const startedAt = ctx.now();
  const body = await ctx.http.form(OAUTH_TOKEN_PATH, {
    client_key: ctx.clientKey,
    client_secret: ctx.clientSecret,
    grant_type: 'client_credentials',
  });
  return checkedShape(OAUTH_TOKEN_PATH, () => {
    const expiresIn = requireSeconds(body.expires_in, 'expires_in');
    return {
      accessToken: requireString(body.access_token, 'access_token'),
      expiresIn,
      expiresAt: after(startedAt, expiresIn),
      tokenType: typeof body.token_type === 'string' ? body.token_type : 'Bearer',
    };
  });
}

// Lifetimes count from when the request left, not when the answer arrived, so a slow
// answer can only make the client refresh early, never late.
function readUserTokens(
  body: Record<string, unknown>,
  startedAt: Date,
  endpoint: string,
): UserTokens {
  return checkedShape(endpoint, () => {
    const expiresIn = requireSeconds(body.expires_in, 'expires_in');
    const refreshExpiresIn = requireSeconds(body.refresh_expires_in, 'refresh_expires_in');
    return {
      accessToken: requireString(body.access_token, 'access_token'),
      accessTokenExpiresAt: after(startedAt, expiresIn),
      refreshToken: requireString(body.refresh_token, 'refresh_token'),
      refreshTokenExpiresAt: after(startedAt, refreshExpiresIn),
      openId: requireString(body.open_id, 'open_id'),
      scopes: parseScopes(body.scope),
      tokenType: typeof body.token_type === 'string' ? body.token_type : 'Bearer',
      expiresIn,
      refreshExpiresIn,
    };
  });
}

function checkedShape<T>(endpoint: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof MissingField) {
      throw new TikTokApiError({
        code: 'unexpected_response',
        endpoint,
        tiktokMessage: `the token response has no valid ${error.field}`,
      });
    }
    throw error;
  }
}

/** Scopes arrive comma-separated (`scope` in token answers, `scopes` on the callback). */
export function parseScopes(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return value
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * TikTok wants the code URL-decoded; a code copied raw from the callback URL still carries
 * %-escapes (a common integration mistake), so decode those once.
 */
function urlDecodedCode(code: string): string {
  if (!/%[0-9A-Fa-f]{2}/.test(code)) return code;
  try {
    return decodeURIComponent(code);
  } catch {
    return code;
  }
}

class MissingField extends Error {
  constructor(readonly field: string) {
    super(field);
  }
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new MissingField(field);
  return value;
}

function requireSeconds(value: unknown, field: string): number {
  const n = toNumber(value);
  if (n === undefined || n < 0) throw new MissingField(field);
  return n;
}

function after(start: Date, seconds: number): Date {
  return new Date(start.getTime() + seconds * 1000);
}
