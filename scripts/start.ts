// A standing fleet on this machine, up until Ctrl-C: finds (or starts) Redis and PostgreSQL,
// migrates its database, starts the TikTok sandbox, the API and one worker as processes, and
// prints where the page, the API docs, the login and an API key are.
//
//   npm start
//
// Everything it makes up (sandbox app, secrets, login, API key) is kept in
// $TIKTOK_FLEET_DATA_DIR (default .data/) with the sandbox's state and the logs, so the next
// start finds the same accounts, posts and credentials. Delete that directory to start over.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { loadEnvFile } from '@tiktok-fleet/config';
import { loadGenerated } from './lib/generated-env';
import { root } from './lib/paths';
import { type Child, ProcessGroup, tail, waitUntilReady } from './lib/processes';
import {
  ensureLocalServices,
  LOCAL_REDIS_URL,
  prepareDatabase,
  withDatabase,
} from './lib/services';

loadEnvFile();
const env = process.env;
const dataDir = resolve(root, env.TIKTOK_FLEET_DATA_DIR || '.data');
const logDir = join(dataDir, 'logs');
/** A path as a person in the repository would type it. */
const shown = (path: string) => {
  const inside = relative(root, path);
  return inside.startsWith('..') || isAbsolute(inside) ? path : inside || '.';
};
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

let stopping: Promise<void> | null = null;
const fleet = new ProcessGroup(logDir, (child, how) =>
  fail(`${child.name} stopped on its own (${how}).`, child),
);

function fail(message: string, child?: Child): void {
  console.error(`\n✗ ${message}`);
  if (child) {
    console.error(tail(child.log).replace(/^/gm, '  | '));
    console.error(`  (the whole log: ${shown(child.log)})`);
  }
  void stop(1);
}

/** Stops every child (waiting for each to exit), then exits with `code`. */
function stop(code: number): Promise<void> {
  stopping ??= (async () => {
    if (code === 0) console.log('\nStopping the worker, the API and the sandbox…');
    await fleet.stop();
    if (code === 0) console.log('Stopped.');
    process.exit(code);
  })();
  return stopping;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(0));

function portAnswers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

