import { randomUUID } from 'node:crypto';
import { createApiKeyRepository, createPrismaClient } from '@tiktok-fleet/db';
import { createLogger } from '@tiktok-fleet/observability';
import { closeQueues, createQueues, redisConnection, waitForRedis } from '@tiktok-fleet/queue';
import { startTcpProxy, testServices } from '@tiktok-fleet/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApi } from '../src';
import { connectedAccountId } from './support/connect';
import { startApi } from './support/harness';

const api = await startApi();
let accountA: string;
let accountB: string;

beforeAll(async () => {
  accountA = await connectedAccountId(api);
  accountB = await connectedAccountId(api, api.keys.b);
});

const postRequest = (extra: Record<string, unknown> = {}) => ({
  accountId: accountA,
  video: { path: 'clips/launch.mp4' },
  caption: 'Launch day #demo',
  privacyLevel: 'SELF_ONLY',
  ...extra,
});

const createPost = (json: unknown, headers: Record<string, string> = {}) =>
  api.call('POST', '/v1/posts', { json, headers });

describe('POST /v1/posts', () => {
  test('202 with the post, its status URL, and the publish job under the post id', async () => {
    const reply = await createPost(postRequest({ callbackUrl: 'https://backend.example/hook' }));
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({
      id: expect.stringMatching(/^post_/),
      accountId: accountA,
      status: 'queued',
      video: { path: 'clips/launch.mp4' },
      privacyLevel: 'SELF_ONLY',
      progress: { uploadedBytes: 0, totalBytes: null },
      tiktok: { postId: null, shareUrl: null },
      error: null,
      history: [{ status: 'queued', at: expect.any(String), detail: null }],
    });
    expect(reply.body.statusUrl).toBe(`${api.baseUrl}/v1/posts/${reply.body.id}`);
    expect(reply.headers.get('location')).toBe(reply.body.statusUrl);
    expect(reply.body).not.toHaveProperty('uploadUrl');
    const job = await api.queues.publish.getJob(reply.body.id);
    expect(job?.data).toEqual({ postId: reply.body.id });

    const read = await api.call('GET', `/v1/posts/${reply.body.id}`);
    expect(read.status).toBe(200);
    const { statusUrl: _, ...post } = reply.body;
    expect(read.body).toEqual(post);
  });

  test('a future scheduledAt gives a scheduled post with a delayed job', async () => {
    const at = new Date(Date.now() + 2 * 3600_000).toISOString();
    const reply = await createPost(postRequest({ scheduledAt: at }));
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ status: 'scheduled', scheduledAt: at });
    const job = await api.queues.publish.getJob(reply.body.id);
    expect(await job?.getState()).toBe('delayed');
  });

  test.each([
    ['an unknown field', { colour: 'red' }, 'colour', 'is not a known field'],
    ['a caption of 2201 UTF-16 units', { caption: `${'a'.repeat(2199)}😀` }, 'caption', '2201'],
    ['a bad privacy level', { privacyLevel: 'FRIENDS' }, 'privacyLevel', 'must be one of'],
    ['a negative cover timestamp', { coverTimestampMs: -1 }, 'coverTimestampMs', '0 or more'],
    ['a fractional cover timestamp', { coverTimestampMs: 1.5 }, 'coverTimestampMs', 'whole'],
    [
      'two video sources',
      { video: { path: 'a.mp4', url: 'https://x.example/a.mp4' } },
      'video',
      '',
    ],
    ['a plain-http pullFromUrl', { video: { pullFromUrl: 'http://x.example/a.mp4' } }, 'video', ''],
    ['a bad mode', { mode: 'story' }, 'mode', 'direct'],
    ['a non-boolean flag', { disableDuet: 'yes' }, 'disableDuet', 'true or false'],
    ['a scheduledAt without zone', { scheduledAt: '2030-01-01T10:00:00' }, 'scheduledAt', 'ISO'],
    ['an http callback', { callbackUrl: 'http://backend.example/hook' }, 'callbackUrl', 'https'],
    ['a bad onDailyCap', { onDailyCap: 'later' }, 'onDailyCap', 'wait'],
    ['branded content kept private', { brandContent: true }, 'privacyLevel', 'branded'],
    ['no account', { accountId: undefined }, 'accountId', 'is required'],
  ])('refuses %s with invalid_request naming the field', async (_name, extra, field, words) => {
    const reply = await createPost(postRequest(extra));
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('invalid_request');
    const detail = reply.body.error.details.find((d: { field: string }) =>
      d.field.startsWith(field),
    );
    expect(detail, JSON.stringify(reply.body)).toBeDefined();
    expect(detail.problem).toContain(words);
    expect(reply.body.error.message).toMatch(/^The request is not valid: /);
  });

  test('a caption of exactly 2200 UTF-16 units is accepted', async () => {
    const reply = await createPost(postRequest({ caption: `${'a'.repeat(2198)}😀` }));
    expect(reply.status).toBe(202);
  });

  test('malformed JSON and a JSON array are refused clearly', async () => {
    const bad = await api.call('POST', '/v1/posts', {
      body: '{"accountId":',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_json');
    const array = await createPost([]);
    expect(array.status).toBe(400);
    expect(array.body.error.code).toBe('invalid_request');
  });

  test.each(['../../etc/passwd', '/etc/passwd', 'clips/../../outside.mp4'])(
    'refuses video.path %s outside MEDIA_ROOT',
    async (videoPath) => {
      const reply = await createPost(postRequest({ video: { path: videoPath } }));
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('video_path_outside_media_root');
    },
  );

  test('the same Idempotency-Key twice gives one post; another body with it is refused', async () => {
    const key = randomUUID();
    const first = await createPost(postRequest(), { 'idempotency-key': key });
    const second = await createPost(postRequest(), { 'idempotency-key': key });
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect(await api.rows.postCount({ idempotencyKey: key })).toBe(1);

    const other = await createPost(postRequest({ caption: 'different' }), {
      'idempotency-key': key,
    });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
  });

  test('an account of another owner is not found, and says nothing of who has it', async () => {
    const reply = await createPost(postRequest({ accountId: accountB }));
    expect(reply.status).toBe(404);
    expect(reply.body.error.code).toBe('account_not_found');
  });
});

