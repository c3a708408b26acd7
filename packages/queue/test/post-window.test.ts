import { createTestRedisPrefix } from '@tiktok-fleet/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { POST_WINDOW_MS, PostWindow } from '../src/post-window';
import { SlidingWindowRateLimiter } from '../src/rate-limiter';
import { connect } from './helpers';

const prefix = createTestRedisPrefix('post-window');
const redis = connect();
afterAll(() => redis.quit());

const window = new PostWindow(redis, { prefix });
const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);

describe('PostWindow (rolling 24 h post counter)', () => {
  test('cap 10 under 12 concurrent reservations: exactly 10 succeed, the rest wait for the oldest', async () => {
    const clients = Array.from({ length: 4 }, () => connect());
    try {
      // Distinct times, so "the oldest" is one entry; all within one window.
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          new PostWindow(clients[i % clients.length] as typeof redis, { prefix }).reserve({
            accountId: 'acc_cap',
            reservationId: `post_${i}`,
            cap: 10,
            nowMs: T0 + i * 1000,
          }),
        ),
      );
      const granted = results.filter((r) => r.ok);
      const refused = results.filter((r) => !r.ok);
      expect(granted).toHaveLength(10);
      expect(refused).toHaveLength(2);

      const { count, oldestAt } = await window.peek('acc_cap', { nowMs: T0 + 20_000 });
      expect(count).toBe(10);
      if (!oldestAt) throw new Error('the window should hold entries');
      for (const r of refused) {
        expect(r).toEqual({
          ok: false,
          count: 10,
          retryAt: new Date(oldestAt.getTime() + POST_WINDOW_MS),
        });
      }
    } finally {
      await Promise.all(clients.map((c) => c.quit()));
    }
  });

  test('a slot frees exactly when the oldest entry leaves the 24 h window', async () => {
    for (let i = 0; i < 3; i++) {
      await window.reserve({
        accountId: 'acc_roll',
        reservationId: `p${i}`,
        cap: 3,
        nowMs: T0 + i,
      });
    }
    const full = await window.reserve({
      accountId: 'acc_roll',
      reservationId: 'p3',
      cap: 3,
      nowMs: T0 + 10,
    });
    expect(full).toEqual({ ok: false, count: 3, retryAt: new Date(T0 + POST_WINDOW_MS) });

    const early = await window.reserve({
      accountId: 'acc_roll',
      reservationId: 'p3',
      cap: 3,
      nowMs: T0 + POST_WINDOW_MS - 1,
    });
    expect(early.ok).toBe(false);
    const onTime = await window.reserve({
      accountId: 'acc_roll',
      reservationId: 'p3',
      cap: 3,
      nowMs: T0 + POST_WINDOW_MS,
    });
    expect(onTime).toMatchObject({ ok: true, count: 3, alreadyReserved: false });
  });

  test('the same reservation id never takes two slots (a retried job)', async () => {
    const first = await window.reserve({
      accountId: 'acc_idem',
      reservationId: 'post_x',
      cap: 2,
      nowMs: T0,
    });
    const again = await window.reserve({
      accountId: 'acc_idem',
      reservationId: 'post_x',
      cap: 2,
      nowMs: T0 + 5,
    });
    expect(first).toEqual({ ok: true, count: 1, reservedAt: new Date(T0), alreadyReserved: false });
    expect(again).toEqual({ ok: true, count: 1, reservedAt: new Date(T0), alreadyReserved: true });
    expect(await window.count('acc_idem', { nowMs: T0 + 5 })).toBe(1);

    // It keeps its slot even once the window is full.
    await window.reserve({ accountId: 'acc_idem', reservationId: 'post_y', cap: 2, nowMs: T0 + 6 });
    const full = await window.reserve({
      accountId: 'acc_idem',
      reservationId: 'post_z',
      cap: 2,
      nowMs: T0 + 7,
    });
    expect(full.ok).toBe(false);
    const retried = await window.reserve({
      accountId: 'acc_idem',
      reservationId: 'post_x',
      cap: 2,
      nowMs: T0 + 8,
    });
    expect(retried).toMatchObject({ ok: true, count: 2, alreadyReserved: true });
  });

  test('release gives the slot back to the next post', async () => {
    await window.reserve({ accountId: 'acc_rel', reservationId: 'a', cap: 1, nowMs: T0 });
    expect(
      (await window.reserve({ accountId: 'acc_rel', reservationId: 'b', cap: 1, nowMs: T0 + 1 }))
        .ok,
    ).toBe(false);
    expect(await window.release('acc_rel', 'a')).toBe(true);
    expect(await window.release('acc_rel', 'a')).toBe(false);
    expect(
      (await window.reserve({ accountId: 'acc_rel', reservationId: 'b', cap: 1, nowMs: T0 + 2 }))
        .ok,
    ).toBe(true);
  });

  test("without nowMs it uses the Redis server's clock", async () => {
    const serverMs = async () => {
      const [sec, usec] = await redis.time();
      return Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
    };
    const before = await serverMs();
    const r = await window.reserve({ accountId: 'acc_clock', reservationId: 'a', cap: 5 });
    const after = await serverMs();
    if (!r.ok) throw new Error('an empty window has room');
    expect(r.reservedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(r.reservedAt.getTime()).toBeLessThanOrEqual(after);
    expect(await window.peek('acc_clock')).toEqual({ count: 1, oldestAt: r.reservedAt });
    expect(await window.count('acc_empty')).toBe(0);
  });

  test('refuses a cap below 1', async () => {
    await expect(window.reserve({ accountId: 'a', reservationId: 'b', cap: 0 })).rejects.toThrow(
      RangeError,
    );
  });

  test('the slot and the init call are taken together or not at all', async () => {
    const initLimit = { limit: 2, windowMs: 60_000 };
    const limiter = new SlidingWindowRateLimiter(redis, { prefix });
    const admit = (reservationId: string, nowMs: number) =>
      window.reserveWithInitCall({
        accountId: 'acc_init',
        reservationId,
        cap: 3,
        nowMs,
        initLimit,
      });

    expect(await admit('p1', T0)).toMatchObject({ ok: true, count: 1, alreadyReserved: false });
    // The same post again (a retried job) keeps its slot but spends a second init call.
    expect(await admit('p1', T0 + 1)).toMatchObject({ ok: true, count: 1, alreadyReserved: true });
    // The minute's two init calls are spent: the next post takes no slot and waits.
    expect(await admit('p2', T0 + 2)).toEqual({
      ok: false,
      rateLimited: true,
      retryAfterMs: 59_998,
    });
    expect(await window.count('acc_init', { nowMs: T0 + 2 })).toBe(1);
    // The limiter is the one every other init of the account counts against.
    expect(
      await limiter.acquire('tiktok:init:acc_init', 2, 60_000, { nowMs: T0 + 3 }),
    ).toMatchObject({ ok: false });

    // A minute on: calls are free again; the window fills to its cap, then a full window
    // spends no call.
    expect(await admit('p2', T0 + 60_001)).toMatchObject({ ok: true, count: 2 });
    expect(await admit('p3', T0 + 60_002)).toMatchObject({ ok: true, count: 3 });
    const late = T0 + 2 * 60_000 + 10;
    expect(await admit('p4', late)).toEqual({
      ok: false,
      count: 3,
      retryAt: new Date(T0 + POST_WINDOW_MS),
    });
    expect(await limiter.acquire('tiktok:init:acc_init', 2, 60_000, { nowMs: late })).toEqual({
      ok: true,
      remaining: 1,
    });
  });
});
