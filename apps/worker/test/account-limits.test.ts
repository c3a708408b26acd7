import { PostWindow } from '@tiktok-fleet/queue';
import { waitUntil } from '@tiktok-fleet/testing';
import { describe, expect, test } from 'vitest';
import { isFinal, largeVideo, useFleet } from './support/fleet';

const fleet = useFleet();
const { env } = fleet;

describe('one upload per account at a time', () => {
  test('20 posts for one account all publish, and TikTok never sees two uploads of it at once', async () => {
    const workers = await env.start({ dailyPostCap: 100, concurrency: 8 });
    // TikTok's own cap ("around 15 a day") would stop the sixteenth; this test is about locks.
    await fleet.configure({ dailyPostCap: 100 });
    try {
      const { account, openId } = await fleet.connectAccount();
      // Two chunks each, so an upload is in flight across several requests.
      const path = await fleet.addMedia(await largeVideo(), 'limits/large.mp4');
      const created = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          fleet.createPost({ accountId: account.id, video: { path }, caption: `post ${i + 1}` }),
        ),
      );
      const posts = await Promise.all(created.map((p) => fleet.waitForPost(p.id, isFinal, 90_000)));
      expect(posts.map((p) => p.status)).toEqual(Array(20).fill('published'));
      expect(new Set(posts.map((p) => p.tiktokPostId)).size).toBe(20);

      const stats = await fleet.stats();
      expect(stats.maxConcurrentUploadsByCreator[openId]).toBe(1);
      expect(stats.violations).toEqual([]);
      const publishes = (await fleet.publishes()).filter((p) => p.openId === openId);
      expect(publishes).toHaveLength(20);
      const window = new PostWindow(env.redis, { prefix: env.prefix });
      expect(await window.count(account.id)).toBe(20);
    } finally {
      await workers.close();
    }
  }, 120_000);

  test('a post whose upload failed half-way keeps the account: the next post waits for it, even when its lease ran out, and starts once it finished', async () => {
    // A short lease, so the failed post's lease runs out during its retry backoff and only
    // the open upload at TikTok can keep the next post back.
    const workers = await env.start({ uploadLockTtlMs: 900 });
    try {
      const { account, openId } = await fleet.connectAccount();
      const path = await fleet.addMedia(await largeVideo(), 'limits/half.mp4');
      // creator_info, init, chunk 1 go through; chunk 2 fails every time the client sends it.
      await fleet.fault({ latencyMs: 0 });
      await fleet.fault({ latencyMs: 0 });
      await fleet.fault({ latencyMs: 0 });
      await fleet.fault({ chunk: { status: 503, count: 5 } });
      const first = await fleet.createPost({ accountId: account.id, video: { path } });
      // The attempt gave up on the chunk: the job waits for BullMQ's retry (30 s backoff).
      await waitUntil(
        async () => {
          const job = await env.queues.publish.getJob(first.id);
          return job?.attemptsMade === 1 && (await job.getState()) === 'delayed';
        },
        {
          what: 'the first attempt to fail and wait for its retry',
          timeoutMs: 20_000,
          intervalMs: 50,
        },
      );
      const stalled = await fleet.post(first.id);
      expect(stalled.status).toBe('uploading');
      const waitingFirstPublishId = stalled.publishId;
      const second = await fleet.createPost({ accountId: account.id, video: { path } });
      // First the lease is still the first post's; once it ran out, the open upload at
      // TikTok is what holds the second back. Each wait is in its history.
      const waiting = await fleet.waitForPost(second.id, (p) =>
        p.events.some((e) =>
          JSON.stringify(e.detail).includes(`${first.id} has an upload open at TikTok`),
        ),
      );
      expect(waiting.status).toBe('queued');
      expect(waiting.publishId).toBeNull();
      // The first post's retry comes (promoted here instead of waiting out BullMQ's 30 s
      // backoff): it resumes its own upload and finishes, and only then does the second start.
      await (await env.queues.publish.getJob(first.id))?.promote();
      const firstDone = await fleet.waitForPost(first.id, isFinal, 30_000);
      expect(firstDone.status).toBe('published');
      expect(firstDone.publishId).toBe(waitingFirstPublishId);
      const done = await fleet.waitForPost(second.id, isFinal, 30_000);
      expect(done.status).toBe('published');
      expect((await fleet.stats()).maxConcurrentUploadsByCreator[openId]).toBe(1);
    } finally {
      await workers.close({ graceMs: 2_000 });
    }
  }, 60_000);
});

