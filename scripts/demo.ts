// The main job, end to end on the TikTok sandbox: start (or find) Redis and PostgreSQL,
// migrate a demo database, start the sandbox, the API and a worker as their own processes,
// connect a sandbox TikTok account through the real OAuth redirects, publish a fixture video
// with a progress bar, follow it to `published` and print its share URL.
//
//   npm run demo
//
// Each process logs to .tmp/demo/<name>.log; the paths are printed when something fails.
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@tiktok-fleet/testing/ports';
import { deleteKeysAt } from '@tiktok-fleet/testing/redis-keys';
import { root } from './lib/paths';
import { type Child, ProcessGroup, tail, waitUntilReady } from './lib/processes';
import {
  ensureLocalServices,
  LOCAL_POSTGRES_URL,
  LOCAL_REDIS_URL,
  prepareDatabase,
  withDatabase,
} from './lib/services';

const logDir = join(root, '.tmp', 'demo');
const mediaRoot = join(root, '.media');
const fixture = join(root, 'fixtures', 'videos', 'valid-vertical.mp4');

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (s: string) => console.log(`\n${bold('›')} ${s}`);

function fail(message: string, child?: Child): never {
  console.error(`\n✗ ${message}`);
  if (child) console.error(tail(child.log).replace(/^/gm, '  | '));
  console.error(`  Process logs: ${logDir}/{sandbox,api,worker}.log`);
  void fleet.stop();
  process.exit(1);
}

const fleet = new ProcessGroup(logDir, (child, how) =>
  fail(`${child.name} exited early (${how}).`, child),
);

