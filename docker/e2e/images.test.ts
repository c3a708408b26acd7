// The four images of docker/Dockerfile, run as a user runs them: on the host network against
// this machine's Redis and PostgreSQL (a fresh database and Redis prefix), the migrate image
// first, then the sandbox, the api and a worker. `npm run test:images` builds the images
// (scripts/images.sh) and runs this file; it is not part of `npm test`.
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@tiktok-fleet/testing/ports';
import { waitUntil } from '@tiktok-fleet/testing/wait-until';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Engine, engineRun, findEngine } from './support/engine';

const repo = path.resolve(import.meta.dirname, '../..');
const tag = process.env.IMAGE_TAG ?? 'local';
const image = (target: string) => `tiktok-fleet/${target}:${tag}`;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const databaseBase = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * Upper bounds of each image's size (MB, as the engine reports it). Measured on 2026-12-02
 * on the local base: api 430, worker 881 (Debian's ffmpeg, for ffprobe, is ~450 MB of it),
 * sandbox 297, migrate 377. A bound that breaks means something big came in: look before
 * raising it.
 */
const MAX_SIZE_MB = { api: 500, worker: 1000, sandbox: 350, migrate: 430 } as const;

/** How long each container may take to stop on SIGTERM before the engine kills it (s). */
const GRACE_S = { api: 30, worker: 150, sandbox: 10 } as const;

/** Packages no runtime image may carry: build tools, test tools and the Prisma CLI. */
const NEVER_SHIPPED = ['prisma', 'typescript', 'vitest', '@biomejs/biome', 'vite', 'turbo'];

const engine: Engine = findEngine();
if (!engine.ok) console.log(`docker/e2e/images.test.ts skipped: ${engine.reason}`);

describe.skipIf(!engine.ok)('the images on a host network', () => {
  const e = engine as Extract<Engine, { ok: true }>;
  const id = randomBytes(3).toString('hex');
  const names = {
    sandbox: `tf-e2e-${id}-sandbox`,
    api: `tf-e2e-${id}-api`,
    worker: `tf-e2e-${id}-worker`,
  };
  const prefix = `{tf-images-${id}}`;
  const databaseName = `tf_images_${id}`;
  const databaseUrl = Object.assign(new URL(databaseBase), {
    pathname: `/${databaseName}`,
  }).toString();
  const apiKey = `tfk_images_${randomBytes(16).toString('hex')}`;
  const clientKey = `sbaw${randomBytes(6).toString('hex')}`;
  const clientSecret = randomBytes(16).toString('hex');
  // One set of secrets for the api and the worker: the worker decrypts what the api stored.
  const tokenKey = `k1:${randomBytes(32).toString('base64')}`;
  const callbackSecret = randomBytes(24).toString('hex');
  let mediaDir = '';
  let ports = { sandbox: 0, api: 0, worker: 0 };
  const url = (service: keyof typeof ports, pathname: string) =>
    `http://127.0.0.1:${ports[service]}${pathname}`;
  const auth = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };

  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: databaseBase });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };

  const start = (name: string, target: string, env: Record<string, string>, volume = true) =>
    engineRun(e, [
      'run',
      '-d',
      '--name',
      name,
      '--network=host',
      ...e.runArgs,
      ...(volume ? ['-v', `${mediaDir}:/media`] : []),
      ...Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
      image(target),
    ]);
  const logs = (name: string) => engineRun(e, ['logs', '--tail', '40', name]).catch(String);
  const answers = (target: string) =>
    fetch(target).then(
      (r) => r.status === 200,
      () => false,
    );

  const fleetEnv = () => ({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    TIKTOK_CLIENT_KEY: clientKey,
    TIKTOK_CLIENT_SECRET: clientSecret,
    TIKTOK_API_BASE_URL: url('sandbox', ''),
    TIKTOK_AUTH_URL: url('sandbox', '/v2/auth/authorize/'),
    BACKEND_URL: url('api', ''),
    PORT: String(ports.api),
    HOST: '127.0.0.1',
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    DATABASE_URL: databaseUrl,
    TOKEN_ENCRYPTION_KEY: tokenKey,
    API_KEYS: `images-owner:${apiKey}`,
    // Where the test's connect flow sends the browser back to.
    CONNECT_REDIRECT_ORIGINS: 'https://backend.example',
    CALLBACK_SIGNING_SECRET: callbackSecret,
    MEDIA_ROOT: '/media',
    WORKER_METRICS_PORT: String(ports.worker),
    WORKER_CONCURRENCY: '2',
  });

  beforeAll(async () => {
    for (const target of ['api', 'worker', 'sandbox', 'migrate']) {
      await engineRun(e, ['image', 'inspect', image(target)]).catch(() => {
        throw new Error(
          `${image(target)} is not built: run \`npm run images\` first (or \`npm run test:images\`)`,
        );
      });
    }
    ports = { sandbox: await freePort(), api: await freePort(), worker: await freePort() };
    mediaDir = await mkdtemp(path.join(tmpdir(), 'tf-images-media-'));
    // The containers run as uid 1000; this directory is the shared MEDIA_ROOT volume.
    await chmod(mediaDir, 0o777);
    await mkdir(path.join(mediaDir, 'e2e'), { mode: 0o777 });
    await copyFile(
      path.join(repo, 'fixtures/videos/valid-vertical.mp4'),
      path.join(mediaDir, 'e2e/clip.mp4'),
    );
    await admin((client) => client.query(`CREATE DATABASE ${databaseName}`));

    await start(
      names.sandbox,
      'sandbox',
      {
        SANDBOX_HOST: '127.0.0.1',
        SANDBOX_PORT: String(ports.sandbox),
        SANDBOX_CLIENT_KEY: clientKey,
        SANDBOX_CLIENT_SECRET: clientSecret,
      },
      false,
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(
      Object.values(names).map((name) =>
        engineRun(e, ['rm', '-f', '-t', '0', name]).catch(() => undefined),
      ),
    );
    await admin((client) =>
      client.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`),
    ).catch(() => undefined);
    const redis = new Redis(redisUrl);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
    if (mediaDir) await rm(mediaDir, { recursive: true, force: true });
  }, 120_000);

  test('the migrate image applies every migration to the fresh database and exits 0', async () => {
    await engineRun(
      e,
      [
        'run',
        '--rm',
        '--network=host',
        ...e.runArgs,
        '-e',
        `DATABASE_URL=${databaseUrl}`,
        image('migrate'),
      ],
      {
        timeoutMs: 120_000,
      },
    );
    const folders = (await readdir(path.join(repo, 'prisma/migrations'), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    const applied = await admin(async (client) => {
      await client.query(`SELECT 1`);
      const target = new pg.Client({ connectionString: databaseUrl });
      await target.connect();
      try {
        const { rows } = await target.query<{ migration_name: string }>(
          'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name',
        );
        return rows.map((row) => row.migration_name);
      } finally {
        await target.end();
      }
    });
    expect(applied).toEqual(folders);
  }, 150_000);

  test('the sandbox, the api and the worker start and their health checks answer', async () => {
    await start(names.api, 'api', fleetEnv());
    await start(names.worker, 'worker', fleetEnv());
    const checks = [
      url('sandbox', '/_sandbox/stats'),
      url('api', '/healthz'),
      url('api', '/readyz'),
      url('worker', '/healthz'),
      url('worker', '/readyz'),
    ];
    for (const check of checks) {
      await waitUntil(() => answers(check), {
        timeoutMs: 90_000,
        intervalMs: 200,
        what: `${check} to answer 200`,
        describe: async () =>
          `api: ${await logs(names.api)}\nworker: ${await logs(names.worker)}\nsandbox: ${await logs(names.sandbox)}`,
      });
    }
  }, 120_000);

  test('an account connects through the api image’s OAuth, and a fixture is published', async () => {
    const configured = await fetch(url('sandbox', '/_sandbox/config'), {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        autoApprove: true,
        processingDelayMs: 200,
        moderationDelayMs: 300,
        webhookUrl: url('api', '/api/integrations/tiktok/webhook'),
      }),
    });
    expect(configured.status).toBe(200);

    const connect = await fetch(url('api', '/v1/accounts/connect'), {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ redirectTo: 'https://backend.example/connected' }),
    });
    expect(connect.status).toBe(200);
    let location = ((await connect.json()) as { authorizeUrl: string }).authorizeUrl;
    expect(location.startsWith(url('sandbox', '/v2/auth/authorize/'))).toBe(true);
    let accountId: string | null = null;
    for (let hop = 0; hop < 6 && !accountId; hop++) {
      const response = await fetch(location, { redirect: 'manual' });
      const next = response.headers.get('location');
      if (!next) throw new Error(`OAuth stopped at ${location} with HTTP ${response.status}`);
      location = new URL(next, location).toString();
      accountId = new URL(location).searchParams.get('accountId');
    }
    expect(accountId).toMatch(/^acc_/);

    const created = await fetch(url('api', '/v1/posts'), {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': `images-${id}` },
      body: JSON.stringify({
        accountId,
        video: { path: 'e2e/clip.mp4' },
        caption: 'From the images #e2e',
        privacyLevel: 'PUBLIC_TO_EVERYONE',
      }),
    });
    expect(created.status).toBe(202);
    const { id: postId } = (await created.json()) as { id: string };
    type PostView = { status: string; tiktok: { postId: string | null }; error: unknown };
    let last: PostView | undefined;
    const post = await waitUntil(
      async () => {
        const response = await fetch(url('api', `/v1/posts/${postId}`), { headers: auth });
        last = (await response.json()) as PostView;
        if (last.status === 'failed')
          throw new Error(`the post failed: ${JSON.stringify(last.error)}`);
        return last.status === 'published' ? last : undefined;
      },
      {
        timeoutMs: 90_000,
        intervalMs: 200,
        what: `post ${postId} published`,
        describe: async () => `${JSON.stringify(last)}\nworker: ${await logs(names.worker)}`,
      },
    );
    expect(post.tiktok.postId).toMatch(/^\d{19}$/);
  }, 150_000);

  test('the api image carries the built page where the api serves it from', async () => {
    const index = await engineRun(e, ['exec', names.api, 'cat', '/app/apps/web/dist/index.html']);
    expect(index).toContain('<script type="module"');
    const signedOut = await fetch(url('api', '/'), { redirect: 'manual' });
    expect(signedOut.status).toBe(303);
  });

  test('every runtime image runs as the node user (uid 1000), never root', async () => {
    for (const target of ['api', 'worker', 'sandbox', 'migrate']) {
      const user = (
        await engineRun(e, ['image', 'inspect', '--format', '{{.Config.User}}', image(target)])
      ).trim();
      expect(user, target).toBe('node');
    }
    for (const name of [names.api, names.worker, names.sandbox]) {
      expect((await engineRun(e, ['exec', name, 'id', '-u'])).trim(), name).toBe('1000');
    }
  });

  test('no runtime image carries dev dependencies or the Prisma CLI', async () => {
    const dirs = {
      api: 'apps/api',
      worker: 'apps/worker',
      sandbox: 'apps/tiktok-sandbox',
      migrate: 'packages/db',
    } as const;
    for (const [target, dir] of Object.entries(dirs)) {
      const manifest = JSON.parse(await readFile(path.join(repo, dir, 'package.json'), 'utf8')) as {
        devDependencies?: Record<string, string>;
      };
      const sh = (script: string) =>
        engineRun(e, [
          'run',
          '--rm',
          ...e.runArgs,
          '--entrypoint',
          'sh',
          image(target),
          '-c',
          script,
        ]);
      // Everything installed: .pnpm entries are name@version, a scope's slash written as +.
      const installed = new Set(
        // The package's own store and those of the workspace packages it carries.
        (
          await sh(
            `ls -1 /app/${dir}/node_modules/.pnpm /app/packages/*/node_modules/.pnpm 2>/dev/null | grep -v ':$'`,
          )
        )
          .split('\n')
          .map((line) =>
            line
              .trim()
              .replace(/^(@[^+]+)\+/, '$1/')
              .replace(/(.)@.*$/, '$1'),
          ),
      );
      // The package's own dependencies, as linked beside it.
      const direct = new Set(
        (await sh(`cd /app/${dir}/node_modules && ls -d * @*/* 2>/dev/null`)).split('\n'),
      );
      // A dev dependency may still come in as a production dependency's dependency (@types/pg
      // of @prisma/adapter-pg), so: never as the package's own, and the tools nowhere at all.
      const devLinked = Object.keys(manifest.devDependencies ?? {}).filter((name) =>
        direct.has(name),
      );
      const tools = NEVER_SHIPPED.filter((name) => installed.has(name));
      expect({ devLinked, tools }, `${target} (${image(target)})`).toEqual({
        devLinked: [],
        tools: [],
      });
    }
  }, 60_000);

  test('each image’s size is printed and within its bound', async () => {
    const sizes: Record<string, number> = {};
    for (const target of Object.keys(MAX_SIZE_MB) as Array<keyof typeof MAX_SIZE_MB>) {
      const bytes = Number(
        await engineRun(e, ['image', 'inspect', '--format', '{{.Size}}', image(target)]),
      );
      sizes[target] = Math.round(bytes / 1_000_000);
    }
    console.log(
      `image sizes (MB): ${Object.entries(sizes)
        .map(
          ([target, mb]) =>
            `${target} ${mb} (max ${MAX_SIZE_MB[target as keyof typeof MAX_SIZE_MB]})`,
        )
        .join(', ')}`,
    );
    for (const [target, mb] of Object.entries(sizes)) {
      expect(mb, target).toBeLessThanOrEqual(MAX_SIZE_MB[target as keyof typeof MAX_SIZE_MB]);
    }
  });

  test('SIGTERM stops each container within its grace period, with a clean exit', async () => {
    for (const service of ['worker', 'api', 'sandbox'] as const) {
      // `stop` sends SIGTERM, then SIGKILL once the grace period is over (exit code 137).
      await engineRun(e, ['stop', '-t', String(GRACE_S[service]), names[service]], {
        timeoutMs: (GRACE_S[service] + 30) * 1000,
      });
      const code = (
        await engineRun(e, ['inspect', '--format', '{{.State.ExitCode}}', names[service]])
      ).trim();
      expect(code, `${service} exit code (137 = killed after ${GRACE_S[service]} s)`).toBe('0');
    }
  }, 240_000);
});