describe('API keys and owners', () => {
  test.each([
    ['no Authorization header', null],
    ['a wrong key', 'tfk_not_a_key_at_all_0000000000'],
  ])('%s gets 401 unauthorized', async (_name, key) => {
    const reply = await api.call('GET', '/v1/posts', { key });
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe('unauthorized');
    expect(reply.body.error.message).toContain('Authorization: Bearer');
    expect(reply.headers.get('www-authenticate')).toContain('Bearer');
  });

  test('a revoked key gets the same answer as an unknown one', async () => {
    const apiKeys = createApiKeyRepository(api.db);
    const created = await apiKeys.create({ ownerId: 'owner-a', name: 'temp' });
    // (Not used over HTTP first: this API would trust it for API_KEY_CACHE_SECONDS;
    // api-key-cache.test.ts covers that bound.)
    expect(await apiKeys.verify(created.plaintext)).not.toBeNull();
    await apiKeys.revoke(created.apiKey.id);
    const revoked = await api.call('GET', '/v1/posts', { key: created.plaintext });
    const unknown = await api.call('GET', '/v1/posts', { key: `${created.plaintext}x` });
    expect(revoked.status).toBe(401);
    expect(revoked.body).toEqual(unknown.body);
  });

  test("another owner's post is 404, in reads, lists and cancels", async () => {
    const mine = await createPost(postRequest());
    const asB = { key: api.keys.b };
    const read = await api.call('GET', `/v1/posts/${mine.body.id}`, asB);
    expect(read.status).toBe(404);
    expect(read.body.error.code).toBe('post_not_found');
    const list = await api.call('GET', '/v1/posts', asB);
    expect(list.body.posts.map((p: { id: string }) => p.id)).not.toContain(mine.body.id);
    const cancel = await api.call('POST', `/v1/posts/${mine.body.id}/cancel`, asB);
    expect(cancel.status).toBe(404);
    expect((await api.call('GET', `/v1/posts/${mine.body.id}`)).body.status).toBe('queued');
  });
});

describe('GET /v1/posts', () => {
  test('filters by account and status and pages with a cursor, newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createPost(postRequest())).body.id);
    const page1 = await api.call('GET', `/v1/posts?accountId=${accountA}&status=queued&limit=2`);
    expect(page1.status).toBe(200);
    expect(page1.body.posts).toHaveLength(2);
    expect(page1.body.posts.map((p: { id: string }) => p.id)).toEqual([ids[2], ids[1]]);
    expect(page1.body.posts[0].history[0].status).toBe('queued');
    const page2 = await api.call(
      'GET',
      `/v1/posts?accountId=${accountA}&status=queued&limit=2&cursor=${page1.body.nextCursor}`,
    );
    expect(page2.body.posts[0].id).toBe(ids[0]);
  });

  test('a bad status, limit or cursor, or an unknown parameter, is refused', async () => {
    for (const query of ['status=done', 'limit=0', 'limit=1000', 'cursor=abc', 'colour=red']) {
      const reply = await api.call('GET', `/v1/posts?${query}`);
      expect(reply.status, query).toBe(400);
      expect(['invalid_request', 'invalid_cursor']).toContain(reply.body.error.code);
    }
  });
});

