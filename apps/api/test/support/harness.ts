import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '@tiktok-fleet/config';
import {
  createAccountRepository,
  createAnalyticsRepository,
  createApiKeyRepository,
  createPostRepository,
  createPrismaClient,
  parseTokenKeyring,
  TokenCipher,
} from '@tiktok-fleet/db';
import { createRowInspector } from '@tiktok-fleet/db/inspect';
import { createLogger, fleetMetrics, memoryDestination } from '@tiktok-fleet/observability';
import {
  closeQueues,
  createQueues,
  type FleetQueues,
  redisConnection,
  waitForRedis,
} from '@tiktok-fleet/queue';
import {
  afterFile,
  createTestDatabase,
  createTestRedisPrefix,
  freePort,
  testServices,
} from '@tiktok-fleet/testing';
import type {} from '@tiktok-fleet/testing/global-setup';
import { createTikTokClient } from '@tiktok-fleet/tiktok';
import { startSandbox } from '@tiktok-fleet/tiktok-sandbox';
import type { FastifyInstance } from 'fastify';
import { API_CONFIG_KEYS, type ApiConfig, buildApi, seedApiKeys } from '../../src';
import type { ApiDeps } from '../../src/context';

/** A fetch response's JSON, typed loosely like `Reply` bodies. */
// biome-ignore lint/suspicious/noExplicitAny: test bodies are JSON that the assertions check
export const jsonOf = (response: Response) => response.json() as Promise<any>;

export const OWNER_A = 'owner-a';
export const OWNER_B = 'owner-b';

/** Bodies are `any` by default: they are JSON, and the assertions are the type check. */
// biome-ignore lint/suspicious/noExplicitAny: test bodies are JSON that the assertions check
export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/**
 * The API as it runs: listening on a real port, on this file's own database and Redis
 * prefix, talking to a sandbox of its own over HTTP. Everything is closed after the file.
 */
export async function startApi(
  options: {
    /** Extra variables; a function gets the API's own base URL (for links back to it). */
    env?: Record<string, string> | ((baseUrl: string) => Record<string, string>);
    deps?: Partial<ApiDeps>;
    /** Connections in the API's PostgreSQL pool. @defaultValue 4 */
    poolSize?: number;
    /** Runs before the API listens: extra routes for a test. */
    extend?: (app: FastifyInstance) => void;
  } = {},
) {
  const [{ url: databaseUrl }, sandbox, mediaRoot, port] = await Promise.all([
    createTestDatabase(),
    startSandbox({ port: 0 }),
    mkdtemp(path.join(tmpdir(), 'tf-api-media-')),
    freePort(),
  ]);
  const prefix = createTestRedisPrefix('api');
  const keyA = `tfk_test_a_${randomBytes(16).toString('hex')}`;
  const keyB = `tfk_test_b_${randomBytes(16).toString('hex')}`;
  const baseUrl = `http://127.0.0.1:${port}`;
  const config: ApiConfig = parseConfig(API_CONFIG_KEYS, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    TIKTOK_CLIENT_KEY: sandbox.clientKey,
    TIKTOK_CLIENT_SECRET: sandbox.clientSecret,
    TIKTOK_API_BASE_URL: sandbox.url,
    TIKTOK_AUTH_URL: sandbox.authorizeUrl,
    BACKEND_URL: baseUrl,
    PORT: String(port),
    REDIS_URL: testServices().redisUrl,
    REDIS_PREFIX: prefix,
    DATABASE_URL: databaseUrl,
    TOKEN_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
    API_KEYS: `${OWNER_A}:${keyA},${OWNER_B}:${keyB}`,
    MEDIA_ROOT: mediaRoot,
    // Where the tests' connect flows send the browser back to.
    CONNECT_REDIRECT_ORIGINS: 'https://backend.example',
    ...(typeof options.env === 'function' ? options.env(baseUrl) : options.env),
  });

  // As main.ts builds it (the pool's wait bound from the config), with 4 connections.
  const db = createPrismaClient(databaseUrl, {
    poolSize: options.poolSize ?? 4,
    poolTimeoutMs: config.DATABASE_POOL_TIMEOUT_MS,
  });
  const redis = redisConnection(config.REDIS_URL, 'producer');
  await waitForRedis(redis);
  const queues: FleetQueues = createQueues(redis, { prefix, onError: () => undefined });
  const tiktok = createTikTokClient({
    clientKey: sandbox.clientKey,
    clientSecret: sandbox.clientSecret,
    apiBaseUrl: sandbox.url,
    authUrl: sandbox.authorizeUrl,
    // As main.ts does: the API's TikTok calls count in its /metrics.
    onCall: fleetMetrics.tiktokCall,
  });
  const logs = memoryDestination();
  const logger = createLogger({ name: 'api-test', level: 'info', destination: logs });
  await seedApiKeys(createApiKeyRepository(db), config.API_KEYS);
  const app: FastifyInstance = await buildApi({
    config,
    db,
    redis,
    queues,
    tiktok,
    logger,
    ...options.deps,
  });
  options.extend?.(app);
  await app.listen({ port, host: '127.0.0.1' });

  afterFile(async () => {
    await app.close();
    await closeQueues(queues);
    tiktok.close();
    await redis.quit();
    await db.$disconnect();
    await sandbox.close();
    await rm(mediaRoot, { recursive: true, force: true });
  });

  /** One request to the API; `key` defaults to owner A's. */
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are JSON that the assertions check
  async function call<T = any>(
    method: string,
    url: string,
    init: {
      key?: string | null;
      json?: unknown;
      body?: RequestInit['body'];
      headers?: Record<string, string>;
      redirect?: RequestInit['redirect'];
    } = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...init.headers };
    const key = init.key === undefined ? keyA : init.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let body = init.body;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const response = await fetch(`${baseUrl}${url}`, {
      method,
      headers,
      body,
      redirect: init.redirect ?? 'manual',
      duplex: 'half',
    } as RequestInit);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {}
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  /** Steers the sandbox through its control API. */
  async function sandboxControl(method: string, url: string, json?: unknown) {
    const response = await fetch(`${sandbox.url}${url}`, {
      method,
      headers: json === undefined ? {} : { 'content-type': 'application/json' },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    // biome-ignore lint/suspicious/noExplicitAny: test bodies are JSON that the assertions check
    return response.json() as Promise<any>;
  }

  return {
    app,
    baseUrl,
    config,
    db,
    databaseUrl,
    /** Fixture states go through the fleet's own repositories; `rows` reads what is stored. */
    posts: createPostRepository(db),
    accounts: createAccountRepository(db, new TokenCipher(parseTokenKeyring(config))),
    analytics: createAnalyticsRepository(db),
    rows: createRowInspector(db),
    redis,
    queues,
    tiktok,
    sandbox,
    mediaRoot,
    prefix,
    logs,
    keys: { a: keyA, b: keyB },
    call,
    sandboxControl,
  };
}

export type TestApi = Awaited<ReturnType<typeof startApi>>;
