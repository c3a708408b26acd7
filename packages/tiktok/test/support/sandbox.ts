import { waitUntil } from '@tiktok-fleet/testing/wait-until';
import { startSandbox } from '@tiktok-fleet/tiktok-sandbox';
import { afterAll, beforeAll } from 'vitest';
import { createTikTokClient, type TikTokClient, type TikTokClientOptions } from '../../src/client';
import type { UserTokens } from '../../src/oauth';

export const REDIRECT_URI = 'https://app.example/api/integrations/tiktok/callback';
export const ALL_SCOPES = [
  'user.info.basic',
  'user.info.profile',
  'user.info.stats',
  'video.list',
  'video.publish',
  'video.upload',
];

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

export interface SandboxPublish {
  publishId: string;
  openId: string;
  mode: 'direct' | 'inbox';
  source: string;
  status: string;
  failReason: string | null;
  privacyLevel: string | null;
  videoSize: number | null;
  chunkSize: number | null;
  totalChunkCount: number | null;
  bytesReceived: number;
  sha256: string | null;
  postIds: string[];
}

export interface SandboxStats {
  maxConcurrentUploadsByCreator: Record<string, number>;
  violations: { rule: string; detail: string }[];
  requests: Record<string, number>;
  delayedMs: Record<string, number>;
  pendingTimers: number;
  refreshTokensReused: number;
}

/**
 * One sandbox per test file, started in-process on a random port and reached over real
 * HTTP, with a client pointed at it and helpers for the sandbox's control API.
 */
export function useSandbox(clientOptions: Partial<TikTokClientOptions> = {}) {
  const env = {} as {
    sandbox: Sandbox;
    client: TikTokClient;
    /** Calls the control API (not part of TikTok). */
    control: <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;
    configure: (config: Record<string, unknown>) => Promise<unknown>;
    reset: (config?: Record<string, unknown>) => Promise<void>;
    fault: (fault: Record<string, unknown>) => Promise<unknown>;
    /** Lets time pass at TikTok (expiries, windows, counts) without waiting for it. */
    advanceClock: (ms: number) => Promise<unknown>;
    publishes: () => Promise<SandboxPublish[]>;
    publish: (publishId: string) => Promise<SandboxPublish>;
    stats: () => Promise<SandboxStats>;
    connect: (
      creator?: Record<string, unknown>,
      scopes?: string[],
      extra?: { codeChallenge?: string; codeVerifier?: string },
    ) => Promise<UserTokens>;
    authorizeCode: (
      creatorOpenId: string,
      scopes: string[],
      codeChallenge?: string,
    ) => Promise<string>;
  };

  beforeAll(async () => {
    env.sandbox = await startSandbox({ port: 0 });
    env.client = createTikTokClient({
      clientKey: env.sandbox.clientKey,
      clientSecret: env.sandbox.clientSecret,
      apiBaseUrl: env.sandbox.url,
      authUrl: env.sandbox.authorizeUrl,
      ...clientOptions,
    });
    env.control = async <T>(method: string, path: string, body?: unknown) => {
      const res = await fetch(`${env.sandbox.url}/_sandbox${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`sandbox control ${method} ${path}: ${res.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    };
    env.configure = (config) => env.control('PATCH', '/config', config);
    // Reset forgets state but keeps the config, so the start-up config is put back too.
    const defaults = await env.configure({});
    env.reset = async (config = {}) => {
      await env.control('POST', '/reset');
      // Fast state machine, no rate limits unless a test turns them on.
      await env.configure({
        ...(defaults as object),
        processingDelayMs: 20,
        moderationDelayMs: 20,
        rateLimits: false,
        ...config,
      });
    };
    env.fault = (fault) => env.control('POST', '/faults', fault);
    env.advanceClock = (advanceMs) => env.control('POST', '/clock', { advanceMs });
    env.publishes = () => env.control<SandboxPublish[]>('GET', '/publishes');
    env.publish = async (publishId) => {
      const found = (await env.publishes()).find((p) => p.publishId === publishId);
      if (!found) throw new Error(`the sandbox has no publish ${publishId}`);
      return found;
    };
    env.stats = () => env.control<SandboxStats>('GET', '/stats');
    env.authorizeCode = async (openId, scopes, codeChallenge) => {
      await env.configure({ autoApprove: true, autoApproveOpenId: openId });
      const url = env.client.buildAuthorizeUrl({
        redirectUri: REDIRECT_URI,
        scopes,
        state: 'state-123',
        ...(codeChallenge ? { codeChallenge } : {}),
      });
      const res = await fetch(url, { redirect: 'manual' });
      const location = res.headers.get('location');
      if (res.status !== 302 || !location)
        throw new Error(`authorize did not redirect: ${res.status}`);
      const back = new URL(location);
      if (back.searchParams.get('state') !== 'state-123') throw new Error('state was not returned');
      const code = back.searchParams.get('code');
      if (!code) throw new Error(`no code on the callback: ${location}`);
      return code;
    };
    env.connect = async (creator = {}, scopes = ALL_SCOPES, extra = {}) => {
      const { openId } = await env.control<{ openId: string }>('POST', '/creators', creator);
      const code = await env.authorizeCode(openId, scopes, extra.codeChallenge);
      return env.client.exchangeCode({
        code,
        redirectUri: REDIRECT_URI,
        ...(extra.codeVerifier ? { codeVerifier: extra.codeVerifier } : {}),
      });
    };
    await env.reset();
  });

  afterAll(async () => {
    env.client?.close();
    await env.sandbox?.close();
  });

  return env;
}

/** Polls status/fetch until `done` says so (the sandbox's state machine runs on timers). */
export async function waitForStatus(
  client: TikTokClient,
  accessToken: string,
  publishId: string,
  done: (s: Awaited<ReturnType<TikTokClient['fetchPublishStatus']>>) => boolean,
  timeoutMs = 10_000,
) {
  let last: Awaited<ReturnType<TikTokClient['fetchPublishStatus']>> | undefined;
  return waitUntil(
    async () => {
      last = await client.fetchPublishStatus(accessToken, publishId);
      return done(last) ? last : undefined;
    },
    {
      what: `publish ${publishId} to finish`,
      timeoutMs,
      intervalMs: 50,
      describe: () => `stuck at ${last?.status}`,
    },
  );
}

/** Runs `fn` and returns the error it throws (failing if it does not). */
export async function caught(
  fn: () => Promise<unknown>,
): Promise<import('../../src/index').TikTokApiError> {
  try {
    await fn();
  } catch (error) {
    return error as import('../../src/index').TikTokApiError;
  }
  throw new Error('expected the call to fail');
}