function port(name: string, fallback: number): number {
  const value = Number(env[name] || fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name} must be a port number, got "${env[name]}".`);
  }
  return value;
}

/**
 * The fleet's own database: the one DATABASE_URL names, except the server's maintenance
 * database `postgres` (what the tests and the demo are given): then `tiktok_fleet` beside it.
 */
function fleetDatabaseUrl(configured: string | undefined): string {
  const url = new URL(configured || 'postgresql://postgres@127.0.0.1:5432/postgres');
  const name = decodeURIComponent(url.pathname.slice(1));
  return name === '' || name === 'postgres'
    ? withDatabase(url.toString(), 'tiktok_fleet')
    : url.toString();
}

/** Runs a command to its end with its output in a log; throws with the log's tail if it fails. */
function runLogged(name: string, command: string, args: string[]): Promise<void> {
  const log = join(logDir, `${name}.log`);
  return new Promise((done, reject) => {
    const child = spawn('sh', ['-c', `"$0" "$@" >>"${log}" 2>&1`, command, ...args], {
      cwd: root,
      stdio: 'ignore',
    });
    child.once('exit', (code) =>
      code === 0
        ? done()
        : reject(new Error(`${name} failed (code ${code}):\n${tail(log).replace(/^/gm, '  | ')}`)),
    );
  });
}

async function main(): Promise<void> {
  mkdirSync(logDir, { recursive: true });
  const { values: made, created } = loadGenerated(join(dataDir, 'generated.env'));
  const firstStart = created.length > 0;
  console.log(
    firstStart
      ? `Starting tiktok-fleet for the first time (data in ${shown(dataDir)}/)…`
      : `Starting tiktok-fleet (data in ${shown(dataDir)}/)…`,
  );

  // The fleet talks to its own sandbox; a TikTok configured for production is left alone.
  const ignored = ['TIKTOK_API_BASE_URL', 'TIKTOK_AUTH_URL', 'TIKTOK_CLIENT_KEY'].filter(
    (name) => env[name] && !/^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(env[name] ?? ''),
  );
  if (ignored.length > 0) {
    console.log(`  (npm start runs on its TikTok sandbox: ${ignored.join(', ')} not used)`);
  }

  const apiPort = port('PORT', 3001);
  const sandboxPort = port('SANDBOX_PORT', 4010);
  const workerPort = port('WORKER_METRICS_PORT', 9464);
  for (const [name, value] of [
    ['PORT', apiPort],
    ['SANDBOX_PORT', sandboxPort],
    ['WORKER_METRICS_PORT', workerPort],
  ] as const) {
    if (await portAnswers(value)) {
      throw new Error(
        `Port ${value} is taken (another npm start?). Stop that, or set ${name} to a free port.`,
      );
    }
  }

  ensureLocalServices();
  const redisUrl = env.REDIS_URL || LOCAL_REDIS_URL;
  const databaseUrl = fleetDatabaseUrl(env.DATABASE_URL);
  const database = await prepareDatabase(databaseUrl, { fresh: false });
  const dbName = new URL(databaseUrl).pathname.slice(1);
  console.log(
    `  PostgreSQL database ${dbName}${database.created ? ' (created)' : ''}: ` +
      `${database.applied} migration(s) applied; Redis ${redisUrl}`,
  );

  const hasPage = existsSync(join(root, 'apps', 'web', 'package.json'));
  if (hasPage) {
    console.log('  building the page (apps/web)…');
    await runLogged('web-build', 'sh', [
      join(root, 'scripts', 'pnpm.sh'),
      '--filter',
      '@tiktok-fleet/web',
      'run',
      'build',
    ]);
  }

  const host = env.HOST || '127.0.0.1';
  const apiUrl = env.BACKEND_URL || `http://127.0.0.1:${apiPort}`;
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const ownerId = env.OPERATOR_OWNER_ID || 'operator';
  const ownLogin = Boolean(env.OPERATOR_USERNAME && env.OPERATOR_PASSWORD);
  const username = ownLogin ? (env.OPERATOR_USERNAME as string) : made.OPERATOR_USERNAME;
  const password = ownLogin ? (env.OPERATOR_PASSWORD as string) : made.OPERATOR_PASSWORD;
  // An API key for the operator's owner id, unless API_KEYS already has one for it.
  const configuredKeys = (env.API_KEYS ?? '').split(',').map((k) => k.trim());
  const ownKey = configuredKeys.find((k) => k.startsWith(`${ownerId}:`))?.slice(ownerId.length + 1);
  const apiKey = ownKey ?? made.OPERATOR_API_KEY;
  const apiKeys = [...configuredKeys.filter(Boolean), ...(ownKey ? [] : [`${ownerId}:${apiKey}`])];

  const base = {
    ...env,
    NODE_ENV: env.NODE_ENV || 'development',
    LOG_LEVEL: env.LOG_LEVEL || 'info',
  };
  fleet.start('sandbox', ['apps/tiktok-sandbox/src/main.ts'], {
    ...base,
    SANDBOX_PORT: String(sandboxPort),
    SANDBOX_CLIENT_KEY: made.TIKTOK_CLIENT_KEY,
    SANDBOX_CLIENT_SECRET: made.TIKTOK_CLIENT_SECRET,
    SANDBOX_STATE_FILE: join(dataDir, 'sandbox', 'state.json'),
  });
  await waitUntilReady('the sandbox', `${sandboxUrl}/_sandbox/stats`);
  // TikTok's webhooks end the worker's wait for processing early.
  const configured = await fetch(`${sandboxUrl}/_sandbox/config`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ webhookUrl: `${apiUrl}/api/integrations/tiktok/webhook` }),
  });
  if (!configured.ok) throw new Error(`configuring the sandbox failed (${configured.status})`);

  const fleetEnv = {
    ...base,
    TIKTOK_CLIENT_KEY: made.TIKTOK_CLIENT_KEY,
    TIKTOK_CLIENT_SECRET: made.TIKTOK_CLIENT_SECRET,
    TIKTOK_API_BASE_URL: sandboxUrl,
    TIKTOK_AUTH_URL: `${sandboxUrl}/v2/auth/authorize/`,
    BACKEND_URL: apiUrl,
    PORT: String(apiPort),
    HOST: host,
    REDIS_URL: redisUrl,
    DATABASE_URL: databaseUrl,
    TOKEN_ENCRYPTION_KEY: env.TOKEN_ENCRYPTION_KEY || made.TOKEN_ENCRYPTION_KEY,
    CALLBACK_SIGNING_SECRET: env.CALLBACK_SIGNING_SECRET || made.CALLBACK_SIGNING_SECRET,
    SESSION_SECRET: env.SESSION_SECRET || made.SESSION_SECRET,
    OPERATOR_USERNAME: username,
    OPERATOR_PASSWORD: password,
    OPERATOR_OWNER_ID: ownerId,
    API_KEYS: apiKeys.join(','),
    MEDIA_ROOT: env.MEDIA_ROOT || join(dataDir, 'media'),
    WORKER_METRICS_PORT: String(workerPort),
  };
  fleet.start('api', ['apps/api/src/main.ts'], fleetEnv);
  fleet.start('worker', ['apps/worker/src/main.ts'], fleetEnv);
  await waitUntilReady('the API', `${apiUrl}/readyz`);
  await waitUntilReady('the worker', `http://127.0.0.1:${workerPort}/readyz`);

  const row = (label: string, value: string) => console.log(`  ${label.padEnd(11)} ${value}`);
  console.log(`\n${bold('tiktok-fleet is running.')}\n`);
  row('Page', `${apiUrl}/${hasPage ? '' : '   (not in this checkout: apps/web is missing)'}`);
  row('Login', `${username} / ${ownLogin ? '(your OPERATOR_PASSWORD)' : password}`);
  row('API key', `${apiKey}   (owner ${ownerId})`);
  row('API docs', `${apiUrl}/docs`);
  row('Bull Board', `${apiUrl}/admin/queues`);
  row('Sandbox', `${sandboxUrl}   (TikTok, local: its authorize page asks to approve)`);
  row('Metrics', `${apiUrl}/metrics, http://127.0.0.1:${workerPort}/metrics (worker)`);
  row('Logs', `${shown(logDir)}/{sandbox,api,worker}.log`);
  row('Data', `${shown(dataDir)}/   (delete it to start over)`);
  console.log('\n  The CLI against it:');
  console.log(`    export TIKTOK_FLEET_API_URL=${apiUrl} TIKTOK_FLEET_API_KEY=${apiKey}`);
  console.log('    npm run cli -- accounts list');
  console.log(`\n${bold('Ready.')} Ctrl-C stops the fleet (run npm start again to bring it back).`);
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
