import { randomUUID } from 'node:crypto';
import { nameRequestSpan } from '@tiktok-fleet/observability';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { type ApiDeps, createContext } from './context';
import { requireCaller } from './plugins/api-key-auth';
import { bullBoard } from './plugins/bull-board';
import {
  answerClientError,
  answerFrameworkError,
  registerErrorHandling,
} from './plugins/error-handler';
import { guardRequestStrings } from './plugins/input-guard';
import { metricsRoutes } from './plugins/metrics';
import { registerOpenApi } from './plugins/openapi';
import { registerOperatorSession, signedInOperator } from './plugins/operator-session';
import { logAbortedRequests, RequestLog } from './plugins/request-log';
import { guardSlowBodies } from './plugins/slow-body';
import { accountRoutes } from './routes/accounts';
import { analyticsRoutes } from './routes/analytics';
import { fleetRoutes } from './routes/fleet';
import { healthRoutes } from './routes/health';
import { mediaRoutes } from './routes/media';
import { mediaPublicRoutes } from './routes/media-public';
import { oauthRoutes } from './routes/oauth';
import { postingOptionsRoutes } from './routes/posting-options';
import { postRoutes } from './routes/posts';
import { researchRoutes } from './routes/research';
import { signInRoutes } from './routes/sign-in';
import { webPageRoutes } from './routes/web-page';
import { webhookRoutes } from './routes/webhook';

/**
 * The HTTP API as a Fastify instance, not listening yet. Everything it talks to comes in
 * `deps`, so tests and `main.ts` wire the same thing; closing it closes only what it made
 * itself (the analytics event listener), never the clients it was given.
 */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const ctx = createContext(deps);
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; naming the narrower type keeps the instance's
    // type the default one that route plugins are written against.
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: () => randomUUID(),
    bodyLimit: 1024 * 1024,
    // Keep-alive sockets of an idle client must not hold a graceful shutdown open.
    forceCloseConnections: 'idle',
    // Behind a TLS-terminating proxy, the protocol and client address are the proxy's word.
    trustProxy: deps.config.TRUST_PROXY,
    // Our own line per request instead of Fastify's req/res pair.
    logController: new RequestLog(),
    // Slow headers are Node's to time out (408); slow bodies are guardSlowBodies'. No total
    // request deadline: a multi-GB upload may rightly take long.
    http: {
      headersTimeout: deps.config.HTTP_HEADERS_TIMEOUT_MS,
      // Node checks for expired headers this often (30 s by default).
      connectionsCheckingInterval: Math.max(
        20,
        Math.min(1000, Math.floor(deps.config.HTTP_HEADERS_TIMEOUT_MS / 4)),
      ),
    },
    requestTimeout: 0,
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  logAbortedRequests(app);
  guardSlowBodies(app, {
    idleMs: deps.config.HTTP_BODY_IDLE_TIMEOUT_MS,
    minBytesPerSec: deps.config.HTTP_BODY_MIN_BYTES_PER_SEC,
    windowMs: deps.config.HTTP_BODY_RATE_WINDOW_MS,
  });
  guardRequestStrings(app);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onClose', () => ctx.analytics.close());
  // With tracing on, a request's span is named after its route (a no-op when off).
  app.addHook('onRequest', async (request) =>
    nameRequestSpan(request.method, request.routeOptions.url),
  );

  await registerOpenApi(app, deps.config.BACKEND_URL);
  await registerOperatorSession(app, {
    config: deps.config,
    redis: deps.redis,
    prefix: ctx.prefix,
  });
  const signedIn = (request: FastifyRequest) => signedInOperator(request, ctx.now) !== null;
  await app.register(healthRoutes, { ctx });
  await app.register(metricsRoutes, { ctx });
  await bullBoard(app, { queues: ctx.queues, config: deps.config, signedIn });
  await app.register(signInRoutes, { ctx });

  await app.register(async (v1) => {
    requireCaller(v1, ctx);
    await v1.register(postRoutes, { ctx });
    await v1.register(accountRoutes, { ctx });
    await v1.register(postingOptionsRoutes, { ctx });
    await v1.register(analyticsRoutes, { ctx });
    await v1.register(mediaRoutes, { ctx });
    await v1.register(fleetRoutes, { ctx });
    await v1.register(researchRoutes, { ctx });
  });

  await app.register(oauthRoutes, { ctx, signedIn });
  await app.register(webhookRoutes, { ctx });
  // Only with photo hosting configured: otherwise there is nothing TikTok should fetch here.
  if (deps.config.MEDIA_PUBLIC_BASE_URL) await app.register(mediaPublicRoutes, { ctx });
  await app.register(webPageRoutes, { ctx });
  return app;
}
