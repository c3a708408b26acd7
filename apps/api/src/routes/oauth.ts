import formBody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context';
import { ApiError } from '../errors';
import { sendError } from '../plugins/error-handler';
import { requireOperator } from '../plugins/operator-auth';
import { verifyCsrf } from '../plugins/operator-session';
import { refuseCrossSiteWrite } from '../plugins/same-origin';
import { toAccountResource } from '../services/account-resource';
import {
  ConnectFailedError,
  completeConnect,
  OWN_PAGE,
  redirectWithOutcome,
  startConnect,
} from '../services/connect-flow';
import { checkConnectRate, checkRedirectTo } from '../services/connect-limits';
import { escapeHtml, htmlPage, wantsHtml } from '../services/html';

const operatorQuery = z.object({
  ownerId: z.string().max(128).optional(),
  redirectTo: z.string().max(2048).optional(),
});

const operatorForm = z.looseObject({
  ownerId: z.string().min(1).max(128),
  redirectTo: z.string().max(2048).optional(),
  _csrf: z.string().max(512).optional(),
});

const callbackQuery = z.looseObject({
  code: z.string().max(2048).optional(),
  state: z.string().max(512).optional(),
  scopes: z.string().max(2048).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(2048).optional(),
});

function connectForm(csrfToken: string, values: { ownerId?: string; redirectTo?: string }) {
  return htmlPage(
    'Connect a TikTok account',
    `<p>The account will belong to the owner you name: the id of a user of your backend.</p>
<form method="post" action="/api/integrations/tiktok/connect">
<input type="hidden" name="_csrf" value="${escapeHtml(csrfToken)}">
<label for="ownerId">Owner id</label><input id="ownerId" name="ownerId" required maxlength="128" value="${escapeHtml(values.ownerId ?? '')}">
<label for="redirectTo">Afterwards, go to (optional)</label>
<input id="redirectTo" name="redirectTo" type="url" placeholder="https://backend.example/settings" value="${escapeHtml(values.redirectTo ?? '')}">
<button type="submit">Continue to TikTok</button></form>`,
  );
}

function problemPage(reply: FastifyReply, request: FastifyRequest, error: ApiError) {
  if (!wantsHtml(request.headers.accept)) return sendError(reply, error);
  return reply
    .code(error.statusCode)
    .type('text/html; charset=utf-8')
    .send(
      htmlPage(
        'The TikTok account was not connected',
        `<p>${escapeHtml(error.message)}</p><p>Code: <code>${escapeHtml(error.code)}</code></p>`,
      ),
    );
}

export async function oauthRoutes(
  app: FastifyInstance,
  { ctx, signedIn }: { ctx: ApiContext; signedIn: (request: FastifyRequest) => boolean },
) {
  // The operator's connect form: operators only (the session, or basic auth). The GET only
  // shows the form; starting a flow is a POST with the session's CSRF token, so no page of
  // another site can start one in the operator's name.
  await app.register(async (operator) => {
    await requireOperator(operator, ctx.config, signedIn);
    await operator.register(formBody);
    const api = operator.withTypeProvider<ZodTypeProvider>();
    api.get(
      '/api/integrations/tiktok/connect',
      {
        schema: {
          summary: 'Connect an account (operator login): the form',
          description:
            'A small form asking for the owner id (prefilled from `ownerId`); it posts to the ' +
            'same path with the CSRF token of the session.',
          tags: ['integration'],
          querystring: operatorQuery,
        },
      },
      async (request, reply) =>
        reply
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(connectForm(reply.generateCsrf(), request.query)),
    );
    api.post(
      '/api/integrations/tiktok/connect',
      {
        schema: {
          summary: 'Connect an account (operator login): start',
          description:
            'The form of the GET, with its CSRF token (`_csrf` field or x-csrf-token header): ' +
            'a 303 to TikTok. After approval the browser goes to `redirectTo?accountId=…`, or ' +
            'to a success page.',
          tags: ['integration'],
          body: operatorForm,
        },
      },
      async (request, reply) => {
        refuseCrossSiteWrite(request, 'The connect page', ctx.config.BACKEND_URL);
        await verifyCsrf(operator, request);
        const { ownerId, redirectTo } = request.body;
        if (redirectTo) checkRedirectTo(ctx.config, redirectTo);
        await checkConnectRate(ctx, { key: 'operator', ownerId });
        const { authorizeUrl } = await startConnect(ctx, {
          ownerId,
          redirectTo: redirectTo || OWN_PAGE,
        });
        return reply.redirect(authorizeUrl, 303);
      },
    );
  });

  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/integrations/tiktok/callback',
    {
      schema: {
        summary: "TikTok's OAuth redirect (register this URL with your TikTok app)",
        tags: ['integration'],
        querystring: callbackQuery,
      },
    },
    async (request, reply) => {
      try {
        const { account, flow } = await completeConnect(ctx, request.query, request.log);
        if (flow.redirectTo !== OWN_PAGE) {
          return reply.redirect(
            redirectWithOutcome(flow.redirectTo, { accountId: account.id }),
            302,
          );
        }
        if (!wantsHtml(request.headers.accept)) return { account: toAccountResource(account) };
        const name = account.displayName ?? account.username ?? account.openId;
        return reply
          .type('text/html; charset=utf-8')
          .send(
            htmlPage(
              'TikTok account connected',
              `<p><strong>${escapeHtml(name)}</strong> is connected for owner ` +
                `<code>${escapeHtml(account.ownerId)}</code>.</p>` +
                `<p>Account id: <code>${escapeHtml(account.id)}</code>. You can close this page.</p>`,
            ),
          );
      } catch (error) {
        if (error instanceof ApiError) return problemPage(reply, request, error);
        if (!(error instanceof ConnectFailedError)) throw error;
        if (error.flow.redirectTo !== OWN_PAGE) {
          const outcome = { error: error.code, message: error.message };
          return reply.redirect(redirectWithOutcome(error.flow.redirectTo, outcome), 302);
        }
        return problemPage(
          reply,
          request,
          new ApiError(error.statusCode, error.code, error.message),
        );
      }
    },
  );
}
