import type { FastifyInstance, FastifyReply } from 'fastify';
import { authorizePage, errorPage } from './authorize-page';
import { type AuthorizeRequest, checkAuthorize, redirectWith } from './authorize-request';
import type { SandboxContext } from './context';
import { createCreator } from './creators';
import { newSecret } from './ids';
import type { Creator, SandboxState } from './state';

/** Codes are short-lived; TikTok does not document how long, OAuth practice is minutes. */
const codeTtlMs = 10 * 60_000;

function loginAs(state: SandboxState, account: string | null): Creator {
  if (account && account !== 'new') {
    return state.creators.get(account) ?? createCreator(state, {}, account);
  }
  return createCreator(state, {});
}

function grant(
  state: SandboxState,
  reply: FastifyReply,
  request: AuthorizeRequest,
  creator: Creator,
  scopes: string[],
) {
  // TikTok's codes carry characters that must be URL-decoded before the token call
  // (docs/tiktok-api.md, Token endpoint).
  const code = `${newSecret(36)}!${Math.floor(Math.random() * 9000) + 1000}.va`;
  state.codes.set(code, {
    code,
    openId: creator.openId,
    scopes,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    expiresAt: state.clock.now() + codeTtlMs,
    used: false,
  });
  // The callback names the granted scopes `scopes`, plural (docs/tiktok-api.md, Authorize request).
  return reply.redirect(
    redirectWith(request.redirectUri, { code, scopes: scopes.join(','), state: request.state }),
    302,
  );
}

export function registerAuthorize(app: FastifyInstance, { state }: SandboxContext): void {
  app.get('/v2/auth/authorize/', async (req, reply) => {
    const check = checkAuthorize(state, req.query as Record<string, unknown>);
    if (check.kind === 'page')
      return reply.code(400).type('text/html').send(errorPage(check.message));
    if (check.kind === 'redirect') {
      return reply.redirect(
        redirectWith(check.redirectUri, {
          error: check.error,
          error_description: check.description,
          state: check.state,
        }),
        302,
      );
    }
    const { request } = check;
    if (state.config.autoApprove) {
      const creator = loginAs(state, state.config.autoApproveOpenId);
      return grant(state, reply, request, creator, request.scopes);
    }
    return reply.type('text/html').send(authorizePage(request, [...state.creators.values()]));
  });

  // The consent form posts here (not a TikTok API; TikTok's page does the same internally).
  app.post('/v2/auth/authorize/', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const check = checkAuthorize(state, body);
    if (check.kind === 'page')
      return reply.code(400).type('text/html').send(errorPage(check.message));
    if (check.kind === 'redirect') {
      const params = {
        error: check.error,
        error_description: check.description,
        state: check.state,
      };
      return reply.redirect(redirectWith(check.redirectUri, params), 302);
    }
    const { request } = check;
    if (body.decision !== 'authorize') {
      const params = {
        error: 'access_denied',
        error_description: 'The user denied the authorization request.',
        state: request.state,
      };
      return reply.redirect(redirectWith(request.redirectUri, params), 302);
    }
    const checked = ([] as unknown[]).concat(body.grant ?? []).filter((s) => typeof s === 'string');
    const scopes = request.scopes.filter((s) => checked.includes(s));
    const account = typeof body.account === 'string' ? body.account : null;
    return grant(state, reply, request, loginAs(state, account), scopes);
  });
}
