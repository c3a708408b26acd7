// What the benchmarks share to stand a fleet up: a fresh database, the TikTok sandbox as a
// process, its control API, and creators connected through its OAuth.
import { randomBytes } from 'node:crypto';
import { applyMigrations } from '@tiktok-fleet/db/migrations';
import { adminQuery } from '@tiktok-fleet/testing/database';

export { sandboxControl } from '@tiktok-fleet/testing/sandbox-control';

import {
  type TikTokClient,
  type UserInfo,
  type UserTokens,
  userInfoFieldsForScopes,
} from '@tiktok-fleet/tiktok';
import { type FleetProcess, startProcess, waitUntilReady } from './fleet-process';

/** A new database `name` on the server at `serverUrl`, migrated; answers its URL. */
export async function freshDatabase(serverUrl: string, name: string): Promise<string> {
  await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await applyMigrations({ databaseUrl: url.toString() });
  return url.toString();
}

export interface SandboxOptions {
  root: string;
  name: string;
  logDir: string;
  port: number;
  clientKey: string;
  clientSecret: string;
}

/** The sandbox as a process, once it answers; stopped again when it never does. */
export async function startSandbox(options: SandboxOptions): Promise<FleetProcess> {
  const sandbox = startProcess(
    options.root,
    options.name,
    'apps/tiktok-sandbox/src/main.ts',
    {
      SANDBOX_PORT: String(options.port),
      SANDBOX_CLIENT_KEY: options.clientKey,
      SANDBOX_CLIENT_SECRET: options.clientSecret,
    },
    options.logDir,
  );
  try {
    await waitUntilReady(sandbox, `http://127.0.0.1:${options.port}/_sandbox/stats`);
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
  return sandbox;
}

/**
 * A creator authorized through the sandbox's OAuth the way the API connects one (the
 * sandbox approves on its own), with the profile the API reads next.
 */
export async function authorizeSandboxCreator(
  tiktok: TikTokClient,
  redirectUri: string,
  scopes: string[],
): Promise<{ tokens: UserTokens; profile: UserInfo }> {
  const url = tiktok.buildAuthorizeUrl({
    redirectUri,
    scopes,
    state: randomBytes(16).toString('base64url'),
  });
  const res = await fetch(url, { redirect: 'manual' });
  const code = new URL(res.headers.get('location') ?? '').searchParams.get('code');
  if (!code) throw new Error(`the sandbox did not authorize: HTTP ${res.status}`);
  const tokens = await tiktok.exchangeCode({ code, redirectUri });
  const profile = await tiktok.getUserInfo(
    tokens.accessToken,
    userInfoFieldsForScopes(tokens.scopes).filter((f) => !f.endsWith('_count')),
  );
  return { tokens, profile };
}
