import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_CONFIG_KEYS, buildApi, seedApiKeys } from '@tiktok-fleet/api';
import { parseConfig } from '@tiktok-fleet/config';
import {
  createAccountRepository,
  createApiKeyRepository,
  createPrismaClient,
  parseTokenKeyring,
  TokenCipher,
} from '@tiktok-fleet/db';
import { createLogger } from '@tiktok-fleet/observability';
import { closeQueues, createQueues, redisConnection, waitForRedis } from '@tiktok-fleet/queue';
import {
  afterFile,
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
import { build } from 'vite';

export const webRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const repoRoot = resolve(webRoot, '../..');
export const fixture = (name: string) => join(repoRoot, 'fixtures', 'videos', name);

export const OPERATOR = { username: 'operator', password: 'correct-horse-battery-staple' };

/** Builds the page with the package's own Vite config into a fresh directory. */
export async function buildPage(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'tf-web-dist-'));
  await build({
    configFile: join(webRoot, 'vite.config.ts'),
    root: webRoot,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  afterFile(() => rm(outDir, { recursive: true, force: true }));
  return outDir;
}

/**
 * The fleet as `npm start` runs it, in this process: the TikTok sandbox on a random port,
 * the API (serving the page built into `webDist`, operator sign-in on) and one worker, on
 * this file's own database, Redis prefix and media root. Everything closes after the file.
 */
export async function startFleet(options: { webDist: string; env?: Record<string, string> }) {
  const [{ url: databaseUrl }, sandbox, mediaRoot, port] = await Promise.all([
    createTestDatabase(),
    startSandbox({
      port: 0,
      processingDelayMs: 200,
      moderationDelayMs: 300,
      rateLimits: false,
    }),
    mkdtemp(join(tmpdir(), 'tf-web-media-')),
    freePort(),
  ]);
  const baseUrl = `http://127.0.0.1:${port}`;
  await fetch(`${sandbox.url}/_sandbox/config`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ verifiedUrlPrefixes: [`${baseUrl}/media/public/`] }),
  });
  const apiKey = `tfk_test_web_${randomBytes(16).toString('hex')}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    TIKTOK_CLIENT_KEY: sandbox.clientKey,
    TIKTOK_CLIENT_SECRET: sandbox.clientSecret,
    TIKTOK_API_BASE_URL: sandbox.url,
    TIKTOK_AUTH_URL: sandbox.authorizeUrl,
    BACKEND_URL: baseUrl,
    PORT: String(port),
    REDIS_URL: testServices().redisUrl,
    REDIS_PREFIX: createTestRedisPrefix('web'),
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '4',
    TOKEN_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
    MEDIA_ROOT: mediaRoot,
    CALLBACK_SIGNING_SECRET: randomBytes(24).toString('hex'),
    OPERATOR_USERNAME: OPERATOR.username,
    OPERATOR_PASSWORD: OPERATOR.password,
    OPERATOR_OWNER_ID: 'operator',
    API_KEYS: `operator:${apiKey}`,
    WEB_DIST_DIR: options.webDist,
    WORKER_CONCURRENCY: '2',
    // Photo posts: TikTok (the sandbox) pulls the images from the API's signed links.
    MEDIA_PUBLIC_BASE_URL: `${baseUrl}/media/public/`,
    ...options.env,
  };

  // The API, as apps/api/src/main.ts composes it.
  const config = parseConfig(API_CONFIG_KEYS, env);
  const db = createPrismaClient(config.DATABASE_URL, { poolSize: 4 });
  const redis = redisConnection(config.REDIS_URL, 'producer');
  await waitForRedis(redis);
  const queues = createQueues(redis, { prefix: config.REDIS_PREFIX, onError: () => undefined });
  const tiktok = createTikTokClient({
    clientKey: config.TIKTOK_CLIENT_KEY,
    clientSecret: config.TIKTOK_CLIENT_SECRET,
    apiBaseUrl: config.TIKTOK_API_BASE_URL,
    authUrl: config.TIKTOK_AUTH_URL,
  });
  const logger = createLogger({ name: 'web-test-api', level: 'warn' });
  await seedApiKeys(createApiKeyRepository(db), config.API_KEYS);
  const app = await buildApi({ config, db, redis, queues, tiktok, logger });
  await app.listen({ port, host: '127.0.0.1' });

  // One worker, as apps/worker/src/main.ts composes it, with quick status polls so a post
  // reaches `published` within seconds of the sandbox's processing.
  const workerDeps = createWorkerDeps(
    parseConfig(WORKER_CONFIG_KEYS, env),
    createLogger({ name: 'web-test-worker', level: 'warn' }),
  );
  workerDeps.settings = {
    ...workerDeps.settings,
    statusPoll: { firstDelayMs: 300, maxDelayMs: 1_000, postIdWaitMs: 30_000, postIdPollMs: 300 },
  };
  const workers = await startWorkers(workerDeps, { scheduleSweep: false });

  afterFile(async () => {
    await workers.close({ graceMs: 2_000 });
    await workerDeps.close();
    await app.close();
    await closeQueues(queues);
    tiktok.close();
    await redis.quit();
    await db.$disconnect();
    await sandbox.close();
    await rm(mediaRoot, { recursive: true, force: true });
  });

  /** Steers the sandbox through its control API (`/_sandbox/...`). */
  function control<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    return sandboxControl<T>(sandbox.url, method, path, body);
  }

  /** The API as a backend calls it, with the operator owner's API key. */
  async function call<T = unknown>(method: string, path: string, json?: unknown): Promise<T> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    if (!response.ok)
      throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** Puts a fixture video into MEDIA_ROOT through POST /v1/media; answers its path. */
  async function uploadFixture(name: string): Promise<string> {
    const response = await fetch(`${baseUrl}/v1/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'video/mp4' },
      body: await readFile(fixture(name)),
    });
    if (response.status !== 201)
      throw new Error(`upload: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { path: string }).path;
  }

  /** The accounts repository, for what only the worker would record (needs_reauth). */
  const accounts = () =>
    createAccountRepository(
      db,
      new TokenCipher(
        parseTokenKeyring({ TOKEN_ENCRYPTION_KEY: env.TOKEN_ENCRYPTION_KEY as string }),
      ),
    );

  return { baseUrl, sandbox, db, queues, control, call, uploadFixture, accounts };
}

export type TestFleet = Awaited<ReturnType<typeof startFleet>>;
