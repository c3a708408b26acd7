// `npm start` as a person runs it: the real command in its own process group, stopped the way
// a terminal's Ctrl-C stops it (SIGINT to the whole group), then started again on the same data.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestRedisPrefix, testServices, waitUntil } from '@tiktok-fleet/testing';
import { freePort } from '@tiktok-fleet/testing/ports';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
// Its keys go after the file's own hooks (afterFile), so after the fleet below is stopped.
const redisPrefix = createTestRedisPrefix('start');
const fixture = readFileSync(join(root, 'fixtures', 'videos', 'valid-vertical.mp4'));

interface Running {
  child: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let env: NodeJS.ProcessEnv;
let dataDir: string;
let databaseUrl: string;
const ports = { api: 0, sandbox: 0, worker: 0 };
let running: Running | null = null;

beforeAll(async () => {
  const services = testServices();
  dataDir = await mkdtemp(join(tmpdir(), 'npm-start-'));
  ports.api = await freePort();
  ports.sandbox = await freePort();
  ports.worker = await freePort();
  const url = new URL(services.databaseUrl);
  url.pathname = `/tf_t_${inject('runId')}_start`;
  databaseUrl = url.toString();
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    TIKTOK_FLEET_DATA_DIR: dataDir,
    PORT: String(ports.api),
    SANDBOX_PORT: String(ports.sandbox),
    WORKER_METRICS_PORT: String(ports.worker),
    REDIS_URL: services.redisUrl,
    REDIS_PREFIX: redisPrefix,
    DATABASE_URL: databaseUrl,
    // Where this test's connect flow sends the browser back to.
    CONNECT_REDIRECT_ORIGINS: 'https://backend.example',
    // The test runner's own marker: start must not read a developer's .env here.
    VITEST: 'true',
  };
});

