import { AccountConnectedElsewhereError, type PublicAccount } from '@tiktok-fleet/db';
import { OAUTH_STATE_TTL_SEC, type OAuthStateData } from '@tiktok-fleet/queue';
import {
  parseScopes,
  TikTokApiError,
  type UserInfo,
  userInfoFieldsForScopes,
} from '@tiktok-fleet/tiktok';
import type { FastifyBaseLogger } from 'fastify';
import { oauthCallbackUrl } from '../config';
import type { ApiContext } from '../context';
import { ApiError } from '../errors';

/**
 * Stored as `redirectTo` when the flow ends on the API's own success page. Caller-given
 * redirects are http(s) URLs, so they can never be mistaken for it.
 */
export const OWN_PAGE = 'page:connected';

export interface StartedConnect {
  authorizeUrl: string;
  state: string;
  expiresAt: string;
}

/** A one-time, expiring state bound to the owner, and TikTok's authorize URL carrying it. */
export async function startConnect(
  ctx: ApiContext,
  input: { ownerId: string; redirectTo: string },
): Promise<StartedConnect> {
  const state = await ctx.oauthStates.create(
    { ownerId: input.ownerId, redirectTo: input.redirectTo },
    OAUTH_STATE_TTL_SEC,
  );
  const scopes = parseScopes(ctx.config.TIKTOK_SCOPES);
  const authorizeUrl = ctx.tiktok.buildAuthorizeUrl({
    redirectUri: oauthCallbackUrl(ctx.config),
    scopes,
    state,
    // Always TikTok's consent screen, so a person connecting a second account from the same
    // browser is not silently given the first one again (docs/tiktok-api.md, Connecting
    // several accounts from one browser).
    disableAutoAuth: 1,
  });
  return {
    authorizeUrl,
    state,
    expiresAt: new Date(Date.now() + OAUTH_STATE_TTL_SEC * 1000).toISOString(),
  };
}

/** Why a callback could not connect an account, once we know where the browser belongs. */
export class ConnectFailedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly flow: OAuthStateData,
    readonly statusCode: number,
  ) {
    super(message);
    this.name = 'ConnectFailedError';
  }
}

export interface CallbackQuery {
  code?: string | undefined;
  state?: string | undefined;
  scopes?: string | undefined;
  error?: string | undefined;
  error_description?: string | undefined;
}

/**
 * TikTok's redirect back: the state first (missing, unknown, used, expired: refused before
 * anything else), then TikTok's own error, then the code exchange, the profile and the
 * creator info, and the account upsert by open_id.
 */
export async function completeConnect(
  ctx: ApiContext,
  query: CallbackQuery,
  log: FastifyBaseLogger,
): Promise<{ account: PublicAccount; flow: OAuthStateData }> {
  if (!query.state) {
    throw new ApiError(
      400,
      'oauth_state_missing',
      'This sign-in callback has no state, so it cannot be matched to a connect request. ' +
        'Start connecting the account again.',
    );
  }
  const flow = await ctx.oauthStates.consume(query.state);
  if (!flow) {
    throw new ApiError(
      400,
      'oauth_state_invalid',
      'This sign-in link is unknown, already used or expired (links last ' +
        `${OAUTH_STATE_TTL_SEC / 60} minutes and work once). Start connecting the account again.`,
    );
  }
  if (query.error) {
    const denied = query.error === 'access_denied';
    throw new ConnectFailedError(
      query.error,
      denied
        ? 'The TikTok user declined to connect the account. They can connect again at any time.'
        : `TikTok did not authorize the connection (${query.error}${
            query.error_description ? `: ${query.error_description}` : ''
          }). Try connecting again.`,
      flow,
      denied ? 403 : 400,
    );
  }
  if (!query.code) {
    throw new ConnectFailedError(
      'oauth_code_missing',
      'TikTok sent the browser back without an authorization code. Try connecting again.',
      flow,
      400,
    );
  }

  let tokens: Awaited<ReturnType<typeof ctx.tiktok.exchangeCode>>;
  try {
    tokens = await ctx.tiktok.exchangeCode({
      code: query.code,
      redirectUri: oauthCallbackUrl(ctx.config),
      codeVerifier: flow.codeVerifier,
    });
  } catch (error) {
    if (!(error instanceof TikTokApiError)) throw error;
    throw new ConnectFailedError(error.code, error.message, flow, 502);
  }
  const scopes = tokens.scopes.length > 0 ? tokens.scopes : parseScopes(query.scopes);

  const profile = await readProfile(ctx, tokens.accessToken, scopes, log);
  let account: PublicAccount;
  try {
    account = await ctx.accounts.upsertByOpenId({
      ownerId: flow.ownerId,
      openId: tokens.openId,
      unionId: profile.unionId ?? null,
      displayName: profile.displayName ?? null,
      username: profile.username ?? null,
      avatarUrl: profile.avatarUrl ?? null,
      grantedScopes: scopes,
      tokens,
    });
  } catch (error) {
    if (!(error instanceof AccountConnectedElsewhereError)) throw error;
    throw new ConnectFailedError(error.code, error.message, flow, 409);
  }

  if (scopes.includes('video.publish')) {
    // The same per-account count of TikTok's creator_info limit the workers use: a loop of
    // connects must not spend what the account's posts need (docs/tiktok-api.md, Rate limits).
    const decision = await ctx.limiter.acquireTikTok(account.id, 'creatorInfo');
    if (!decision.ok) {
      log.info({ accountId: account.id }, 'creator info skipped after connect: rate limit spent');
    } else {
      try {
        const info = await ctx.tiktok.queryCreatorInfo(tokens.accessToken);
        await ctx.accounts.saveCreatorInfo(account.id, { ...info, avatarUrl: info.avatarUrl });
      } catch (error) {
        // The publish worker asks again before every post; the account is usable without it.
        log.warn({ err: error, accountId: account.id }, 'creator info unavailable after connect');
      }
    }
  }
  return { account: (await ctx.accounts.get(account.id)) ?? account, flow };
}

async function readProfile(
  ctx: ApiContext,
  accessToken: string,
  scopes: string[],
  log: FastifyBaseLogger,
): Promise<UserInfo> {
  const fields = userInfoFieldsForScopes(scopes);
  if (fields.length === 0) return {};
  try {
    return await ctx.tiktok.getUserInfo(accessToken, fields);
  } catch (error) {
    log.warn({ err: error }, 'user info unavailable after connect; storing the account without it');
    return {};
  }
}

/** Where the browser goes after the callback: the caller's page, with the outcome added. */
export function redirectWithOutcome(
  redirectTo: string,
  outcome: { accountId: string } | { error: string; message: string },
): string {
  const url = new URL(redirectTo);
  if ('accountId' in outcome) {
    url.searchParams.set('accountId', outcome.accountId);
  } else {
    url.searchParams.set('error', outcome.error);
    url.searchParams.set('error_description', outcome.message);
  }
  return url.toString();
}