function start(name: string, args: string[], env: Record<string, string>): void {
  fleet.start(name, args, { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', ...env });
}

async function ready(name: string, url: string): Promise<void> {
  await waitUntilReady(name, url).catch((error: Error) => fail(error.message));
}

async function json<T>(response: Response, what: string): Promise<T> {
  const body = (await response.json().catch(() => ({}))) as T & { error?: { message?: string } };
  if (!response.ok)
    fail(`${what} failed (${response.status}): ${body.error?.message ?? 'no details'}`);
  return body;
}

function progressBar(done: number, total: number, label: string): string {
  const width = 30;
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(ratio * width);
  const pct = `${Math.round(ratio * 100)}`.padStart(3);
  return `  [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${pct} %  ${label}`;
}

process.once('SIGINT', () => {
  void fleet.stop().then(() => process.exit(130));
});

async function main(): Promise<void> {
  mkdirSync(logDir, { recursive: true });
  mkdirSync(join(mediaRoot, 'demo'), { recursive: true });

  step('Services');
  ensureLocalServices();
  const redisUrl = process.env.REDIS_URL ?? LOCAL_REDIS_URL;
  // A database of its own on the server DATABASE_URL points at, fresh each run.
  const databaseUrl = withDatabase(
    process.env.DATABASE_URL ?? LOCAL_POSTGRES_URL,
    'tiktok_fleet_demo',
  );
  const { applied } = await prepareDatabase(databaseUrl, { fresh: true });
  console.log(`  database tiktok_fleet_demo: ${applied} migration(s) applied`);
  console.log(`  Redis ${redisUrl}, PostgreSQL ${new URL(databaseUrl).host}`);

  step('Starting the TikTok sandbox, the API and a worker');
  const [sandboxPort, apiPort, workerPort] = [await freePort(), await freePort(), await freePort()];
  const clientKey = `demo_${randomBytes(6).toString('hex')}`;
  const clientSecret = randomBytes(24).toString('hex');
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const apiKey = `tf_live_${randomBytes(18).toString('base64url')}`;
  start('sandbox', ['apps/tiktok-sandbox/src/main.ts'], {
    SANDBOX_PORT: String(sandboxPort),
    SANDBOX_CLIENT_KEY: clientKey,
    SANDBOX_CLIENT_SECRET: clientSecret,
  });
  await ready('sandbox', `${sandboxUrl}/_sandbox/stats`);
  // Auto-approve stands in for a person clicking "Authorize"; the redirects are real.
  await json(
    await fetch(`${sandboxUrl}/_sandbox/config`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        autoApprove: true,
        processingDelayMs: 1500,
        moderationDelayMs: 2500,
        webhookUrl: `${apiUrl}/api/integrations/tiktok/webhook`,
      }),
    }),
    'configuring the sandbox',
  );

  // A prefix of its own each run; its keys are deleted when the demo ends, as the database
  // is made fresh, so runs leave nothing in the Redis they used.
  const redisPrefix = `{tiktok-fleet-demo-${randomBytes(3).toString('hex')}}`;
  const fleetEnv = {
    TIKTOK_CLIENT_KEY: clientKey,
    TIKTOK_CLIENT_SECRET: clientSecret,
    TIKTOK_API_BASE_URL: sandboxUrl,
    TIKTOK_AUTH_URL: `${sandboxUrl}/v2/auth/authorize/`,
    BACKEND_URL: apiUrl,
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    REDIS_URL: redisUrl,
    REDIS_PREFIX: redisPrefix,
    DATABASE_URL: databaseUrl,
    TOKEN_ENCRYPTION_KEY: `demo:${randomBytes(32).toString('base64')}`,
    CALLBACK_SIGNING_SECRET: randomBytes(24).toString('hex'),
    API_KEYS: `demo-backend:${apiKey}`,
    // The backend this demo plays sends people back to its own site after connecting.
    CONNECT_REDIRECT_ORIGINS: 'https://backend.example',
    MEDIA_ROOT: mediaRoot,
    WORKER_METRICS_PORT: String(workerPort),
  };
  start('api', ['apps/api/src/main.ts'], fleetEnv);
  start('worker', ['apps/worker/src/main.ts'], fleetEnv);
  await ready('api', `${apiUrl}/readyz`);
  await ready('worker', `http://127.0.0.1:${workerPort}/readyz`);
  console.log(`  sandbox ${sandboxUrl}   api ${apiUrl}   worker :${workerPort}`);

  const auth = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };

  step('Connecting a TikTok account through OAuth');
  const connect = await json<{ authorizeUrl: string }>(
    await fetch(`${apiUrl}/v1/accounts/connect`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ redirectTo: 'https://backend.example/tiktok/connected' }),
    }),
    'POST /v1/accounts/connect',
  );
  // Follow the redirects by hand to show each hop: TikTok's page, our callback, the backend.
  let location = connect.authorizeUrl;
  let accountId: string | null = null;
  for (let hop = 0; hop < 5 && !accountId; hop++) {
    console.log(`  → ${location.split('?')[0]}`);
    const response = await fetch(location, { redirect: 'manual' });
    const next = response.headers.get('location');
    if (!next) fail(`OAuth stopped at ${location.split('?')[0]} with HTTP ${response.status}.`);
    location = new URL(next, location).toString();
    accountId = new URL(location).searchParams.get('accountId');
  }
  if (!accountId) fail('The OAuth flow did not end with a connected account.');
  const account = await json<{ id: string; displayName?: string; username?: string }>(
    await fetch(`${apiUrl}/v1/accounts/${accountId}`, { headers: auth }),
    'GET /v1/accounts/:id',
  );
  console.log(
    `  connected ${account.id} (${account.displayName ?? account.username ?? 'creator'})`,
  );

  step('Publishing a video');
  copyFileSync(fixture, join(mediaRoot, 'demo', 'launch.mp4'));
  const created = await json<{ id: string }>(
    await fetch(`${apiUrl}/v1/posts`, {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': `demo-${Date.now()}` },
      body: JSON.stringify({
        accountId,
        video: { path: 'demo/launch.mp4' },
        caption: 'Launch day #tiktokfleet',
        privacyLevel: 'PUBLIC_TO_EVERYONE',
      }),
    }),
    'POST /v1/posts',
  );
  console.log(`  post ${created.id}, ${statSync(fixture).size} bytes`);

  type PostView = {
    status: string;
    progress: { uploadedBytes: number; totalBytes: number | null };
    tiktok: { postId: string | null; shareUrl: string | null };
    error: { code: string; message: string } | null;
  };
  const deadline = Date.now() + 120_000;
  let post: PostView;
  let lastLine = '';
  for (;;) {
    post = await json<PostView>(
      await fetch(`${apiUrl}/v1/posts/${created.id}`, { headers: auth }),
      'GET /v1/posts/:id',
    );
    const line = progressBar(
      post.progress.uploadedBytes,
      post.progress.totalBytes ?? 0,
      post.status,
    );
    if (line !== lastLine) {
      process.stdout.write(process.stdout.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
      lastLine = line;
    }
    if (post.status === 'failed')
      fail(`The post failed: ${post.error?.code}: ${post.error?.message}`);
    if (post.status === 'published' && post.tiktok.shareUrl) break;
    if (Date.now() > deadline) fail(`The post is still ${post.status} after 120 s.`);
    await new Promise((r) => setTimeout(r, 200));
  }
  if (process.stdout.isTTY) process.stdout.write('\n');

  step('Published');
  console.log(`  TikTok post id ${post.tiktok.postId}`);
  console.log(`  ${bold(post.tiktok.shareUrl ?? '')}`);
  await fleet.stop();
  await deleteKeysAt(redisUrl, redisPrefix);
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
