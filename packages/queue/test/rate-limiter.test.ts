import { createTestRedisPrefix } from '@tiktok-fleet/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { SlidingWindowRateLimiter, TIKTOK_RATE_LIMITS } from '../src/rate-limiter';
import { connect } from './helpers';

const prefix = createTestRedisPrefix('rate');
const redis = connect();
afterAll(() => redis.quit());

const limiter = new SlidingWindowRateLimiter(redis, { prefix });
const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);

describe('SlidingWindowRateLimiter', () => {
  test("TikTok's init limit: 6 calls a minute, the 7th waits until the first leaves the window", async () => {
    const { limit, windowMs } = TIKTOK_RATE_LIMITS.init;
    const decisions = [];
    for (let i = 0; i < 7; i++) {
      decisions.push(
        await limiter.acquire('tiktok:init:acc_1', limit, windowMs, { nowMs: T0 + i * 1000 }),
      );
    }
    expect(decisions.slice(0, 6).map((d) => d.ok)).toEqual([true, true, true, true, true, true]);
    expect(decisions[5]).toEqual({ ok: true, remaining: 0 });
    // The first call (T0) leaves at T0 + 60 s; the 7th came at T0 + 6 s.
    expect(decisions[6]).toEqual({ ok: false, retryAfterMs: 54_000 });

    expect(
      (await limiter.acquire('tiktok:init:acc_1', limit, windowMs, { nowMs: T0 + 59_999 })).ok,
    ).toBe(false);
    expect(
      await limiter.acquire('tiktok:init:acc_1', limit, windowMs, { nowMs: T0 + 60_000 }),
    ).toEqual({
      ok: true,
      remaining: 0,
    });
  });

  test('concurrent callers never exceed the limit', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => limiter.acquireTikTok('acc_many', 'status')),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(TIKTOK_RATE_LIMITS.status.limit);
    for (const r of results) {
      if (!r.ok) expect(r.retryAfterMs).toBeGreaterThan(0);
    }
  });

  test('keys are separate: one account (or endpoint) does not use up another', async () => {
    for (let i = 0; i < 6; i++) await limiter.acquireTikTok('acc_a', 'init');
    expect((await limiter.acquireTikTok('acc_a', 'init')).ok).toBe(false);
    expect((await limiter.acquireTikTok('acc_b', 'init')).ok).toBe(true);
    expect((await limiter.acquireTikTok('acc_a', 'creatorInfo')).ok).toBe(true);
  });

  test('TikTok numbers', () => {
    expect(TIKTOK_RATE_LIMITS).toEqual({
      init: { limit: 6, windowMs: 60_000 },
      creatorInfo: { limit: 20, windowMs: 60_000 },
      status: { limit: 30, windowMs: 60_000 },
      display: { limit: 600, windowMs: 60_000 },
    });
  });
});
