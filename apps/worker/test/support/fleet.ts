import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createAccountRepository,
  createPostRepository,
  createPrismaClient,
  type Db,
  type PostWithEvents,
  parseTokenKeyring,
  TokenCipher,
} from '@tiktok-fleet/db';
import { createRowInspector, type RowInspector } from '@tiktok-fleet/db/inspect';
import { createLogger } from '@tiktok-fleet/observability';
import { createPostEnqueuer, type PostRequestInput } from '@tiktok-fleet/posts';
import type { RedisClient } from '@tiktok-fleet/queue';
import {
  closeQueues,
  createQueues,
  type FleetQueues,
  redisConnection,
  waitForRedis,
} from '@tiktok-fleet/queue';
import {
  createTestDatabase,
  createTestRedisPrefix,
  testServices,
  waitUntil,
} from '@tiktok-fleet/testing';
import type {} from '@tiktok-fleet/testing/global-setup';
import { makeTestPatternVideo } from '@tiktok-fleet/testing/videos';
import {
  createTikTokClient,
  type TikTokClient,
  userInfoFieldsForScopes,
} from '@tiktok-fleet/tiktok';
import { type Sandbox, startSandbox } from '@tiktok-fleet/tiktok-sandbox';
import { afterAll, beforeAll } from 'vitest';
import {
  defaultWorkerSettings,
  type StartWorkersOptions,
  startWorkers,
  type WorkerDeps,
  type WorkerFleet,
  type WorkerSettings,
} from '../../src/index';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const fixture = (name: string) => join(root, 'fixtures', 'videos', name);

export const REDIRECT_URI = 'https://backend.example/api/integrations/tiktok/callback';
export const ALL_SCOPES = [
  'user.info.basic',
  'user.info.profile',
  'user.info.stats',
  'video.list',
  'video.publish',
  'video.upload',
];
export const OWNER = 'owner-1';
const MiB = 1024 * 1024;

export interface SandboxPublish {
  publishId: string;
  openId: string;
  mode: 'direct' | 'inbox';
  status: string;
  privacyLevel: string | null;
  videoSize: number | null;
  totalChunkCount: number | null;
  bytesReceived: number;
  sha256: string | null;
  postIds: string[];
}

export interface SandboxStats {
  maxConcurrentUploadsByCreator: Record<string, number>;
  violations: { rule: string; detail: string }[];
  requests: Record<string, number>;
  refreshTokensReused: number;
}

/** Settings the tests share: small chunks, quick polls, no artificial rate limits. */
export const testSettings: Partial<WorkerSettings> = {
  chunkSize: 5 * MiB,
  concurrency: 4,
  busyBackoff: { baseMs: 300, maxMs: 2_000, jitter: 0.5 },
  statusPoll: { firstDelayMs: 500, maxDelayMs: 2_000, postIdWaitMs: 30_000, postIdPollMs: 500 },
  rateLimits: {
    init: { limit: 1000, windowMs: 60_000 },
    creatorInfo: { limit: 1000, windowMs: 60_000 },
    status: { limit: 1000, windowMs: 60_000 },
    display: { limit: 1000, windowMs: 60_000 },
  },
};

/**
 * Everything a worker test needs, real all the way: a database and Redis prefix of the
 * file's own, the TikTok sandbox on a random port (reached over HTTP), a MEDIA_ROOT in a
 * temp directory, and the fleet's repositories and queues. `start()` starts workers.
 */