describe('POST /v1/posts/:id/cancel', () => {
  test('a queued post is canceled, its job removed and its callback queued', async () => {
    const created = await createPost(postRequest({ callbackUrl: 'https://backend.example/hook' }));
    const reply = await api.call('POST', `/v1/posts/${created.body.id}/cancel`);
    expect(reply.status).toBe(200);
    expect(reply.body.status).toBe('canceled');
    expect(reply.body.history.map((h: { status: string }) => h.status)).toEqual([
      'queued',
      'canceled',
    ]);
    expect(await api.queues.publish.getJob(created.body.id)).toBeUndefined();
    const notify = await api.queues.notify.getJob(`notify-${created.body.id}-post.canceled`);
    expect(notify?.data).toEqual({
      postId: created.body.id,
      event: 'post.canceled',
      status: 'canceled',
    });
  });

  test('an uploading post is marked canceled for the worker to stop', async () => {
    const created = await createPost(postRequest());
    await api.posts.transition(created.body.id, 'uploading');
    const reply = await api.call('POST', `/v1/posts/${created.body.id}/cancel`);
    expect(reply.status).toBe(200);
    expect(reply.body.status).toBe('canceled');
  });

  test('a post TikTok is processing from an uploaded file cannot be canceled', async () => {
    const created = await createPost(postRequest());
    await api.posts.transition(created.body.id, 'processing', {
      changes: { publishId: `v_pub_${randomUUID()}` },
    });
    const reply = await api.call('POST', `/v1/posts/${created.body.id}/cancel`);
    expect(reply.status).toBe(409);
    expect(reply.body.error.code).toBe('post_not_cancelable');
    expect(reply.body.error.message).toContain('pullFromUrl');
  });

  test('a canceled post cannot be canceled again', async () => {
    const created = await createPost(postRequest());
    await api.call('POST', `/v1/posts/${created.body.id}/cancel`);
    const again = await api.call('POST', `/v1/posts/${created.body.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: 'post_not_cancelable',
      message: expect.stringContaining('already canceled'),
    });
  });
});

describe('Redis down', () => {
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let redis: ReturnType<typeof redisConnection>;
  let queues: ReturnType<typeof createQueues>;
  let flaky: Awaited<ReturnType<typeof buildApi>>;
  beforeAll(async () => {
    proxy = await startTcpProxy(testServices().redisUrl);
    redis = redisConnection(proxy.url, 'producer');
    await waitForRedis(redis);
    queues = createQueues(redis, { prefix: api.prefix, onError: () => undefined });
    flaky = await buildApi({
      config: api.config,
      db: api.db,
      redis,
      queues,
      tiktok: api.tiktok,
      logger: createLogger({ name: 'flaky', level: 'silent' }),
    });
  });
  afterAll(async () => {
    await flaky.close();
    await closeQueues(queues);
    redis.disconnect();
    await proxy.close();
  });
  test('POST /v1/posts answers 503 queue_unavailable and keeps the post queued', async () => {
    proxy.cut();
    try {
      const reply = await flaky.inject({
        method: 'POST',
        url: '/v1/posts',
        headers: { authorization: `Bearer ${api.keys.a}`, 'content-type': 'application/json' },
        payload: JSON.stringify(postRequest()),
      });
      expect(reply.statusCode).toBe(503);
      const body = reply.json();
      expect(body.error.code).toBe('queue_unavailable');
      expect(body.error.message).toContain('saved');
      expect(reply.headers['retry-after']).toBeDefined();
      expect(await api.posts.currentStatus(body.error.details.postId)).toBe('queued');

      const ready = await flaky.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().checks.redis).toMatch(/^unavailable/);
    } finally {
      proxy.restore();
    }
  });
});

describe('PostgreSQL cut', () => {
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let db: ReturnType<typeof createPrismaClient>;
  let flaky: Awaited<ReturnType<typeof buildApi>>;
  beforeAll(async () => {
    const target = new URL(api.config.DATABASE_URL);
    proxy = await startTcpProxy(`tcp://${target.host}`);
    const through = new URL(api.config.DATABASE_URL);
    through.host = new URL(proxy.url).host;
    db = createPrismaClient(through.toString(), { poolSize: 2 });
    flaky = await buildApi({
      config: api.config,
      db,
      redis: api.redis,
      queues: api.queues,
      tiktok: api.tiktok,
      logger: createLogger({ name: 'flaky-db', level: 'silent' }),
    });
  });
  afterAll(async () => {
    await flaky.close();
    await db.$disconnect();
    await proxy.close();
  });

  test('requests answer 503 database_unavailable with Retry-After, never 500, and work again once it is back', async () => {
    const list = () =>
      flaky.inject({
        method: 'GET',
        url: '/v1/posts',
        headers: { authorization: `Bearer ${api.keys.a}` },
      });
    const create = () =>
      flaky.inject({
        method: 'POST',
        url: '/v1/posts',
        headers: { authorization: `Bearer ${api.keys.a}`, 'content-type': 'application/json' },
        payload: JSON.stringify(postRequest()),
      });
    expect((await list()).statusCode).toBe(200);
    // The pool's open connections are cut under it, as when PostgreSQL restarts.
    proxy.cut();
    try {
      for (const reply of [await list(), await create(), await list()]) {
        expect(reply.statusCode).toBe(503);
        expect(reply.json().error.code).toBe('database_unavailable');
        expect(reply.headers['retry-after']).toBeDefined();
      }
    } finally {
      proxy.restore();
    }
    expect((await list()).statusCode).toBe(200);
    expect((await create()).statusCode).toBe(202);
  });
});