afterAll(async () => {
  if (running?.child.pid) {
    try {
      process.kill(-running.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const admin = new pg.Client({ connectionString: testServices().databaseUrl });
  await admin.connect();
  await admin.query(
    `DROP DATABASE IF EXISTS "${new URL(databaseUrl).pathname.slice(1)}" WITH (FORCE)`,
  );
  await admin.end();
  await rm(dataDir, { recursive: true, force: true });
});

function npmStart(): Running {
  // detached: its own process group, as a terminal gives a foreground job.
  const child = spawn('npm', ['start'], { cwd: root, env, detached: true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  running = { child, output: () => output, exit };
  return running;
}

/** A whole fleet starts, builds and stops: its waits get a minute. */
const startWait = (what: string) => ({ what, timeoutMs: 60_000, intervalMs: 100 });

/** Waits for the "Ready." line and reads what start printed for a person. */
async function ready(run: Running) {
  await waitUntil(() => {
    if (run.child.exitCode !== null) throw new Error(`npm start exited:\n${run.output()}`);
    return /^Ready\./m.test(run.output()) ? true : undefined;
  }, startWait('the Ready line'));
  const field = (label: string) => {
    const match = new RegExp(`^  ${label} +(\\S+)(?: / (\\S+))?`, 'm').exec(run.output());
    if (!match?.[1]) throw new Error(`no ${label} line in:\n${run.output()}`);
    return [match[1], match[2]] as const;
  };
  const [page] = field('Page');
  const [docs] = field('API docs');
  const [apiKey] = field('API key');
  const [username, password] = field('Login');
  return { page, docs, apiKey, username, password };
}

/** Sends SIGINT to the whole group, as Ctrl-C does, and waits until every process is gone. */
async function ctrlC(run: Running) {
  const pid = run.child.pid as number;
  process.kill(-pid, 'SIGINT');
  const exit = await run.exit;
  await waitUntil(
    () => {
      try {
        process.kill(-pid, 0);
        return undefined;
      } catch {
        return true;
      }
    },
    { what: 'every process of the group to exit', timeoutMs: 40_000, intervalMs: 100 },
  );
  return exit;
}

async function portAnswers(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/`).then(
    () => true,
    () => false,
  );
}

/** Signs in through the page's form with the printed login; returns the page it lands on. */
async function signIn(page: string, username: string, password: string): Promise<string> {
  const form = await fetch(new URL('/login', page));
  const cookies = form.headers.getSetCookie().map((c) => c.split(';')[0]);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const signedIn = await fetch(new URL('/login', page), {
    method: 'POST',
    headers: { cookie: cookies.join('; '), origin: new URL(page).origin },
    body: new URLSearchParams({ username, password, _csrf: csrf }),
    redirect: 'manual',
  });
  expect(signedIn.status).toBe(303);
  const session = signedIn.headers.getSetCookie().map((c) => c.split(';')[0]);
  const landed = await fetch(page, { headers: { cookie: [...cookies, ...session].join('; ') } });
  expect(landed.status).toBe(200);
  return landed.text();
}

function client(apiUrl: string, apiKey: string) {
  return async <T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body instanceof Uint8Array ? {} : body ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body instanceof Uint8Array ? body : body ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}

/** Approves on the sandbox's authorize page as a person would: submit its form as it is. */
async function connectAccount(call: ReturnType<typeof client>): Promise<string> {
  const { authorizeUrl } = await call<{ authorizeUrl: string }>('POST', '/v1/accounts/connect', {
    redirectTo: 'https://backend.example/connected',
  });
  const page = await (await fetch(authorizeUrl)).text();
  const form = new URLSearchParams();
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.append(m[1] as string, (m[2] as string).replaceAll('&amp;', '&'));
  }
  for (const m of page.matchAll(/<input type="checkbox" name="grant" value="([^"]+)" checked>/g)) {
    form.append('grant', m[1] as string);
  }
  form.append('account', 'new');
  form.append('decision', 'authorize');
  const approved = await fetch(new URL('/v2/auth/authorize/', authorizeUrl), {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  const callback = approved.headers.get('location') ?? '';
  const landed = await fetch(callback, { redirect: 'manual' });
  const accountId = new URL(landed.headers.get('location') ?? '').searchParams.get('accountId');
  if (!accountId) throw new Error(`no account connected: ${landed.headers.get('location')}`);
  return accountId;
}

/** Uploads the fixture, posts it and waits until TikTok (the sandbox) published it. */
async function publish(call: ReturnType<typeof client>, accountId: string, caption: string) {
  const media = await call<{ path: string }>('POST', '/v1/media', fixture, {
    'content-type': 'video/mp4',
  });
  const post = await call<{ id: string }>(
    'POST',
    '/v1/posts',
    { accountId, video: { path: media.path }, caption, privacyLevel: 'PUBLIC_TO_EVERYONE' },
    { 'idempotency-key': randomUUID() },
  );
  return waitUntil(async () => {
    const view = await call<{
      status: string;
      error: unknown;
      tiktok: { shareUrl: string | null };
    }>('GET', `/v1/posts/${post.id}`);
    if (view.status === 'failed') throw new Error(`post failed: ${JSON.stringify(view.error)}`);
    return view.status === 'published' && view.tiktok.shareUrl
      ? { id: post.id, ...view }
      : undefined;
  }, startWait('the post to be published'));
}

describe('npm start', () => {
  it('runs a fleet until Ctrl-C, and a second start finds its accounts, posts and login', async () => {
    const first = npmStart();
    const shown = await ready(first);
    const apiUrl = `http://127.0.0.1:${ports.api}`;
    expect(shown.page).toBe(`${apiUrl}/`);
    expect(shown.docs).toBe(`${apiUrl}/docs`);
    expect(shown.username).toBe('operator');
    expect(shown.password?.length).toBeGreaterThanOrEqual(12);
    expect((await fetch(shown.docs)).status).toBe(200);
    // The page answers (the sign-in, or a page saying to build it), never a server error.
    expect((await fetch(shown.page, { redirect: 'manual' })).status).toBeLessThan(500);
    if (existsSync(join(root, 'apps', 'web', 'package.json'))) {
      expect(await signIn(shown.page, shown.username, shown.password ?? '')).toContain('<html');
    }
    expect(
      (
        await fetch(`${apiUrl}/admin/queues`, {
          headers: { authorization: `Basic ${btoa(`${shown.username}:${shown.password}`)}` },
        })
      ).status,
    ).toBe(200);

    const call = client(apiUrl, shown.apiKey);
    const accountId = await connectAccount(call);
    const before = await publish(call, accountId, 'before the restart');

    const stopped = await ctrlC(first);
    expect(stopped).toEqual({ code: 0, signal: null });
    expect(first.output()).toContain('Stopped.');
    for (const port of Object.values(ports)) expect(await portAnswers(port)).toBe(false);

    const second = npmStart();
    const again = await ready(second);
    expect(again).toEqual(shown);
    expect(second.output()).not.toContain('for the first time');
    const { accounts } = await call<{ accounts: Array<{ id: string; status: string }> }>(
      'GET',
      '/v1/accounts',
    );
    expect(accounts).toEqual([expect.objectContaining({ id: accountId, status: 'active' })]);
    const listed = await call<{ posts: Array<{ id: string }> }>('GET', '/v1/posts');
    expect(listed.posts.map((p) => p.id)).toContain(before.id);
    // The account's tokens still work at (the restarted) TikTok: a new post goes through.
    const after = await publish(call, accountId, 'after the restart');
    expect(after.tiktok.shareUrl).not.toBe(before.tiktok.shareUrl);

    // SIGTERM to npm alone (a process manager's stop) ends it the same way.
    second.child.kill('SIGTERM');
    const pid = second.child.pid as number;
    expect(await second.exit).toEqual({ code: 0, signal: null });
    await waitUntil(() => {
      try {
        process.kill(-pid, 0);
        return undefined;
      } catch {
        return true;
      }
    }, startWait('every process of the group to exit'));
    running = null;
  }, 120_000);
});
