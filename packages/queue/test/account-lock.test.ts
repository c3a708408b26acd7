import { createTestRedisPrefix, waitUntil } from '@tiktok-fleet/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { AccountUploadLock } from '../src/account-lock';
import { LeaseLostError } from '../src/errors/lease-lost-error';
import { LeaseLock } from '../src/lease-lock';
import { connect } from './helpers';

const prefix = createTestRedisPrefix('account-lock');
const redis = connect();
afterAll(() => redis.quit());

const leases = new LeaseLock(redis, 'upload', { prefix });

/** Redis's own clock, in ms: the one its TTLs run on. */
async function redisNowMs(): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

describe('AccountUploadLock', () => {
  test('keeps the lease past its TTL while the work runs, then releases it', async () => {
    const ttlMs = 400;
    const lock = new AccountUploadLock(redis, {
      prefix,
      accountId: 'acc_long',
      token: 'job-1',
      ttlMs,
      renewEveryMs: 100,
    });
    const result = await lock.run(async ({ fence, signal }) => {
      // The TTL is Redis's: it runs on Redis's clock, which no test can move forward, and a
      // fake clock in the client would only fool the client while Redis expired the key for
      // real. So the TTL is short, and the test waits on Redis's own clock until it is a
      // whole TTL past the moment the first lease would have expired: only renewals can have
      // kept the key alive by then. At every look the lease is still job-1's.
      const key = `${prefix}:lease:upload:acc_long`;
      const firstExpiry = Number(await redis.call('PEXPIRETIME', key));
      expect(firstExpiry).toBeGreaterThan(0);
      await waitUntil(
        async () => {
          expect((await leases.holder('acc_long'))?.token).toBe('job-1');
          return (await redisNowMs()) > firstExpiry + ttlMs;
        },
        { what: "Redis's clock to pass the first expiry by a TTL", intervalMs: 20 },
      );
      expect(signal.aborted).toBe(false);
      const other = await leases.acquire('acc_long', 'job-2', 600);
      expect(other).toMatchObject({ acquired: false, holder: 'job-1' });
      return fence;
    });
    expect(result.acquired).toBe(true);
    expect(await leases.holder('acc_long')).toBeNull();
  });

  test('a busy account runs nothing and says who holds it', async () => {
    const held = await leases.acquire('acc_busy', 'job-holder', 30_000);
    expect(held.acquired).toBe(true);
    let ran = false;
    const result = await new AccountUploadLock(redis, {
      prefix,
      accountId: 'acc_busy',
      token: 'job-other',
    }).run(async () => {
      ran = true;
    });
    expect(ran).toBe(false);
    expect(result).toMatchObject({ acquired: false, holder: 'job-holder' });
    expect(result.acquired === false && result.expiresInMs).toBeGreaterThan(0);
  });

  test('releases when the work fails, and rethrows the failure', async () => {
    const lock = new AccountUploadLock(redis, { prefix, accountId: 'acc_fail', token: 'job-f' });
    await expect(
      lock.run(async () => {
        throw new Error('ffprobe said no');
      }),
    ).rejects.toThrow('ffprobe said no');
    expect(await leases.holder('acc_fail')).toBeNull();
  });

  test('when another holder takes the lease, the signal aborts with lease_lost', async () => {
    const lock = new AccountUploadLock(redis, {
      prefix,
      accountId: 'acc_stolen',
      token: 'job-a',
      ttlMs: 30_000,
      renewEveryMs: 50,
    });
    const run = lock.run(async ({ signal }) => {
      // Another worker takes over (as after a stall): drop our lease and take it.
      await redis.del(`${prefix}:lease:upload:acc_stolen`);
      const thief = await leases.acquire('acc_stolen', 'job-b', 30_000);
      expect(thief.acquired).toBe(true);
      return untilAborted(signal);
    });
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseLostError);
    expect(error).toMatchObject({ code: 'lease_lost', reason: 'taken', resourceId: 'acc_stolen' });
    // The lease of the new holder survives our release.
    expect((await leases.holder('acc_stolen'))?.token).toBe('job-b');
  });

  test('when Redis stops answering, the work is stopped before the lease can lapse', async () => {
    const client = connect();
    const lock = new AccountUploadLock(client, {
      prefix,
      accountId: 'acc_offline',
      token: 'job-o',
      ttlMs: 600,
      renewEveryMs: 150,
    });
    const error = await lock
      .run(async ({ signal }) => {
        client.disconnect(); // no reconnect: every renewal now fails
        return untilAborted(signal);
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'lease_lost', reason: 'expired' });
  });

  test("aborting the caller's signal aborts the work", async () => {
    const parent = new AbortController();
    const lock = new AccountUploadLock(redis, {
      prefix,
      accountId: 'acc_cancel',
      token: 'job-c',
      signal: parent.signal,
    });
    const error = await lock
      .run(async ({ signal }) => {
        parent.abort(new Error('shutdown'));
        return untilAborted(signal);
      })
      .catch((e: unknown) => e);
    expect(error).toEqual(new Error('shutdown'));
    expect(await leases.holder('acc_cancel')).toBeNull();
  });

  test('confirm() tells a holder at once that the same job took its lease over, and stops its work', async () => {
    const options = { prefix, accountId: 'acc_confirm', token: 'post_same', ttlMs: 60_000 };
    // An attempt cut off for a while, and the next attempt of the same job (same token).
    const stale = new AccountUploadLock(redis, options);
    expect((await stale.acquire()).acquired).toBe(true);
    expect(await stale.confirm()).toBe(true);
    const fresh = new AccountUploadLock(redis, options);
    expect((await fresh.acquire()).acquired).toBe(true);
    expect(await stale.confirm()).toBe(false);
    expect(stale.signal?.reason).toBeInstanceOf(LeaseLostError);
    expect(await fresh.confirm()).toBe(true);
    expect(fresh.signal?.aborted).toBe(false);
    // The stale one gives back nothing that is not its own.
    expect(await stale.release()).toBe(false);
    expect((await leases.holder('acc_confirm'))?.token).toBe('post_same');
    expect(await fresh.release()).toBe(true);
  });

  test('leave() keeps the lease for the next attempt of the same job, and no one else', async () => {
    const options = { prefix, accountId: 'acc_leave', token: 'post_open', ttlMs: 60_000 };
    const first = new AccountUploadLock(redis, options);
    expect((await first.acquire()).acquired).toBe(true);
    first.leave();
    const other = new AccountUploadLock(redis, { ...options, token: 'post_other' });
    expect(await other.acquire()).toMatchObject({ acquired: false, holder: 'post_open' });
    const again = new AccountUploadLock(redis, options);
    expect((await again.acquire()).acquired).toBe(true);
    await again.release();
  });

  test('renewals must come at least twice per TTL', () => {
    expect(
      () =>
        new AccountUploadLock(redis, {
          accountId: 'a',
          token: 't',
          ttlMs: 1000,
          renewEveryMs: 600,
        }),
    ).toThrow(RangeError);
  });
});