describe('the rolling 24 h window', () => {
  test('with a cap of 10, ten of 12 posts publish and two wait for a slot, or fail when asked', async () => {
    const workers = await env.start({ dailyPostCap: 10 });
    try {
      const waiting = (await fleet.connectAccount()).account;
      const failing = (await fleet.connectAccount()).account;
      const path = await fleet.addMedia('valid-vertical.mp4', 'limits/small.mp4');
      const create = (accountId: string, onDailyCap: 'wait' | 'fail') =>
        Promise.all(
          Array.from({ length: 12 }, () =>
            fleet.createPost({ accountId, video: { path }, onDailyCap }),
          ),
        );
      const [waitPosts, failPosts] = await Promise.all([
        create(waiting.id, 'wait'),
        create(failing.id, 'fail'),
      ]);

      const held = (post: Awaited<ReturnType<typeof fleet.post>>) =>
        post.status === 'queued' &&
        post.events.some((e) => JSON.stringify(e.detail).includes('Waiting for a daily slot'));
      const waited = await Promise.all(
        waitPosts.map((p) => fleet.waitForPost(p.id, (x) => isFinal(x) || held(x), 60_000)),
      );
      expect(waited.filter((p) => p.status === 'published')).toHaveLength(10);
      const held2 = waited.filter(held);
      expect(held2).toHaveLength(2);
      for (const post of held2) {
        const job = await env.queues.publish.getJob(post.id);
        expect(await job?.getState()).toBe('delayed');
        // Waiting is not failing: no attempt spent, and it comes back in about 24 h.
        expect(job?.attemptsMade).toBe(0);
        // BullMQ scores delayed jobs by when they are due (ms) × 4096.
        const score = await env.redis.zscore(`${env.prefix}:publish:delayed`, post.id);
        expect(Math.floor(Number(score) / 4096)).toBeGreaterThan(Date.now() + 23 * 3600_000);
        expect(post.publishId).toBeNull();
      }

      const failed = await Promise.all(
        failPosts.map((p) => fleet.waitForPost(p.id, isFinal, 60_000)),
      );
      expect(failed.filter((p) => p.status === 'published')).toHaveLength(10);
      const refused = failed.filter((p) => p.status === 'failed');
      expect(refused.map((p) => p.errorCode)).toEqual(['daily_cap_reached', 'daily_cap_reached']);
      expect(refused[0]?.errorMessage).toMatch(
        /has 10 posts in the last 24 hours \(\d+ published, \d+ in flight at TikTok\)/,
      );

      const window = new PostWindow(env.redis, { prefix: env.prefix });
      expect(await window.count(waiting.id)).toBe(10);
      expect(await window.count(failing.id)).toBe(10);
    } finally {
      await workers.close();
    }
  }, 90_000);
});

