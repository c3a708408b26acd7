import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_CONFIG_KEYS, buildApi, seedApiKeys } from '@tiktok-fleet/api';
import { parseConfig } from '@tiktok-fleet/config';
import { createApiKeyRepository, createPrismaClient } from '@tiktok-fleet/db';
import { createLogger } from '@tiktok-fleet/observability';
import { closeQueues, createQueues, redisConnection, waitForRedis } from '@tiktok-fleet/queue';
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
import { createWorkerDeps, startWorkers, WORKER_CONFIG_KEYS } from '@tiktok-fleet/worker';
import { type CliRun, repoRoot, runCli } from './run-cli';

export const OWNER = 'cli-owner';
export const fixture = (name: string) => join(repoRoot, 'fixtures', 'videos', name);

const quiet = (name: string) =>
  createLogger({ name, level: process.env.TEST_LOG_LEVEL ?? 'silent', format: 'json' });

/**
 * A whole fleet for the CLI to drive, real all the way: the TikTok sandbox, the API listening
 * on a port and a worker process's workers, on this file's own database, Redis prefix and
 * MEDIA_ROOT. The API and the workers are built from the same environment their `main.ts`
 * reads; only the status polls are quicker than production's. Closed after the file.
 */
export async function startFleet() {
  const [{ url: databaseUrl }, mediaRoot, port] = await Promise.all([
    createTestDatabase(),
    mkdtemp(join(tmpdir(), 'tf-cli-media-')),
    freePort(),
  ]);
  const prefix = createTestRedisPrefix('cli');
  const apiUrl = `http://127.0.0.1:${port}`;
  const sandbox = await startSandbox({
    port: 0,
    autoApprove: true,
    rateLimits: false,
    processingDelayMs: 300,
    moderationDelayMs: 300,
    webhookUrl: `${apiUrl}/api/integrations/tiktok/webhook`,
  });
  const apiKey = `tfk_cli_${randomBytes(16).toString('hex')}`;
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
    API_KEYS: `${OWNER}:${apiKey}`,
    // `keys revoke` is checked against the API at once; the cache's bound has its own test
    // (apps/api/test/api-key-cache.test.ts).
    API_KEY_CACHE_SECONDS: '0',
    MEDIA_ROOT: mediaRoot,
    WORKER_CONCURRENCY: '4',
    // Where the tests' connect flows send the browser back to.
    CONNECT_REDIRECT_ORIGINS: 'https://backend.example',
  };

  // The API, as apps/api/src/main.ts wires it.
  const apiConfig = parseConfig(API_CONFIG_KEYS, env);
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

  // The workers, as apps/worker/src/main.ts wires them, with status polls for a test's pace.
  const workerDeps = createWorkerDeps(parseConfig(WORKER_CONFIG_KEYS, env), quiet('worker'));
  workerDeps.settings = {
    ...workerDeps.settings,
    statusPoll: { firstDelayMs: 300, maxDelayMs: 1_000, postIdWaitMs: 30_000, postIdPollMs: 300 },
  };
  await waitForRedis(workerDeps.redis);
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

  /** The environment an operator's shell would have: where the API, PostgreSQL and Redis are. */
  const cliEnv = {
    TIKTOK_FLEET_API_URL: apiUrl,
    TIKTOK_FLEET_API_KEY: apiKey,
    DATABASE_URL: databaseUrl,
    REDIS_URL: env.REDIS_URL,
    REDIS_PREFIX: prefix,
  };

  return {
    apiUrl,
    apiKey,
    sandbox,
    db,
    queues,
    mediaRoot,
    /** Runs `tiktok-fleet <args>` against this fleet. */
    cli: (
      args: readonly string[],
      extraEnv: Record<string, string | undefined> = {},
      options: { tty?: boolean; interruptWhen?: (stdout: string) => boolean } = {},
    ): Promise<CliRun> =>
      runCli(args, { ...cliEnv, ...extraEnv }, { timeoutMs: 120_000, ...options }),
    /** Publishes the sandbox knows about (every init TikTok received). */
    async sandboxPublishes(): Promise<Array<{ publishId: string; status: string }>> {
      const response = await fetch(`${sandbox.url}/_sandbox/publishes`);
      return (await response.json()) as Array<{ publishId: string; status: string }>;
    },
  };
}

export type CliFleet = Awaited<ReturnType<typeof startFleet>>;
