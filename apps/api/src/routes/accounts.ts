import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context';
import { ApiError, notFound } from '../errors';
import { accountSchema, errorResponses, errorSchema, idParams } from '../schemas';
import { accountWithActivity } from '../services/account-resource';
import { startConnect } from '../services/connect-flow';
import { checkConnectRate, checkRedirectTo } from '../services/connect-limits';
import { disconnectAccount } from '../services/disconnect-account';
import { sameOriginPath } from '../services/same-origin-path';

const httpUrl = z
  .string()
  .max(2048)
  .refine(
    (value) => {
      try {
        return ['http:', 'https:'].includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { error: 'must be an absolute http or https URL' },
  );

const connectBody = z.strictObject({
  ownerId: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe("Your user's id; defaults to the API key's owner and must match it"),
  redirectTo: z
    .union([httpUrl, z.string().max(2048).startsWith('/')])
    .describe(
      'Where the browser goes afterwards, with ?accountId= added: an absolute http(s) URL, ' +
        'or (signed-in operator only) a path of this site such as /accounts',
    ),
});

/** A caller's redirectTo as the absolute URL the callback sends the browser to. */
function landingUrl(redirectTo: string, request: FastifyRequest, backendUrl: string): string {
  if (!redirectTo.startsWith('/')) return redirectTo;
  const path = sameOriginPath(redirectTo);
  if (!path || request.authKind !== 'session') {
    throw new ApiError(
      400,
      'invalid_request',
      request.authKind === 'session'
        ? 'redirectTo must be a path of this site (such as /accounts) or an absolute http or https URL.'
        : 'redirectTo must be an absolute http or https URL; paths of this site are for the signed-in operator.',
      [{ field: 'redirectTo', problem: 'must be an absolute http or https URL' }],
    );
  }
  return `${backendUrl.replace(/\/+$/, '')}${path}`;
}

const connectResponse = z
  .object({
    authorizeUrl: z.string().describe("Send the user's browser here"),
    state: z.string(),
    expiresAt: z.string().describe('The link works once, until then'),
  })
  .meta({ id: 'ConnectStarted' });

export async function accountRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }) {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/v1/accounts',
    {
      schema: {
        summary: 'Your connected TikTok accounts',
        tags: ['accounts'],
        response: { 200: z.object({ accounts: z.array(accountSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const accounts = await ctx.accounts.listByOwner(request.ownerId);
      return {
        accounts: await Promise.all(accounts.map((account) => accountWithActivity(ctx, account))),
      };
    },
  );

  api.get(
    '/v1/accounts/:id',
    {
      schema: {
        summary: 'One account (never its tokens)',
        tags: ['accounts'],
        params: idParams,
        response: { 200: accountSchema, ...errorResponses },
      },
    },
    async (request) => {
      const account = await ctx.accounts.get(request.params.id, { ownerId: request.ownerId });
      if (!account) throw notFound('account', request.params.id);
      return accountWithActivity(ctx, account);
    },
  );

  api.delete(
    '/v1/accounts/:id',
    {
      schema: {
        summary: 'Disconnect an account',
        description:
          'Revokes the authorization at TikTok, erases the tokens and marks the account ' +
          '`revoked`. Posts that have not reached TikTok yet fail with `account_revoked`.',
        tags: ['accounts'],
        params: idParams,
        response: { 200: accountSchema, 502: errorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const account = await ctx.accounts.get(request.params.id, { ownerId: request.ownerId });
      if (!account) throw notFound('account', request.params.id);
      await disconnectAccount(ctx, account, request.log);
      const after = await ctx.accounts.get(account.id);
      if (!after) throw notFound('account', account.id);
      return accountWithActivity(ctx, after);
    },
  );

  api.post(
    '/v1/accounts/connect',
    {
      schema: {
        summary: 'Start connecting a TikTok account',
        description:
          "Returns TikTok's authorize URL with a one-time state (10 minutes). At most " +
          'CONNECT_RATE_LIMIT_PER_MINUTE starts a minute per key and per owner (429 with ' +
          'Retry-After). redirectTo must be on this site or an origin of ' +
          'CONNECT_REDIRECT_ORIGINS. After the user ' +
          'approves, the browser lands on `redirectTo?accountId=…`, or on ' +
          '`redirectTo?error=…&error_description=…`.',
        tags: ['accounts'],
        body: connectBody,
        response: {
          200: connectResponse,
          403: errorSchema,
          429: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const ownerId = request.body.ownerId ?? request.ownerId;
      // An API key speaks for one owner; an account bound to another owner would be one this
      // key could never see again.
      if (ownerId !== request.ownerId) {
        throw new ApiError(
          403,
          'owner_mismatch',
          `This ${request.authKind === 'session' ? 'session acts for' : 'API key belongs to'} owner ` +
            `"${request.ownerId}", so it can only connect accounts for that owner, not for ` +
            `"${ownerId}". Leave ownerId out, or use that owner's key.`,
        );
      }
      const redirectTo = landingUrl(request.body.redirectTo, request, ctx.config.BACKEND_URL);
      checkRedirectTo(ctx.config, redirectTo);
      await checkConnectRate(ctx, { key: request.callerKey, ownerId });
      return startConnect(ctx, { ownerId, redirectTo });
    },
  );
}
