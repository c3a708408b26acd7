import { PostWindow } from '@tiktok-fleet/queue';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RATE_LIMIT_JITTER_MS, RATE_LIMIT_RETRY_MS } from '../src/publish/error-outcome';
import { useFleet } from './support/fleet';

const fleet = useFleet();
const { env } = fleet;
let window: PostWindow;

beforeAll(() => {
  window = new PostWindow(env.redis, { prefix: env.prefix });
});
afterAll(async () => {
  await fleet.configure({ rateLimits: false });
});

type WaitDetail = { code?: string; retryAt?: string; message?: string } | null;
const waitsOf = (post: { events: { detail: unknown }[] }, code: string) =>
  post.events.map((e) => e.detail as WaitDetail).filter((d) => d?.code === code);

/** When BullMQ will run the delayed job again (it scores delayed jobs by due ms × 4096). */
async function dueAt(queue: 'publish' | 'status', jobId: string): Promise<number> {
  const score = await env.redis.zscore(`${env.prefix}:${queue}:delayed`, jobId);
  return Math.floor(Number(score) / 4096);
}

describe('every wait is a history entry with when it ends, and a waiting post holds no daily slot', () => {
  test("a post waiting for the fleet's creator_info budget holds no slot in the 24 h window", async () => {
    // One creator_info call a minute: the second post of the account must wait for it.
    const workers = await env.start({
      dailyPostCap: 5,
      rateLimits: {
        init: { limit: 100, windowMs: 60_000 },
        creatorInfo: { limit: 1, windowMs: 60_000 },
        status: { limit: 100, windowMs: 60_000 },
        display: { limit: 100, windowMs: 60_000 },
      },
    });
    try {
      const { account } = await fleet.connectAccount();
      const path = await fleet.addMedia('valid-vertical.mp4', 'waits/first.mp4');
      const first = await fleet.createPost({ accountId: account.id, video: { path } });
      await fleet.waitForPost(first.id, (p) => p.status === 'published');
      const second = await fleet.createPost({ accountId: account.id, video: { path } });
      const waiting = await fleet.waitForPost(
        second.id,
        (p) => waitsOf(p, 'fleet_rate_limit').length > 0,
      );
      const [wait] = waitsOf(waiting, 'fleet_rate_limit');
      expect(Date.parse(wait?.retryAt ?? '')).toBeGreaterThan(Date.now());
      expect(wait?.message).toMatch(/^Waiting: .*creatorInfo.* tries again by /);
      // Only the published post counts: the waiting one has not been sent to TikTok.
      expect(await window.reservations(account.id)).toEqual([first.id]);
      expect(waiting.publishId).toBeNull();
    } finally {
      await workers.close();
    }
  });

  test('after an init 429 the post says it waits and until when, and gives its slot back', async () => {
    const workers = await env.start({ dailyPostCap: 5 });
    try {
      const { account } = await fleet.connectAccount();
      const path = await fleet.addMedia('valid-vertical.mp4', 'waits/init-429.mp4');
      await fleet.fault({ rateLimit: { endpoint: '/v2/post/publish/video/init/', count: 1 } });
      const before = Date.now();
      const created = await fleet.createPost({ accountId: account.id, video: { path } });
      const waiting = await fleet.waitForPost(
        created.id,
        (p) => waitsOf(p, 'tiktok_rate_limit').length > 0,
      );
      const [wait] = waitsOf(waiting, 'tiktok_rate_limit');
      const retryAt = Date.parse(wait?.retryAt ?? '');
      expect(retryAt).toBeGreaterThanOrEqual(before + RATE_LIMIT_RETRY_MS);
      expect(wait?.message).toMatch(/^Waiting: TikTok answered that a rate limit is spent/);
      expect(await window.reservations(account.id)).toEqual([]);
      const job = await env.queues.publish.getJob(created.id);
      expect(job?.attemptsMade).toBe(0);
    } finally {
      await workers.close();
    }
  });

  test('APP_DAILY_ACTIVE_ACCOUNTS: an account that posted today goes on, a new one waits, queued, saying why and until when', async () => {
    const workers = await env.start({ appDailyActiveAccounts: 1 });
    try {
      const [{ account: first }, { account: second }] = await Promise.all([
        fleet.connectAccount(),
        fleet.connectAccount(),
      ]);
      const path = await fleet.addMedia('valid-vertical.mp4', 'waits/app-cap.mp4');
      const a1 = await fleet.createPost({ accountId: first.id, video: { path } });
      await fleet.waitForPost(a1.id, (p) => p.status === 'published');
      const b1 = await fleet.createPost({ accountId: second.id, video: { path } });
      const a2 = await fleet.createPost({ accountId: first.id, video: { path } });
      expect((await fleet.waitForPost(a2.id, (p) => p.status === 'published')).status).toBe(
        'published',
      );
      const waiting = await fleet.waitForPost(
        b1.id,
        (p) => waitsOf(p, 'app_active_accounts').length > 0,
      );
      expect(waiting.status).toBe('queued');
      expect(waiting.publishId).toBeNull();
      const [wait] = waitsOf(waiting, 'app_active_accounts');
      expect(wait?.message).toMatch(/APP_DAILY_ACTIVE_ACCOUNTS 1/);
      expect(Date.parse(wait?.retryAt ?? '')).toBeGreaterThan(Date.now() + 23 * 3600_000);
      // It holds no slot of its own account's day while it waits.
      expect(await window.reservations(second.id)).toEqual([]);
    } finally {
      await workers.close();
    }
  });

  test('a 429 on status/fetch waits as the publish job does (RATE_LIMIT_RETRY_MS with jitter), in the history', async () => {
    const workers = await env.start();
    try {
      const { account } = await fleet.connectAccount();
      const path = await fleet.addMedia('valid-vertical.mp4', 'waits/status-429.mp4');
      await fleet.fault({ rateLimit: { endpoint: '/v2/post/publish/status/fetch/', count: 1 } });
      const before = Date.now();
      const created = await fleet.createPost({ accountId: account.id, video: { path } });
      const waiting = await fleet.waitForPost(
        created.id,
        (p) => waitsOf(p, 'tiktok_rate_limit').length > 0,
      );
      expect(waiting.status).toBe('processing');
      const [wait] = waitsOf(waiting, 'tiktok_rate_limit');
      expect(wait?.message).toMatch(/^Waiting: .*asked about the post again by /);
      const due = await dueAt('status', `status-${created.id}`);
      expect(due).toBeGreaterThanOrEqual(before + RATE_LIMIT_RETRY_MS);
      expect(due).toBeLessThanOrEqual(Date.now() + RATE_LIMIT_RETRY_MS + RATE_LIMIT_JITTER_MS);
      expect(Math.abs(Date.parse(wait?.retryAt ?? '') - due)).toBeLessThan(1_000);
    } finally {
      await workers.close();
    }
  });
});