export function useFleet(options: { sandbox?: Record<string, unknown> } = {}) {
  const prefix = createTestRedisPrefix('worker');
  const encryptionKey = `k1:${randomBytes(32).toString('base64')}`;
  const env = {
    prefix,
    encryptionKey,
    callbackSecret: randomBytes(24).toString('hex'),
  } as {
    prefix: string;
    encryptionKey: string;
    callbackSecret: string;
    databaseUrl: string;
    redisUrl: string;
    mediaRoot: string;
    sandbox: Sandbox;
    client: TikTokClient;
    db: Db;
    /** What is stored, as it is (tests write through the repositories in `deps()`). */
    rows: RowInspector;
    redis: RedisClient;
    queues: FleetQueues;
    deps: (settings?: Partial<WorkerSettings>) => WorkerDeps;
    start: (
      settings?: Partial<WorkerSettings>,
      options?: StartWorkersOptions,
    ) => Promise<WorkerFleet>;
  };
  const fleets: WorkerFleet[] = [];

  beforeAll(async () => {
    const { url } = await createTestDatabase();
    env.databaseUrl = url;
    env.redisUrl = testServices().redisUrl;
    env.mediaRoot = await mkdtemp(join(tmpdir(), 'tf-media-'));
    env.sandbox = await startSandbox({
      port: 0,
      processingDelayMs: 50,
      moderationDelayMs: 100,
      rateLimits: false,
      autoApprove: true,
      ...options.sandbox,
    });
    env.client = createTikTokClient({
      clientKey: env.sandbox.clientKey,
      clientSecret: env.sandbox.clientSecret,
      apiBaseUrl: env.sandbox.url,
      authUrl: env.sandbox.authorizeUrl,
    });
    env.db = createPrismaClient(url, { poolSize: 6 });
    env.rows = createRowInspector(env.db);
    env.redis = redisConnection(env.redisUrl, 'worker');
    await waitForRedis(env.redis);
    env.queues = createQueues(env.redis, { prefix, onError: () => undefined });
    const cipher = new TokenCipher(parseTokenKeyring({ TOKEN_ENCRYPTION_KEY: encryptionKey }));
    env.deps = (settings = {}) => ({
      db: env.db,
      posts: createPostRepository(env.db),
      accounts: createAccountRepository(env.db, cipher),
      tiktok: env.client,
      redis: env.redis,
      queues: env.queues,
      logger: createLogger({
        name: 'worker',
        level: process.env.TEST_LOG_LEVEL ?? 'silent',
        format: 'json',
      }),
      settings: {
        ...defaultWorkerSettings,
        ...testSettings,
        prefix,
        mediaRoot: env.mediaRoot,
        callbackSigningSecret: env.callbackSecret,
        urlSource: { ...defaultWorkerSettings.urlSource },
        ...settings,
      },
    });
    env.start = async (settings, startOptions) => {
      const fleet = await startWorkers(env.deps(settings), {
        scheduleSweep: false,
        ...startOptions,
      });
      fleets.push(fleet);
      return fleet;
    };
  });

  afterAll(async () => {
    await Promise.all(fleets.map((f) => f.close({ graceMs: 2_000 })));
    if (env.queues) await closeQueues(env.queues);
    await env.redis?.quit();
    await env.db?.$disconnect();
    env.client?.close();
    await env.sandbox?.close();
    if (env.mediaRoot) await rm(env.mediaRoot, { recursive: true, force: true });
  });

  const accounts = () =>
    createAccountRepository(
      env.db,
      new TokenCipher(parseTokenKeyring({ TOKEN_ENCRYPTION_KEY: encryptionKey })),
    );

  const control = async <T = unknown>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${env.sandbox.url}/_sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox control ${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };

  return {
    env,
    accounts,
    control,
    configure: (config: Record<string, unknown>) => control('PATCH', '/config', config),
    fault: (fault: Record<string, unknown>) => control('POST', '/faults', fault),
    /** Lets time pass at TikTok (upload URLs, tokens, windows) without waiting for it. */
    advanceClock: (advanceMs: number) => control('POST', '/clock', { advanceMs }),
    publishes: () => control<SandboxPublish[]>('GET', '/publishes'),
    stats: () => control<SandboxStats>('GET', '/stats'),

    /**
     * The environment of a worker process (`src/main.ts`, as a pod runs it) on this file's
     * database, Redis prefix, media root and sandbox.
     */
    workerProcessEnv(extra: Record<string, string> = {}): Record<string, string> {
      return {
        TIKTOK_CLIENT_KEY: env.sandbox.clientKey,
        TIKTOK_CLIENT_SECRET: env.sandbox.clientSecret,
        TIKTOK_API_BASE_URL: env.sandbox.url,
        TIKTOK_AUTH_URL: env.sandbox.authorizeUrl,
        REDIS_URL: env.redisUrl,
        REDIS_PREFIX: env.prefix,
        DATABASE_URL: env.databaseUrl,
        DATABASE_POOL_SIZE: '3',
        TOKEN_ENCRYPTION_KEY: env.encryptionKey,
        MEDIA_ROOT: env.mediaRoot,
        CALLBACK_SIGNING_SECRET: env.callbackSecret,
        WORKER_METRICS_PORT: '0',
        WORKER_CONCURRENCY: '2',
        ...extra,
      };
    },

    /**
     * A TikTok account connected the way the API connects one: the sandbox's authorize
     * page (auto-approved), the code exchanged with the client, the profile read, and the
     * account stored with encrypted tokens.
     */
    async connectAccount(creator: Record<string, unknown> = {}, scopes = ALL_SCOPES) {
      const { openId } = await control<{ openId: string }>('POST', '/creators', creator);
      await control('PATCH', '/config', { autoApprove: true, autoApproveOpenId: openId });
      const url = env.client.buildAuthorizeUrl({
        redirectUri: REDIRECT_URI,
        scopes,
        state: randomBytes(32).toString('base64url'),
      });
      const res = await fetch(url, { redirect: 'manual' });
      const code = new URL(res.headers.get('location') ?? '').searchParams.get('code');
      if (!code) throw new Error(`the sandbox did not authorize: HTTP ${res.status}`);
      const tokens = await env.client.exchangeCode({ code, redirectUri: REDIRECT_URI });
      const profile = await env.client.getUserInfo(
        tokens.accessToken,
        userInfoFieldsForScopes(tokens.scopes).filter((f) => !f.endsWith('_count')),
      );
      const account = await accounts().upsertByOpenId({
        ownerId: OWNER,
        openId,
        unionId: profile.unionId,
        displayName: profile.displayName,
        username: profile.username,
        avatarUrl: profile.avatarUrl,
        grantedScopes: tokens.scopes,
        tokens,
      });
      return { account, openId, tokens };
    },

    /** Puts a fixture video into MEDIA_ROOT and returns its path there. */
    async addMedia(source: string, name = source.split('/').at(-1) as string) {
      const target = join(env.mediaRoot, name);
      await mkdir(dirname(target), { recursive: true });
      await copyFile(source.startsWith('/') ? source : fixture(source), target);
      return name;
    },

    /** A post through the enqueue contract backends use (`enqueuePost`). */
    async createPost(request: Partial<PostRequestInput> & Pick<PostRequestInput, 'accountId'>) {
      const enqueuer = createPostEnqueuer({
        db: env.db,
        queues: env.queues,
        mediaRoot: env.mediaRoot,
      });
      const { post } = await enqueuer.enqueuePost({
        ownerId: OWNER,
        // A draft takes neither (TikTok's inbox upload is the video only).
        request: {
          ...(request.mode !== 'draft' && {
            privacyLevel: 'PUBLIC_TO_EVERYONE',
            caption: 'worker test #fleet',
          }),
          ...request,
        },
      });
      return post;
    },

    post: (postId: string) => createPostRepository(env.db).get(postId) as Promise<PostWithEvents>,

    /** Polls a job until it completed or failed; resolves to which. */
    async jobFinished(
      queue: keyof FleetQueues,
      jobId: string,
      timeoutMs = 20_000,
    ): Promise<'completed' | 'failed'> {
      let state: string | undefined;
      return waitUntil(
        async () => {
          const now = await env.queues[queue].getJobState(jobId);
          state = now;
          return now === 'completed' || now === 'failed' ? now : undefined;
        },
        {
          what: `job ${queue}/${jobId} to finish`,
          timeoutMs,
          intervalMs: 50,
          describe: () => `still ${state}`,
        },
      );
    },

    /** Polls the post until `done` says so (the workers run on their own). */
    async waitForPost(
      postId: string,
      done: (post: PostWithEvents) => boolean,
      timeoutMs = 20_000,
    ): Promise<PostWithEvents> {
      const posts = createPostRepository(env.db);
      let post: PostWithEvents | undefined;
      return waitUntil(
        async () => {
          post = (await posts.get(postId)) as PostWithEvents;
          return done(post) ? post : undefined;
        },
        {
          what: `post ${postId}`,
          timeoutMs,
          intervalMs: 50,
          describe: () =>
            `still ${post?.status} (${post?.errorCode ?? 'no error'}): ` +
            JSON.stringify(post?.events.map((e) => [e.status, e.detail])),
        },
      );
    },
  };
}

export const isFinal = (post: { status: string }) =>
  ['published', 'failed', 'canceled'].includes(post.status);

/**
 * A valid video over 10 MiB (two chunks of 5 MiB or more), made with ffmpeg once per test
 * run: lossless H.264 of a test pattern, 720x1280, 30 fps, 5.5 s (about 10.6 MiB).
 */
export { sha256File } from '@tiktok-fleet/testing/videos';

/**
 * A valid video over 10 MiB (two chunks of 5 MiB or more), made once per test run: 5.5 s of
 * the test pattern, about 10.6 MiB.
 */
export async function largeVideo(): Promise<string> {
  const path = join(tmpdir(), `tf-large-${process.ppid}.mp4`);
  const existing = await stat(path).catch(() => undefined);
  if (!existing || existing.size <= 10 * MiB) await makeTestPatternVideo(path, 5.5);
  return path;
}
