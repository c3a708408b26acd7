import formBody from '@fastify/formbody';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { operatorLoginEnabled } from '../config';
import type { ApiContext } from '../context';
import { ApiError } from '../errors';
import { operatorCredentialsMatch } from '../plugins/operator-auth';
import { SESSION_COOKIE, signedInOperator } from '../plugins/operator-session';
import { refuseCrossSiteWrite } from '../plugins/same-origin';
import { errorSchema } from '../schemas';
import { escapeHtml, htmlPage } from '../services/html';
import { sameOriginPath } from '../services/same-origin-path';
import { SIGN_IN_FAILURES, SignInLockout } from '../services/sign-in-lockout';

const WRONG_CREDENTIALS = 'Wrong username or password.';
const FORM_EXPIRED = 'The sign-in form had expired. Sign in again.';

const loginQuery = z.object({ next: z.string().max(2048).optional() });
const loginBody = z.looseObject({
  username: z.string().max(256).optional(),
  password: z.string().max(1024).optional(),
  _csrf: z.string().max(512).optional(),
  next: z.string().max(2048).optional(),
});

const sessionResponse = z
  .object({
    operator: z.object({ username: z.string() }),
    ownerId: z.string().describe('the owner the session acts as on /v1/* (OPERATOR_OWNER_ID)'),
    csrfToken: z.string().describe('send as the x-csrf-token header with every write'),
    expiresAt: z.string().describe('when the sign-in ends; sign in again then'),
  })
  .meta({ id: 'OperatorSession' });

function loginForm(reply: FastifyReply, options: { next: string | null; problem?: string }) {
  const problem = options.problem
    ? `<p class="problem" role="alert" id="problem">${escapeHtml(options.problem)}</p>`
    : '';
  const described = options.problem ? ' aria-describedby="problem"' : '';
  const next = options.next
    ? `<input type="hidden" name="next" value="${escapeHtml(options.next)}">`
    : '';
  return htmlPage(
    'Sign in to tiktok-fleet',
    `${problem}<form method="post" action="/login"${described}>
<input type="hidden" name="_csrf" value="${escapeHtml(reply.generateCsrf())}">${next}
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required autofocus maxlength="256">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
<button type="submit">Sign in</button></form>`,
  );
}

const html = (reply: FastifyReply, status: number, body: string) =>
  reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(body);

const loginOffPage = () =>
  htmlPage(
    'The operator sign-in is off',
    '<p>Set <code>OPERATOR_USERNAME</code> and <code>OPERATOR_PASSWORD</code> (12 characters ' +
      'or more) and restart the API to use the page.</p>',
  );

/**
 * The operator's sign-in: a server-rendered form at /login (works without the page's
 * scripts), POST /login and POST /logout, and GET /v1/session for the page. The form
 * carries a CSRF token too, so no other site can sign a browser in to an account of its
 * choosing (login CSRF).
 */
