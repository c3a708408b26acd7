import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createAccountRepository,
  createPostRepository,
  createPrismaClient,
  parseTokenKeyring,
  TokenCipher,
} from '@tiktok-fleet/db';
import { createRowInspector } from '@tiktok-fleet/db/inspect';
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
  onRedisCluster,
  startTcpProxy,
  testServices,
} from '@tiktok-fleet/testing';
import type {} from '@tiktok-fleet/testing/global-setup';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPostEnqueuer, EnqueuePostError } from '../src';

const { url } = await createTestDatabase();
const db = createPrismaClient(url, { poolSize: 4 });
const prefix = createTestRedisPrefix('enqueue');
const producer = redisConnection(testServices().redisUrl, 'producer');
const mediaRoot = await mkdtemp(path.join(tmpdir(), 'tf-media-'));
const cipher = new TokenCipher(
  parseTokenKeyring({ TOKEN_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}` }),
);
const accounts = createAccountRepository(db, cipher);
const rows = createRowInspector(db);
const posts = createPostRepository(db);
let queues: FleetQueues;

beforeAll(async () => {
  await waitForRedis(producer);
  queues = createQueues(producer, { prefix, onError: () => undefined });
});
afterAll(async () => {
  await closeQueues(queues);
  await producer.quit();
  await db.$disconnect();
  await rm(mediaRoot, { recursive: true, force: true });
});

const unique = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;

async function connectedAccount(ownerId: string) {
  return accounts.upsertByOpenId({
    ownerId,
    openId: unique('open'),
    grantedScopes: ['user.info.basic', 'video.publish'],
    tokens: {
      accessToken: unique('act'),
      refreshToken: unique('rft'),
      accessTokenExpiresAt: new Date(Date.now() + 3600_000),
      refreshTokenExpiresAt: new Date(Date.now() + 86400_000),
    },
  });
}

const request = (accountId: string, extra: Record<string, unknown> = {}) => ({
  accountId,
  video: { path: 'clips/launch.mp4' },
  caption: 'Launch day #demo',
  privacyLevel: 'SELF_ONLY',
  ...extra,
});

async function refusal(promise: Promise<unknown>): Promise<EnqueuePostError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EnqueuePostError);
  return error as EnqueuePostError;
}

describe('enqueuePost', () => {
  const { enqueuePost } = createPostEnqueuer({ db, queues: {} as FleetQueues, mediaRoot });
  const enqueuer = () => createPostEnqueuer({ db, queues, mediaRoot });

  test('stores a queued post and adds its publish job under the post id', async () => {
    const ownerId = unique('owner');
    const account = await connectedAccount(ownerId);
    const { post, created } = await enqueuer().enqueuePost({
      ownerId,
      request: request(account.id),
    });
    expect(created).toBe(true);
    expect(post).toMatchObject({
      accountId: account.id,
      status: 'queued',
      caption: 'Launch day #demo',
      privacyLevel: 'SELF_ONLY',
      mode: 'direct',
      video: { path: 'clips/launch.mp4' },
      onDailyCap: 'wait',
      progress: { uploadedBytes: 0, totalBytes: null },
      publishId: null,
      tiktok: { postId: null, shareUrl: null },
      error: null,
    });
    expect(post.history.map((h) => h.status)).toEqual(['queued']);
    expect(post).not.toHaveProperty('uploadUrl');
    const job = await queues.publish.getJob(post.id);
    expect(job?.data).toEqual({ postId: post.id });
    expect(await job?.getState()).toBe('waiting');
  });

  test('a future scheduledAt makes a scheduled post and a delayed job', async () => {
    const ownerId = unique('owner');
    const account = await connectedAccount(ownerId);
    const at = new Date(Date.now() + 3600_000);
    const { post } = await enqueuer().enqueuePost({
      ownerId,
      request: request(account.id, { scheduledAt: at.toISOString() }),
    });
    expect(post.status).toBe('scheduled');
    expect(post.scheduledAt).toBe(at.toISOString());
    const job = await queues.publish.getJob(post.id);
    expect(await job?.getState()).toBe('delayed');
    expect(job?.delay).toBeGreaterThan(3500_000);
    expect(job?.delay).toBeLessThanOrEqual(3600_000);
  });

  test('an invalid request is refused with every problem, and nothing is stored', async () => {
    const ownerId = unique('owner');
    const error = await refusal(
      enqueuePost({
        ownerId,
        request: { video: { path: 'a.mp4' }, privacyLevel: 'FRIENDS', colour: 'red' },
      }),
    );
    expect(error.code).toBe('invalid_request');
    expect(error.details).toEqual(
      expect.arrayContaining([
        { field: 'accountId', problem: 'is required' },
        { field: 'colour', problem: 'is not a known field' },
        expect.objectContaining({ field: 'privacyLevel' }),
      ]),
    );
    expect(await rows.postCount({ ownerId })).toBe(0);
  });

  test.each(['../outside.mp4', 'clips/../../outside.mp4', '/etc/passwd', '.'])(
    'video.path %s outside MEDIA_ROOT is refused',
    async (videoPath) => {
      const ownerId = unique('owner');
      const account = await connectedAccount(ownerId);
      const error = await refusal(
        enqueuePost({ ownerId, request: request(account.id, { video: { path: videoPath } }) }),
      );
      expect(error.code).toBe('video_path_outside_media_root');
      expect(await rows.postCount({ ownerId })).toBe(0);
    },
  );

  test('a symlink out of MEDIA_ROOT is refused; an absolute path inside it is stored relative', async () => {
    const ownerId = unique('owner');
    const account = await connectedAccount(ownerId);
    await symlink('/etc', path.join(mediaRoot, 'escape'));
    const error = await refusal(
      enqueuePost({ ownerId, request: request(account.id, { video: { path: 'escape/hosts' } }) }),
    );
    expect(error.code).toBe('video_path_outside_media_root');

    await mkdir(path.join(mediaRoot, 'clips'), { recursive: true });
    await writeFile(path.join(mediaRoot, 'clips', 'inside.mp4'), 'x');
    const { post } = await enqueuer().enqueuePost({
      ownerId,
      request: request(account.id, { video: { path: path.join(mediaRoot, 'clips/./inside.mp4') } }),
    });
    expect(post.video).toEqual({ path: 'clips/inside.mp4' });
  });

  test("another owner's account, and one that needs reauthorization, are refused", async () => {
    const account = await connectedAccount(unique('owner'));
    const stranger = await refusal(
      enqueuePost({ ownerId: unique('other'), request: request(account.id) }),
    );
    expect(stranger.code).toBe('account_not_found');

    await accounts.markNeedsReauth(account.id, 'the refresh token was revoked');
    const stale = await refusal(
      enqueuePost({ ownerId: account.ownerId, request: request(account.id) }),
    );
    expect(stale.code).toBe('account_needs_reauth');
    expect(stale.message).toContain('connected again');
  });

  test('the same idempotency key gives one post, even when sent at the same time', async () => {
    const ownerId = unique('owner');
    const account = await connectedAccount(ownerId);
    const idempotencyKey = unique('key');
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        enqueuer().enqueuePost({ ownerId, request: request(account.id), idempotencyKey }),
      ),
    );
    expect(new Set(results.map((r) => r.post.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await rows.postCount({ ownerId })).toBe(1);

    const again = await enqueuer().enqueuePost({
      ownerId,
      request: request(account.id),
      idempotencyKey,
    });
    expect(again).toMatchObject({ created: false, post: { id: results[0]?.post.id } });

    const reused = await refusal(
      enqueuer().enqueuePost({
        ownerId,
        request: request(account.id, { caption: 'Something else' }),
        idempotencyKey,
      }),
    );
    expect(reused.code).toBe('idempotency_key_reused');
    expect(reused.message).toContain('caption');
  });

  test('Redis down: the post is stored queued, the error says so, and a replay adds the job', async ({
    skip,
  }) => {
    // A TCP proxy stands for one Redis server: a cluster client finds the nodes' own addresses.
    skip(onRedisCluster(), 'needs a single Redis (the TCP proxy cannot stand for a cluster)');
    const proxy = await startTcpProxy(testServices().redisUrl);
    const client = redisConnection(proxy.url, 'producer');
    await waitForRedis(client);
    const flaky = createQueues(client, { prefix, onError: () => undefined });
    try {
      const ownerId = unique('owner');
      const account = await connectedAccount(ownerId);
      const idempotencyKey = unique('key');
      const { enqueuePost: enqueueFlaky } = createPostEnqueuer({ db, queues: flaky, mediaRoot });
      proxy.cut();
      const error = await refusal(
        enqueueFlaky({ ownerId, request: request(account.id), idempotencyKey }),
      );
      expect(error.code).toBe('queue_unavailable');
      const { postId } = error.details as { postId: string };
      expect(await posts.currentStatus(postId)).toBe('queued');
      expect(await queues.publish.getJob(postId)).toBeUndefined();

      proxy.restore();
      await waitForRedis(client);
      const replay = await enqueueFlaky({ ownerId, request: request(account.id), idempotencyKey });
      expect(replay).toMatchObject({ created: false, post: { id: postId, status: 'queued' } });
      expect(await queues.publish.getJob(postId)).toBeDefined();
    } finally {
      await closeQueues(flaky);
      client.disconnect();
      await proxy.close();
    }
  });
});
