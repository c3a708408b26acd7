import { fleetKey, redisConnection } from '@tiktok-fleet/queue';
import { type Job, Worker } from 'bullmq';
import { describe, expect, test } from 'vitest';
import { connectedAccountId } from './support/connect';
import { startApi } from './support/harness';

const api = await startApi({ deps: { analyticsWaitMs: 3000, analyticsMaxAgeMs: 60_000 } });
const accountId = await connectedAccountId(api);
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

/** What the analytics worker caches for an account: its profile counts and when it read them. */
const cacheProfile = (videoCount: number, capturedAt: Date, ofAccount = accountId) =>
  api.redis.set(
    fleetKey(api.prefix, 'analytics', 'account', ofAccount),
    JSON.stringify({
      accountId: ofAccount,
      followerCount: 3,
      videoCount,
      capturedAt: capturedAt.toISOString(),
    }),
  );

async function publishedPost(tiktokPostId: string | null = '7234567890123456789') {
  const created = await api.call('POST', '/v1/posts', {
    json: { accountId, video: { path: 'a.mp4' }, privacyLevel: 'PUBLIC_TO_EVERYONE' },
  });
  // Where the worker leaves a post TikTok made public.
  await api.posts.transition(created.body.id, 'published', { changes: { tiktokPostId } });
  return created.body.id as string;
}

/** One refresh's numbers for one video, stored as the analytics worker stores them. */
const snapshot = (
  postId: string | null,
  tiktokVideoId: string,
  [views, likes, comments, shares]: [number, number, number, number],
  capturedAt: Date,
  ofAccount = accountId,
) =>
  api.analytics.record(
    ofAccount,
    [
      {
        postId,
        tiktokVideoId,
        views,
        likes,
        comments,
        shares,
        engagementRate: views > 0 ? ((likes + comments + shares) / views) * 100 : 0,
      },
    ],
    capturedAt,
  );

describe('GET /v1/posts/:id/analytics', () => {
  test('a fresh snapshot is answered at once, with the engagement rate', async () => {
    const postId = await publishedPost();
    await snapshot(postId, '7234567890123456789', [1000, 50, 7, 3], minutesAgo(0));
    const reply = await api.call('GET', `/v1/posts/${postId}/analytics`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      postId,
      accountId,
      freshness: 'fresh',
      tiktokVideoId: '7234567890123456789',
      metrics: { views: 1000, likes: 50, comments: 7, shares: 3, engagementRate: 6 },
    });
    expect(await api.queues.analytics.count()).toBe(0);
  });

  test('a stale snapshot asks the analytics worker and answers its fresh numbers', async () => {
    const postId = await publishedPost('7234567890123456790');
    await snapshot(postId, '7234567890123456790', [10, 1, 0, 0], minutesAgo(30));
    // A processor that does what the analytics worker does: store a snapshot.
    const connection = redisConnection(api.config.REDIS_URL, 'worker');
    const seen: Job[] = [];
    const worker = new Worker(
      'analytics',
      async (job: Job) => {
        seen.push(job);
        await snapshot(job.data.postId, '7234567890123456790', [300, 20, 5, 2], new Date());
      },
      { connection, prefix: api.prefix },
    );
    try {
      const reply = await api.call('GET', `/v1/posts/${postId}/analytics`);
      expect(reply.body).toMatchObject({
        freshness: 'fresh',
        metrics: { views: 300, likes: 20, comments: 5, shares: 2, engagementRate: 9 },
      });
      expect(seen.map((j) => j.data)).toEqual([{ accountId, postId }]);
    } finally {
      await worker.close();
      await connection.quit();
    }
  });

  test('when no worker answers in time, the latest numbers come back marked stale', async () => {
    const postId = await publishedPost('7234567890123456791');
    await snapshot(postId, '7234567890123456791', [0, 0, 0, 0], minutesAgo(90));
    const reply = await api.call('GET', `/v1/posts/${postId}/analytics`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      freshness: 'stale',
      metrics: { views: 0, engagementRate: null },
      note: expect.stringContaining('in time'),
    });
  });

  test('unpublished posts and posts without a public id say why they have no numbers', async () => {
    const created = await api.call('POST', '/v1/posts', {
      json: { accountId, video: { path: 'a.mp4' }, privacyLevel: 'SELF_ONLY' },
    });
    const queued = await api.call('GET', `/v1/posts/${created.body.id}/analytics`);
    expect(queued.status).toBe(409);
    expect(queued.body.error.code).toBe('post_not_published');

    const privatePost = await publishedPost(null);
    const reply = await api.call('GET', `/v1/posts/${privatePost}/analytics`);
    expect(reply.body).toMatchObject({ freshness: 'none', metrics: null });
    expect(reply.body.note).toContain('private posts');
  });
});

