import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifySession from '@fastify/session';
import type { RedisClient } from '@tiktok-fleet/queue';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ApiConfig, sessionSecret } from '../config';
import { RedisSessionStore } from '../services/redis-session-store';

declare module 'fastify' {
  interface Session {
    /** Set by a successful sign-in; the session authenticates nothing without it. */
    operator?: { username: string; signedInAt: number; expiresAt: number };
  }
}

export const SESSION_COOKIE = 'tf_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface OperatorSessionOptions {
  config: Pick<
    ApiConfig,
    | 'NODE_ENV'
    | 'SESSION_SECRET'
    | 'SESSION_TTL_SECONDS'
    | 'OPERATOR_PASSWORD'
    | 'TOKEN_ENCRYPTION_KEY'
  >;
  redis: RedisClient;
  prefix: string;
}

/**
 * Cookie sessions for the signed-in operator (@fastify/session, stored in Redis) and CSRF
 * tokens bound to the session (@fastify/csrf-protection). The cookie is HttpOnly,
 * SameSite=Lax, Secure outside development and test, and lives SESSION_TTL_SECONDS; a
 * session is saved only once something is put in it (a form's CSRF secret, a sign-in).
 */
export async function registerOperatorSession(
  app: FastifyInstance,
  { config, redis, prefix }: OperatorSessionOptions,
): Promise<void> {
  const ttlMs = config.SESSION_TTL_SECONDS * 1000;
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: sessionSecret(config),
    cookieName: SESSION_COOKIE,
    store: new RedisSessionStore(redis, { prefix, ttlMs }),
    saveUninitialized: false,
    // The expiry counts from the sign-in, not from the last request.
    rolling: false,
    cookie: {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: config.NODE_ENV !== 'development' && config.NODE_ENV !== 'test',
      maxAge: ttlMs,
    },
  });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/session',
    // The form field of the server-rendered forms, or the header the page sends. Never the
    // query string, which ends up in logs and Referer headers.
    getToken: (request) => {
      const body = request.body as { _csrf?: unknown } | undefined;
      if (typeof body?._csrf === 'string') return body._csrf;
      const header = request.headers[CSRF_HEADER];
      return typeof header === 'string' ? header : undefined;
    },
  });
}

/** The operator this request's session signed in, unless there is none or it has expired. */
export function signedInOperator(request: FastifyRequest, now: () => number) {
  const operator = request.session?.operator;
  if (!operator || operator.expiresAt <= now()) return null;
  return operator;
}

/**
 * Resolves when the request carries the session's CSRF token; rejects with the plugin's
 * 403 error otherwise. The plugin's check is callback-shaped and answers through
 * `reply.send(error)`; here that error is handed to the caller instead, so the API's error
 * handler words it.
 */
export function verifyCsrf(app: FastifyInstance, request: FastifyRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const refuse = { send: reject } as unknown as FastifyReply;
    app.csrfProtection(request, refuse, () => resolve());
  });
}
