import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestDatabase,
  createTestRedisPrefix,
  freePort,
  testServices,
  waitUntil,
} from '@tiktok-fleet/testing';
import type {} from '@tiktok-fleet/testing/global-setup';
import { startSandbox } from '@tiktok-fleet/tiktok-sandbox';
import { repoRoot } from '../../support/files';

const OWNER = 'observe-owner';

interface AppProcess {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
  /** Every line it wrote (JSON log lines), for the test to read and for failure messages. */
  lines: string[];
}

/** `node --import tsx <entry>` in its own process group, the way an image runs it. */
function spawnApp(name: string, entry: string, env: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  let rest = '';
  const onData = (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { name, child, exited, lines };
}

/**
 * A fleet as it is deployed: the API and a worker each in its own process
 * (apps/api/src/main.ts, apps/worker/src/main.ts) on this file's own database, Redis prefix
 * and MEDIA_ROOT, against the TikTok sandbox (which sends its webhooks to the API, so status
 * polls end as soon as TikTok is done). Resolves once both answer /readyz.
 */
export async function startProcessFleet(extraEnv: Record<string, string> = {}) {
  const [{ url: databaseUrl }, mediaRoot, apiPort, workerPort] = await Promise.all([
    createTestDatabase(),
    mkdtemp(join(tmpdir(), 'tf-observe-media-')),
    freePort(),
    freePort(),
  ]);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const workerUrl = `http://127.0.0.1:${workerPort}`;
  const sandbox = await startSandbox({
    port: 0,
    autoApprove: true,
    rateLimits: false,
    processingDelayMs: 200,
    moderationDelayMs: 200,
    webhookUrl: `${apiUrl}/api/integrations/tiktok/webhook`,
  });
  const redisPrefix = createTestRedisPrefix('observe');
  const apiKey = `tfk_obs_${randomBytes(16).toString('hex')}`;
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    TIKTOK_CLIENT_KEY: sandbox.clientKey,
    TIKTOK_CLIENT_SECRET: sandbox.clientSecret,
    TIKTOK_API_BASE_URL: sandbox.url,
    TIKTOK_AUTH_URL: sandbox.authorizeUrl,
    BACKEND_URL: apiUrl,
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    WORKER_METRICS_PORT: String(workerPort),
    REDIS_URL: testServices().redisUrl,
    REDIS_PREFIX: redisPrefix,
    DATABASE_URL: databaseUrl,
    TOKEN_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
    CALLBACK_SIGNING_SECRET: randomBytes(24).toString('hex'),
    API_KEYS: `${OWNER}:${apiKey}`,
    MEDIA_ROOT: mediaRoot,
    // Where the test's connect flow sends the browser back to.
    CONNECT_REDIRECT_ORIGINS: 'https://backend.example',
    // The test's callback receiver listens on 127.0.0.1.
    URL_SOURCE_ALLOW_PRIVATE: 'true',
    WORKER_CONCURRENCY: '4',
    ...extraEnv,
  };
  const apps = [
    spawnApp('api', 'apps/api/src/main.ts', env),
    spawnApp('worker', 'apps/worker/src/main.ts', env),
  ];
  const close = async () => {
    for (const app of apps) {
      if (app.child.exitCode === null && app.child.pid) process.kill(-app.child.pid, 'SIGTERM');
    }
    await Promise.all(apps.map((a) => a.exited));
    await sandbox.close();
    await rm(mediaRoot, { recursive: true, force: true });
  };
  const describeApps = () =>
    apps
      .map((a) => `--- ${a.name} (exit ${a.child.exitCode})\n${a.lines.slice(-30).join('\n')}`)
      .join('\n');

  try {
    for (const url of [apiUrl, workerUrl]) {
      await waitUntil(
        async () => {
          if (apps.some((a) => a.child.exitCode !== null)) throw new Error(describeApps());
          return (await fetch(`${url}/readyz`).catch(() => undefined))?.ok === true;
        },
        { timeoutMs: 45_000, intervalMs: 100, what: `${url}/readyz`, describe: describeApps },
      );
    }
  } catch (error) {
    await close();
    throw error;
  }

  const call = async (method: string, path: string, body?: unknown, headers = {}) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: API answers are checked by the tests.
    return { status: response.status, body: (await response.json()) as any };
  };

  return {
    apiUrl,
    workerUrl,
    mediaRoot,
    sandbox,
    apps: Object.fromEntries(apps.map((a) => [a.name, a])) as Record<'api' | 'worker', AppProcess>,
    describeApps,
    call,
    /** Connects a sandbox creator through the API's OAuth (POST /v1/accounts/connect). */
    async connectAccount(): Promise<string> {
      const started = await call('POST', '/v1/accounts/connect', {
        redirectTo: 'https://backend.example/connected',
      });
      const authorize = await fetch(started.body.authorizeUrl, { redirect: 'manual' });
      const callback = await fetch(authorize.headers.get('location') ?? '', { redirect: 'manual' });
      const accountId = new URL(callback.headers.get('location') ?? 'about:blank').searchParams.get(
        'accountId',
      );
      if (!accountId) throw new Error(`connect failed: HTTP ${callback.status}`);
      return accountId;
    },
    /** Copies a fixture video into MEDIA_ROOT; returns its path there. */
    async addMedia(fixture: string, name = fixture): Promise<string> {
      await copyFile(join(repoRoot, 'fixtures', 'videos', fixture), join(mediaRoot, name));
      return name;
    },
    /** Waits until GET /v1/posts/:id says published or failed; returns the post. */
    async waitForFinal(postId: string, timeoutMs = 30_000) {
      return waitUntil(
        async () => {
          const { body } = await call('GET', `/v1/posts/${postId}`);
          return ['published', 'failed', 'canceled'].includes(body.status) ? body : undefined;
        },
        { timeoutMs, intervalMs: 100, what: `post ${postId} final`, describe: describeApps },
      );
    },
    close,
  };
}

export type ProcessFleet = Awaited<ReturnType<typeof startProcessFleet>>;
