import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { pickConfig, type SandboxConfig } from './config';
import type { SandboxContext } from './context';
import { registerControlApi } from './control-api';
import { registerDisplay } from './display';
import { ApiError, invalidParams, OAuthError, sendApiError, sendOAuthError } from './errors';
import { toJson } from './json';
import { registerAuthorize } from './oauth-authorize';
import { registerToken } from './oauth-token';
import { registerPhotoPosting } from './photo-posting';
import { registerPosting } from './posting';
import { registerResearch } from './research';
import { registerResearchControl } from './research-control';
import { SandboxState } from './state';
import { StateFile } from './state-file';
import { registerStatus } from './status';
import { registerUpload } from './upload';
import { VideoStore } from './video-store';

export interface SandboxOptions extends Partial<SandboxConfig> {
  port?: number;
  host?: string;
  clientKey?: string;
  clientSecret?: string;
  /** Registered redirect URIs; by default any absolute http(s) URI is accepted. */
  redirectUris?: string[];
  /**
   * A JSON file that keeps creators, tokens, publishes and the config across restarts
   * (read at start, written after changes and at close). Without it, state lives in memory.
   */
  stateFile?: string;
}

export interface Sandbox {
  url: string;
  authorizeUrl: string;
  clientKey: string;
  clientSecret: string;
  close(): Promise<void>;
}

function pathOf(url: string): string {
  return url.split('?')[0] ?? url;
}

/** Request bodies: JSON (empty allowed: creator_info has none), forms, and raw video streams. */
function addParsers(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(invalidParams('The request body is not valid JSON.'), undefined);
    }
  });
  app.register(formbody);
  // Chunks arrive as raw bytes: hand the stream to the route, which hashes it as it flows.
  // The catch-all lets the upload route answer a wrong Content-Type the way TikTok would.
  app.addContentTypeParser(/^video\//, (_req, payload, done) => done(null, payload));
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
}

function addErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError | OAuthError, request, reply) => {
    const path = pathOf(request.url);
    if (error instanceof OAuthError) return sendOAuthError(reply, error);
    const status =
      'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
    const apiError =
      error instanceof ApiError
        ? error
        : status < 500
          ? invalidParams(error.message)
          : new ApiError('internal_error', 500, 'Something went wrong. Please try again later.');
    if (path.startsWith('/v2/oauth/')) {
      const code = apiError.status >= 500 ? 'server_error' : 'invalid_request';
      return sendOAuthError(reply, new OAuthError(code, apiError.message, apiError.status));
    }
    if (path.startsWith('/_sandbox/'))
      return reply.code(apiError.status).send({ error: apiError.message });
    return sendApiError(
      reply,
      apiError,
      path === '/v2/post/publish/cancel/' ? 'error-only' : 'full',
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendApiError(
      reply,
      new ApiError('not_found', 404, `No endpoint ${request.method} ${pathOf(request.url)}.`),
      'full',
    ),
  );
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const clientKey = options.clientKey ?? 'sbawsandboxclientkey';
  const clientSecret = options.clientSecret ?? 'sandbox-client-secret';
  const host = options.host ?? '127.0.0.1';
  const configOptions = pickConfig(options as Record<string, unknown>);
  const state = new SandboxState(
    clientKey,
    clientSecret,
    options.redirectUris ?? null,
    configOptions,
  );
  const ctx: SandboxContext = { state, base: { url: '' }, videos: new VideoStore() };
  const stateFile = options.stateFile ? new StateFile(options.stateFile, ctx) : null;
  stateFile?.restore(configOptions);
  if (stateFile) state.scheduler.afterEach = () => stateFile.scheduleSave();
  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.setReplySerializer((payload) => toJson(payload));
  addParsers(app);
  addErrorHandling(app);
  app.addHook('onRequest', async (request) => {
    const path = pathOf(request.url);
    if (path.startsWith('/_sandbox/')) return;
    state.countRequest(path);
    const latency = state.config.latencyMs + state.faults.takeLatency();
    if (latency > 0) {
      await sleep(latency);
      state.delayedMs.set(path, (state.delayedMs.get(path) ?? 0) + latency);
    }
  });
  if (stateFile) {
    app.addHook('onResponse', async (request) => {
      // Reads of the control API change nothing; any TikTok call may (tokens, publishes).
      if (request.method === 'GET' && pathOf(request.url).startsWith('/_sandbox/')) return;
      stateFile.scheduleSave();
    });
  }
  registerAuthorize(app, ctx);
  registerToken(app, ctx);
  registerPosting(app, ctx);
  registerPhotoPosting(app, ctx);
  registerUpload(app, ctx);
  registerStatus(app, ctx);
  registerDisplay(app, ctx);
  registerResearch(app, ctx);
  registerResearchControl(app, ctx);
  registerControlApi(app, ctx);

  await app.listen({ port: options.port ?? 0, host });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  ctx.base.url = url;
  return {
    url,
    authorizeUrl: `${url}/v2/auth/authorize/`,
    clientKey,
    clientSecret,
    async close() {
      state.scheduler.cancelAll();
      await app.close();
      await stateFile?.close();
      await ctx.videos.clear();
    },
  };
}
