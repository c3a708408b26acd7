import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@tiktok-fleet/config';
import { createApiKeyRepository, createPrismaClient } from '@tiktok-fleet/db';
import { createLogger } from '@tiktok-fleet/observability';
import { closeQueues, createQueues, redisConnection, waitForRedis } from '@tiktok-fleet/queue';
import {
  createTestDatabase,
  createTestRedisPrefix,
  freePort,
  sandboxControl,
  testServices,
} from '@tiktok-fleet/testing';
import type {} from '@tiktok-fleet/testing/global-setup';
import { createTikTokClient } from '@tiktok-fleet/tiktok';
import { startSandbox } from '@tiktok-fleet/tiktok-sandbox';
import { createWorkerDeps, startWorkers, WORKER_CONFIG_KEYS } from '@tiktok-fleet/worker';
import { API_CONFIG_KEYS, buildApi, seedApiKeys } from '../../src/index';

export const FULL_FLEET_OWNER = 'corpus-owner';

const quiet = (name: string) =>
  createLogger({ name, level: process.env.TEST_LOG_LEVEL ?? 'silent', format: 'json' });

/**
 * The API listening on a port and a worker process's workers, built from one environment as
 * their `main.ts` build them, with the TikTok sandbox, on a database, Redis prefix and
 * MEDIA_ROOT of their own. `extraEnv` adds settings (URL_SOURCE_ALLOW_PRIVATE, ...).
 */
export async function startFullFleet(
  extraEnv: Record<string, string> = {},
  /** Settings of the API alone, over `extraEnv`. */
  apiEnv: Record<string, string> = {},
) {
  const [{ url: databaseUrl }, mediaRoot, port] = await Promise.all([
    createTestDatabase(),
    mkdtemp(join(tmpdir(), 'tf-full-media-')),
    freePort(),
  ]);
  const prefix = createTestRedisPrefix('full');
  const apiUrl = `http://127.0.0.1:${port}`;
  const sandbox = await startSandbox({
    port: 0,
    autoApprove: true,
    rateLimits: false,
    processingDelayMs: 50,
    moderationDelayMs: 50,
  });
  const apiKey = `tfk_full_${randomBytes(16).toString('hex')}`;
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    TIKTOK_CLIENT_KEY: sandbox.clientKey,
    TIKTOK_CLIENT_SECRET: sandbox.clientSecret,
    TIKTOK_API_BASE_URL: sandbox.url,
    TIKTOK_AUTH_URL: sandbox.authorizeUrl,
    BACKEND_URL: apiUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    REDIS_URL: testServices().redisUrl,
    REDIS_PREFIX: prefix,
    DATABASE_URL: databaseUrl,
    TOKEN_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
    CALLBACK_SIGNING_SECRET: randomBytes(24).toString('hex'),
    API_KEYS: `${FULL_FLEET_OWNER}:${apiKey}`,
    MEDIA_ROOT: mediaRoot,
    // Where the connect flows send the browser back to.
    CONNECT_REDIRECT_ORIGINS: 'https://backend.example',
    ...extraEnv,
  };

  const apiConfig = parseConfig(API_CONFIG_KEYS, { ...env, ...apiEnv });
  const db = createPrismaClient(databaseUrl, { poolSize: 4 });
  const redis = redisConnection(env.REDIS_URL, 'producer');
  redis.on('error', () => undefined);
  await waitForRedis(redis);
  const queues = createQueues(redis, { prefix, onError: () => undefined });
  const tiktok = createTikTokClient({
    clientKey: sandbox.clientKey,
    clientSecret: sandbox.clientSecret,
    apiBaseUrl: sandbox.url,
    authUrl: sandbox.authorizeUrl,
  });
  await seedApiKeys(createApiKeyRepository(db), apiConfig.API_KEYS);
  const app = await buildApi({
    config: apiConfig,
    db,
    redis,
    queues,
    tiktok,
    logger: quiet('api'),
  });
  await app.listen({ port, host: '127.0.0.1' });

  const workerDeps = createWorkerDeps(parseConfig(WORKER_CONFIG_KEYS, env), quiet('worker'));
  workerDeps.settings = {
    ...workerDeps.settings,
    statusPoll: { firstDelayMs: 200, maxDelayMs: 1_000, postIdWaitMs: 30_000, postIdPollMs: 200 },
  };
  await waitForRedis(workerDeps.redis);
  const workers = await startWorkers(workerDeps, { scheduleSweep: false });

  const control = (method: string, path: string, body?: unknown) =>
    sandboxControl<Record<string, unknown>>(sandbox.url, method, path, body);

  return {
    apiUrl,
    apiKey,
    db,
    queues,
    mediaRoot,
    sandboxControl: control,
    /** An API request with the fleet's key (unless `headers` sets its own authorization). */
    async call(
      method: string,
      path: string,
      init: { headers?: Record<string, string>; json?: unknown; rawBody?: string } = {},
    ) {
      const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
      if (init.json !== undefined) headers['content-type'] = 'application/json';
      // A header given as '' is left out (a case without an API key says authorization: '').
      for (const [name, value] of Object.entries(init.headers ?? {})) {
        if (value === '') delete headers[name.toLowerCase()];
        else headers[name.toLowerCase()] = value;
      }
      const res = await fetch(`${apiUrl}${path}`, {
        method,
        headers,
        redirect: 'manual',
        body: init.rawBody ?? (init.json === undefined ? undefined : JSON.stringify(init.json)),
      });
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      return { status: res.status, body: body as { error?: { code?: string } } | undefined, text };
    },
    /**
     * Connects a TikTok account through the API's OAuth flow (the sandbox approves at once):
     * a new creator each time, or `creator` made first with those settings. Connects that
     * name no creator may run at the same time; those that do must not.
     */
    async connect(creator?: Record<string, unknown>): Promise<string> {
      if (creator) {
        const made = await control('POST', '/creators', creator);
        await control('PATCH', '/config', { autoApproveOpenId: made.openId });
      }
      try {
        const started = await this.call('POST', '/v1/accounts/connect', {
          json: { redirectTo: 'https://backend.example/tiktok/done' },
        });
        const { authorizeUrl } = started.body as unknown as { authorizeUrl: string };
        const authorize = await fetch(authorizeUrl, { redirect: 'manual' });
        const callback = await fetch(authorize.headers.get('location') ?? '', {
          redirect: 'manual',
        });
        const done = new URL(callback.headers.get('location') ?? 'about:blank');
        const accountId = done.searchParams.get('accountId');
        if (!accountId) throw new Error(`connect failed: ${done}`);
        return accountId;
      } finally {
        if (creator) await control('PATCH', '/config', { autoApproveOpenId: null });
      }
    },
    async close() {
      await workers.close({ graceMs: 2_000 });
      await workerDeps.close();
      await app.close();
      await closeQueues(queues);
      tiktok.close();
      await redis.quit();
      await db.$disconnect();
      await sandbox.close();
      await rm(mediaRoot, { recursive: true, force: true });
    },
  };
}

export type FullFleet = Awaited<ReturnType<typeof startFullFleet>>;
