import { newToken } from './ids';
import type { SandboxState } from './state';

/** Scopes a user can grant through Login Kit (docs/tiktok-api.md, Scopes). */
export const userScopes = [
  'user.info.basic',
  'user.info.profile',
  'user.info.stats',
  'video.list',
  'video.publish',
  'video.upload',
];

/**
 * Issues an access and refresh token pair, answered flat as TikTok does. `refreshExpiresAt`
 * carries the family's expiry through rotations: the docs say the fields give the *remaining*
 * lifetime (docs/tiktok-api.md, Token lifetimes and rotation); whether TikTok slides the expiry on
 * refresh is UNCONFIRMED, and a fixed expiry is the case a client must get right.
 */
export function issueUserTokens(
  state: SandboxState,
  openId: string,
  scopes: string[],
  refreshExpiresAt?: number,
) {
  const now = state.clock.now();
  const accessTtl = state.config.accessTokenTtlSec;
  const refreshUntil = refreshExpiresAt ?? now + state.config.refreshTokenTtlSec * 1000;
  const access = newToken('act');
  const refresh = newToken('rft');
  state.accessTokens.set(access, {
    token: access,
    openId,
    scopes,
    expiresAt: now + accessTtl * 1000,
    revoked: false,
  });
  state.refreshTokens.set(refresh, {
    token: refresh,
    openId,
    scopes,
    expiresAt: refreshUntil,
    rotated: false,
    revoked: false,
  });
  return {
    access_token: access,
    expires_in: accessTtl,
    open_id: openId,
    refresh_expires_in: Math.max(0, Math.floor((refreshUntil - now) / 1000)),
    refresh_token: refresh,
    scope: scopes.join(','),
    token_type: 'Bearer',
  };
}

/**
 * Client credentials (`clt.`) tokens live 2 hours (docs/tiktok-api.md, Token endpoint and
 * Research API) and carry the research scope.
 */
export function issueClientToken(state: SandboxState) {
  const token = newToken('clt');
  const ttl = 7200;
  state.accessTokens.set(token, {
    token,
    openId: null,
    scopes: ['research.data.basic'],
    expiresAt: state.clock.now() + ttl * 1000,
    revoked: false,
  });
  return { access_token: token, expires_in: ttl, token_type: 'Bearer' };
}

/** Revoking removes the app from the user's account: every token of that user stops working. */
export function revokeUser(state: SandboxState, openId: string): void {
  for (const token of state.accessTokens.values()) {
    if (token.openId === openId) token.revoked = true;
  }
  for (const token of state.refreshTokens.values()) {
    if (token.openId === openId) token.revoked = true;
  }
}
