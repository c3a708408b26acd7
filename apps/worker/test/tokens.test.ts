import { enqueue, PostWindow } from '@tiktok-fleet/queue';
import { waitUntil } from '@tiktok-fleet/testing';
import { beforeAll, describe, expect, test } from 'vitest';
import { ensureFreshAccessToken, SWEEP_SCHEDULER_ID, workerContext } from '../src/index';
import { isFinal, useFleet } from './support/fleet';

const fleet = useFleet();
const { env } = fleet;
const TOKEN_ENDPOINT = '/v2/oauth/token/';
let path: string;

beforeAll(async () => {
  await env.start({}, { scheduleSweep: true });
  path = await fleet.addMedia('valid-vertical.mp4', 'tokens/clip.mp4');
});

const tokenRequests = async () => (await fleet.stats()).requests[TOKEN_ENDPOINT] ?? 0;

/** Makes the stored access token look expired, and TikTok refuse it too. */
async function expireTokens(accountId: string, openId: string) {
  const repo = fleet.accounts();
  const tokens = await repo.getTokens(accountId);
  await repo.saveTokens(accountId, {
    ...tokens,
    accessTokenExpiresAt: new Date(Date.now() - 1000),
  });
  await fleet.control('POST', '/tokens/expire', { openId });
  return tokens;
}

describe('fresh access tokens', () => {
  test('an expired token is refreshed exactly once while several posts and jobs need it at once', async () => {
    const { account, openId } = await fleet.connectAccount();
    const old = await expireTokens(account.id, openId);
    const before = await tokenRequests();

    const ctx = workerContext(env.deps());
    const [posts, direct] = await Promise.all([
      Promise.all(
        Array.from({ length: 4 }, () =>
          fleet.createPost({ accountId: account.id, video: { path } }),
        ),
      ),
      Promise.all(
        Array.from({ length: 5 }, () => ensureFreshAccessToken(ctx, account.id, { leadSec: 300 })),
      ),
      enqueue(env.queues, 'token-refresh', 'refresh', { accountId: account.id }),
    ]);
    const done = await Promise.all(posts.map((p) => fleet.waitForPost(p.id, isFinal)));
    expect(done.map((p) => p.status)).toEqual(Array(4).fill('published'));

    // Everyone got the same new token; TikTok saw one refresh and no reused refresh token.
    const now = await fleet.accounts().getTokens(account.id);
    expect(new Set(direct)).toEqual(new Set([now.accessToken]));
    expect(now.accessToken).not.toBe(old.accessToken);
    expect(now.refreshToken).not.toBe(old.refreshToken);
    expect(now.accessTokenExpiresAt.getTime()).toBeGreaterThan(Date.now() + 3600_000);
    expect(await tokenRequests()).toBe(before + 1);
    const stats = await fleet.stats();
    expect(stats.refreshTokensReused).toBe(0);
    expect(stats.violations.filter((v) => v.rule === 'refresh_token_reused')).toEqual([]);
  });

  test('a token TikTok refuses before its expiry is refreshed once and the call goes through', async () => {
    const { account, openId } = await fleet.connectAccount();
    // The stored expiry still says fine; only TikTok knows better (a revoked session, a skew).
    await fleet.control('POST', '/tokens/expire', { openId });
    const before = await tokenRequests();
    const created = await fleet.createPost({ accountId: account.id, video: { path } });
    const post = await fleet.waitForPost(created.id, isFinal);
    expect(post.status).toBe('published');
    expect(await tokenRequests()).toBe(before + 1);
    expect((await fleet.stats()).refreshTokensReused).toBe(0);
  });

  test('a dead refresh token marks the account needs_reauth and fails its waiting posts', async () => {
    const { account, openId, tokens } = await fleet.connectAccount();
    // The user removed the app at TikTok: every token of theirs is revoked.
    await env.client.revokeToken(tokens.accessToken);
    await expireTokens(account.id, openId);
    const later = await fleet.createPost({
      accountId: account.id,
      video: { path },
      scheduledAt: new Date(Date.now() + 60_000).toISOString(),
    });
    const now = await fleet.createPost({ accountId: account.id, video: { path } });

    const failed = await fleet.waitForPost(now.id, isFinal);
    expect(failed.status).toBe('failed');
    expect(failed.errorCode).toBe('account_needs_reauth');
    expect(failed.errorMessage).toMatch(/must be connected again/);
    expect(failed.errorMessage).toMatch(/POST \/v1\/accounts\/connect/);
    const stored = await fleet.accounts().get(account.id);
    expect(stored?.status).toBe('needs_reauth');
    expect(stored?.statusReason).toContain('invalid_grant');

    // The scheduled post is told now, not when its time comes.
    const waiting = await fleet.post(later.id);
    expect(waiting.status).toBe('failed');
    expect(waiting.errorCode).toBe('account_needs_reauth');
    // Neither reached TikTok, so neither holds a slot.
    const window = new PostWindow(env.redis, { prefix: env.prefix });
    expect(await window.count(account.id)).toBe(0);
    expect((await fleet.stats()).refreshTokensReused).toBe(0);
  });
});

describe('the token-refresh sweep', () => {
  test('it is scheduled and refreshes tokens that expire soon', async () => {
    const schedulers = await env.queues['token-refresh'].getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toContain(SWEEP_SCHEDULER_ID);

    const { account } = await fleet.connectAccount();
    const repo = fleet.accounts();
    const tokens = await repo.getTokens(account.id);
    // Valid for ten more minutes: inside the 30-minute lead, so the sweep refreshes it.
    await repo.saveTokens(account.id, {
      ...tokens,
      accessTokenExpiresAt: new Date(Date.now() + 10 * 60_000),
    });
    const sweep = await enqueue(env.queues, 'token-refresh', 'sweep', { sweep: true });
    expect(await fleet.jobFinished('token-refresh', sweep.id as string)).toBe('completed');
    const result = (await env.queues['token-refresh'].getJob(sweep.id as string))?.returnvalue;
    expect((result as { accountsDue: number }).accountsDue).toBeGreaterThanOrEqual(1);
    const after = await waitUntil(
      async () => {
        const stored = await repo.getTokens(account.id);
        return stored.accessToken !== tokens.accessToken ? stored : undefined;
      },
      { what: 'the refreshed tokens to be stored', intervalMs: 50 },
    );
    expect(after.accessTokenExpiresAt.getTime()).toBeGreaterThan(Date.now() + 3600_000);
  });
});