export async function signInRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }) {
  const enabled = operatorLoginEnabled(ctx.config);
  const lockout = new SignInLockout(ctx.redis, ctx.prefix);
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/v1/session',
    {
      schema: {
        summary: 'The signed-in operator (the page asks this first)',
        description:
          'With the session cookie from signing in at /login: who is signed in, the owner ' +
          'the session acts as, the CSRF token for writes and when the session ends. ' +
          'Otherwise `401 not_signed_in`.',
        tags: ['session'],
        security: [{ session: [] }],
        response: { 200: sessionResponse, 401: errorSchema },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const operator = signedInOperator(request, ctx.now);
      if (!operator) {
        throw new ApiError(
          401,
          'not_signed_in',
          'Not signed in, or the sign-in has expired. Sign in at /login.',
        );
      }
      return {
        operator: { username: operator.username },
        ownerId: ctx.config.OPERATOR_OWNER_ID,
        csrfToken: reply.generateCsrf(),
        expiresAt: new Date(operator.expiresAt).toISOString(),
      };
    },
  );

  await app.register(async (forms) => {
    await forms.register(formBody, { bodyLimit: 16 * 1024 });
    // A refused CSRF token on the sign-in form shows the form again (the usual cause is a
    // tab left open past the session's life); everything else goes to the API's handler.
    forms.setErrorHandler((error: FastifyError, request, reply) => {
      const csrf =
        error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET';
      if (!csrf || request.url.split('?')[0] !== '/login') throw error;
      const body = request.body as { next?: unknown } | undefined;
      return html(
        reply,
        403,
        loginForm(reply, { next: sameOriginPath(body?.next), problem: FORM_EXPIRED }),
      );
    });
    const formApi = forms.withTypeProvider<ZodTypeProvider>();

    formApi.get(
      '/login',
      {
        schema: {
          summary: 'The sign-in form',
          tags: ['session'],
          security: [],
          querystring: loginQuery,
        },
      },
      async (request, reply) => {
        if (!enabled) return html(reply, 404, loginOffPage());
        const next = sameOriginPath(request.query.next);
        if (signedInOperator(request, ctx.now)) return reply.redirect(next ?? '/', 303);
        return html(reply, 200, loginForm(reply, { next }));
      },
    );

    formApi.post(
      '/login',
      {
        schema: {
          summary: 'Sign in (the form posts here)',
          description:
            'Form fields `username`, `password`, `_csrf` (from the form) and optional ' +
            '`next` (a path of this site). Success: `303` to `next` or `/` with the session ' +
            'cookie. Wrong credentials: `401` and the form again.',
          tags: ['session'],
          security: [],
          body: loginBody,
        },
        onRequest: async (request) =>
          refuseCrossSiteWrite(request, 'The sign-in form', ctx.config.BACKEND_URL),
        preHandler: (request, reply, done) => {
          if (!enabled) return done();
          forms.csrfProtection(request, reply, done);
        },
      },
      async (request, reply) => {
        if (!enabled) return html(reply, 404, loginOffPage());
        const { username = '', password = '' } = request.body;
        const next = sameOriginPath(request.body.next);
        const waitMs = await lockout.waitMs(request.ip);
        if (waitMs > 0) {
          const minutes = Math.ceil(waitMs / 60_000);
          reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
          const problem =
            `Too many wrong passwords from your address (${SIGN_IN_FAILURES} in 15 minutes). ` +
            `Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
          return html(reply, 429, loginForm(reply, { next, problem }));
        }
        if (!operatorCredentialsMatch(ctx.config, username, password)) {
          request.log.info('operator sign-in refused: wrong username or password');
          await lockout.recordFailure(request.ip);
          return html(reply, 401, loginForm(reply, { next, problem: WRONG_CREDENTIALS }));
        }
        // A new session id at sign-in, so an id planted before it is worth nothing after.
        await request.session.regenerate();
        const now = ctx.now();
        request.session.operator = {
          username,
          signedInAt: now,
          expiresAt: now + ctx.config.SESSION_TTL_SECONDS * 1000,
        };
        return reply.redirect(next ?? '/', 303);
      },
    );

    formApi.post(
      '/logout',
      {
        schema: {
          summary: 'Sign out',
          description:
            'Needs the CSRF token (`_csrf` field or x-csrf-token header). `303` to /login.',
          tags: ['session'],
          security: [{ session: [] }],
        },
        onRequest: async (request) =>
          refuseCrossSiteWrite(request, 'Signing out', ctx.config.BACKEND_URL),
        preHandler: (request: FastifyRequest, reply, done) => {
          // Nothing to end without a session; with one, only this site's pages may end it.
          if (!request.session?.operator) return done();
          forms.csrfProtection(request, reply, done);
        },
      },
      async (request, reply) => {
        if (request.session?.operator) await request.session.destroy();
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.redirect('/login', 303);
      },
    );
  });
}
