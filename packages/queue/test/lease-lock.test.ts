import { createTestRedisPrefix } from '@tiktok-fleet/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { LeaseLock } from '../src/lease-lock';
import { connect } from './helpers';

const prefix = createTestRedisPrefix('lease');
const redis = connect();
afterAll(() => redis.quit());

const uploads = new LeaseLock(redis, 'upload', { prefix });

describe('LeaseLock', () => {
  test('of many concurrent acquirers exactly one wins, the others see who holds it', async () => {
    const clients = Array.from({ length: 8 }, () => connect());
    try {
      // Separate connections, so the attempts really race at the server.
      const attempts = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          new LeaseLock(clients[i % clients.length] as typeof redis, 'upload', { prefix }).acquire(
            'acc_race',
            `job-${i}`,
            30_000,
          ),
        ),
      );
      const winners = attempts.filter((a) => a.acquired);
      expect(winners).toHaveLength(1);
      const winner = winners[0];
      if (!winner?.acquired) throw new Error('unreachable');
      for (const a of attempts) {
        if (!a.acquired) expect(a.holder).toBe(winner.lease.token);
      }
      expect(await uploads.holder('acc_race')).toEqual({
        token: winner.lease.token,
        fence: winner.lease.fence,
      });
    } finally {
      await Promise.all(clients.map((c) => c.quit()));
    }
  });

  test('only the holder can renew or release; release lets the next one in', async () => {
    const a = await uploads.acquire('acc_1', 'job-a', 30_000);
    if (!a.acquired) throw new Error('job-a should get the free lock');
    const b = await uploads.acquire('acc_1', 'job-b', 30_000);
    expect(b).toMatchObject({ acquired: false, holder: 'job-a' });

    const forged = { ...a.lease, token: 'job-b' };
    expect(await uploads.renew(forged, 30_000)).toBe(false);
    expect(await uploads.release(forged)).toBe(false);
    expect((await uploads.holder('acc_1'))?.token).toBe('job-a');

    expect(await uploads.renew(a.lease, 30_000)).toBe(true);
    expect(await uploads.release(a.lease)).toBe(true);
    expect(await uploads.release(a.lease)).toBe(false);

    const next = await uploads.acquire('acc_1', 'job-b', 30_000);
    expect(next.acquired).toBe(true);
    if (next.acquired) expect(next.lease.fence).toBeGreaterThan(a.lease.fence);
  });

  test('an expired lease can be taken by another, and the old holder can no longer renew it', async () => {
    const old = await uploads.acquire('acc_2', 'job-old', 30_000);
    if (!old.acquired) throw new Error('job-old should get the free lock');
    // Expire it the way time would, without waiting for time.
    await redis.pexpire(`${prefix}:lease:upload:acc_2`, 1);
    await expect.poll(() => redis.exists(`${prefix}:lease:upload:acc_2`)).toBe(0);

    const fresh = await uploads.acquire('acc_2', 'job-new', 30_000);
    if (!fresh.acquired) throw new Error('job-new should get the expired lock');
    expect(fresh.lease.fence).toBeGreaterThan(old.lease.fence);
    expect(await uploads.renew(old.lease, 30_000)).toBe(false);
    expect(await uploads.release(old.lease)).toBe(false);
    expect((await uploads.holder('acc_2'))?.token).toBe('job-new');
  });

  test('the same token takes its lease back with a new fence, fencing out its earlier attempt', async () => {
    const first = await uploads.acquire('acc_3', 'job-7', 30_000);
    const again = await uploads.acquire('acc_3', 'job-7', 30_000);
    if (!first.acquired || !again.acquired) throw new Error('the same token should get it');
    expect(again.lease.fence).toBeGreaterThan(first.lease.fence);
    expect(await uploads.renew(first.lease, 30_000)).toBe(false);
    expect(await uploads.renew(again.lease, 30_000)).toBe(true);
  });

  test('namespaces are separate: a refresh lock does not block an upload', async () => {
    const refresh = new LeaseLock(redis, 'token-refresh', { prefix });
    expect((await uploads.acquire('acc_4', 'job-u', 30_000)).acquired).toBe(true);
    expect((await refresh.acquire('acc_4', 'job-r', 30_000)).acquired).toBe(true);
    expect((await refresh.acquire('acc_4', 'job-s', 30_000)).acquired).toBe(false);
  });
});