describe('GET /v1/accounts/:id/analytics', () => {
  test("sums the newest snapshot of each of the account's videos", async () => {
    const other = await connectedAccountId(api);
    const fresh = await connectedAccountId(api);
    await snapshot(null, '111', [100, 10, 0, 0], minutesAgo(5), fresh);
    await snapshot(null, '111', [200, 20, 0, 0], minutesAgo(0.2), fresh);
    await snapshot(null, '222', [100, 0, 5, 5], minutesAgo(0.4), fresh);
    const reply = await api.call('GET', `/v1/accounts/${fresh}/analytics`);
    await cacheProfile(2, minutesAgo(0.2), fresh);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      accountId: fresh,
      freshness: 'fresh',
      totals: { views: 300, likes: 20, comments: 5, shares: 5, engagementRate: 10 },
    });
    expect(reply.body.videos.map((v: { tiktokVideoId: string }) => v.tiktokVideoId)).toEqual([
      '111',
      '222',
    ]);
    const foreign = await api.call('GET', `/v1/accounts/${other}/analytics`, { key: api.keys.b });
    expect(foreign.status).toBe(404);
  });

  test('an old profile is refreshed by the same freshness rule, even beside fresh video numbers', async () => {
    const fresh = await connectedAccountId(api);
    // A post's analytics wrote a fresh snapshot; the profile was read half an hour ago.
    await snapshot(null, '333', [10, 1, 0, 0], minutesAgo(0.1), fresh);
    await cacheProfile(0, minutesAgo(30), fresh);
    const connection = redisConnection(api.config.REDIS_URL, 'worker');
    const worker = new Worker(
      'analytics',
      async () => {
        await cacheProfile(5, new Date(), fresh);
      },
      { connection, prefix: api.prefix },
    );
    try {
      const reply = await api.call('GET', `/v1/accounts/${fresh}/analytics`);
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ freshness: 'fresh', profile: { videoCount: 5 } });
    } finally {
      await worker.close();
      await connection.quit();
    }
  });
});

describe('history, for charts', () => {
  test("a post's snapshots come back oldest first with their numbers", async () => {
    const postId = await publishedPost('7234567890123456792');
    await snapshot(postId, '7234567890123456792', [10, 1, 0, 0], minutesAgo(30));
    await snapshot(postId, '7234567890123456792', [100, 5, 5, 0], minutesAgo(20));
    await snapshot(postId, '7234567890123456792', [400, 30, 6, 4], minutesAgo(0));
    const reply = await api.call('GET', `/v1/posts/${postId}/analytics`);
    expect(reply.body.history.map((p: { views: number }) => p.views)).toEqual([10, 100, 400]);
    expect(reply.body.history[2]).toMatchObject({ likes: 30, engagementRate: 10 });
    const times = reply.body.history.map((p: { capturedAt: string }) => Date.parse(p.capturedAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  test("an account's totals over time count each video's latest numbers at each point", async () => {
    const fresh = await connectedAccountId(api);
    const refresh = minutesAgo(20);
    // An account refresh: both videos at one time.
    await snapshot(null, '333', [100, 10, 0, 0], refresh, fresh);
    await snapshot(null, '444', [50, 0, 0, 0], refresh, fresh);
    // A refresh of one post: only its video.
    await snapshot(null, '333', [300, 20, 0, 0], minutesAgo(10), fresh);
    await snapshot(null, '444', [70, 0, 0, 0], minutesAgo(0), fresh);
    const reply = await api.call('GET', `/v1/accounts/${fresh}/analytics`);
    expect(reply.body.history.map((p: { views: number }) => p.views)).toEqual([150, 350, 370]);
    expect(reply.body.history[0].capturedAt).toBe(refresh.toISOString());
    expect(reply.body.totals.views).toBe(370);
  });
});