describe("TikTok's own limits", () => {
  test("TikTok's daily cap (spam_risk_too_many_posts) holds the post an hour, or fails it when asked", async () => {
    const workers = await env.start({ dailyPostCap: 100 });
    await fleet.configure({ dailyPostCap: 1 });
    try {
      const { account } = await fleet.connectAccount();
      const path = await fleet.addMedia('valid-vertical.mp4', 'limits/tiktok-cap.mp4');
      const first = await fleet.createPost({ accountId: account.id, video: { path } });
      expect((await fleet.waitForPost(first.id, isFinal)).status).toBe('published');

      const fails = await fleet.createPost({
        accountId: account.id,
        video: { path },
        onDailyCap: 'fail',
      });
      const failed = await fleet.waitForPost(fails.id, isFinal);
      expect(failed.errorCode).toBe('spam_risk_too_many_posts');
      expect(failed.errorMessage).toMatch(/daily limit of posts/);

      const waits = await fleet.createPost({ accountId: account.id, video: { path } });
      const held = await fleet.waitForPost(waits.id, (p) =>
        p.events.some((e) => JSON.stringify(e.detail).includes('spam_risk_too_many_posts')),
      );
      expect(held.status).not.toBe('failed');
      // The wait is a history entry with its code and when it ends.
      const wait = held.events
        .map((e) => e.detail as { code?: string; tiktokCode?: string; retryAt?: string } | null)
        .find((d) => d?.tiktokCode === 'spam_risk_too_many_posts');
      expect(wait).toMatchObject({ code: 'tiktok_daily_cap' });
      expect(Date.parse(wait?.retryAt ?? '')).toBeGreaterThan(Date.now() + 50 * 60_000);
      // The post's history is written before the job is moved to delayed: wait for the move.
      const job = await waitUntil(
        async () => {
          const found = await env.queues.publish.getJob(waits.id);
          return (await found?.getState()) === 'delayed' && found;
        },
        { what: `the publish job of ${waits.id} delayed` },
      );
      expect(job.attemptsMade).toBe(0);
      // Neither post reached TikTok, so neither keeps a slot of the fleet's own window.
      const window = new PostWindow(env.redis, { prefix: env.prefix });
      expect(await window.count(account.id)).toBe(1);
    } finally {
      await fleet.configure({ dailyPostCap: 100 });
      await workers.close();
    }
  });

  test("TikTok's per-minute init limit is kept per account: jobs wait their turn without spending attempts", async () => {
    // Our own counter allows one init per 1.5 s here; TikTok's (6 a minute) is on as well.
    const workers = await env.start({
      rateLimits: {
        init: { limit: 1, windowMs: 1_500 },
        creatorInfo: { limit: 20, windowMs: 60_000 },
        status: { limit: 30, windowMs: 60_000 },
        display: { limit: 600, windowMs: 60_000 },
      },
    });
    await fleet.configure({ rateLimits: true });
    try {
      const { account } = await fleet.connectAccount();
      const path = await fleet.addMedia('valid-vertical.mp4', 'limits/rate.mp4');
      const created = await Promise.all(
        Array.from({ length: 3 }, () =>
          fleet.createPost({ accountId: account.id, video: { path } }),
        ),
      );
      const posts = await Promise.all(created.map((p) => fleet.waitForPost(p.id, isFinal)));
      expect(posts.map((p) => p.status)).toEqual(['published', 'published', 'published']);
      const jobs = await Promise.all(created.map((p) => env.queues.publish.getJob(p.id)));
      // Completing is the one attempt each made; waiting for the window spent none.
      expect(jobs.map((j) => j?.attemptsMade)).toEqual([1, 1, 1]);
      // At least one of them was put back to wait for the window, and its history says so,
      // with when it tries again.
      expect(jobs.some((j) => (j?.attemptsStarted ?? 0) > 1)).toBe(true);
      const waits = posts.flatMap((p) =>
        p.events
          .map((e) => e.detail as { code?: string; retryAt?: string; message?: string } | null)
          .filter((d) => d?.code === 'fleet_rate_limit' || d?.code === 'account_busy'),
      );
      expect(waits.length).toBeGreaterThan(0);
      for (const wait of waits) {
        expect(Number.isNaN(Date.parse(wait?.retryAt ?? ''))).toBe(false);
        expect(wait?.message).toMatch(/^Waiting: .* tries again by /);
      }
      const violations = (await fleet.stats()).violations;
      expect(violations.filter((v) => v.rule.includes('rate'))).toEqual([]);
    } finally {
      await fleet.configure({ rateLimits: false });
      await workers.close();
    }
  });
});
