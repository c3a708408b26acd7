import {
  LeaseLock,
  POST_WINDOW_MS,
  PostWindow,
  SlidingWindowRateLimiter,
  TIKTOK_RATE_LIMITS,
} from '@tiktok-fleet/queue';
import { describe, expect, test } from 'vitest';
import { connectThroughOAuth } from './support/connect';
import { startApi } from './support/harness';

const CAP = 2;
const api = await startApi({ env: { DAILY_POST_CAP: String(CAP) } });
const CREATOR_INFO = '/v2/post/publish/creator_info/query/';

/** Connects a sandbox creator made with these settings; its account id. */
async function connectCreator(settings: Record<string, unknown>) {
  const creator = await api.sandboxControl('POST', '/_sandbox/creators', settings);
  const { location } = await connectThroughOAuth(api, { openId: creator.openId });
  const accountId = location.searchParams.get('accountId');
  if (!accountId) throw new Error(`connect failed: ${location}`);
  return accountId;
}

const creatorInfoCalls = async () =>
  ((await api.sandboxControl('GET', '/_sandbox/stats')).requests[CREATOR_INFO] as number) ?? 0;

const options = (accountId: string) => api.call('GET', `/v1/accounts/${accountId}/posting-options`);

describe('GET /v1/accounts/:id/posting-options', () => {
  test('a creator whose settings turn off duet and stitch: fresh creator info says so', async () => {
    const accountId = await connectCreator({
      nickname: 'No Duets Here',
      duetDisabled: true,
      stitchDisabled: true,
      maxVideoPostDurationSec: 180,
    });
    const before = await creatorInfoCalls();
    const answer = await options(accountId);
    expect(answer.status).toBe(200);
    // Asked of TikTok now, as its rules want when the posting screen opens.
    expect(await creatorInfoCalls()).toBe(before + 1);
    expect(answer.body.creator).toMatchObject({
      nickname: 'No Duets Here',
      privacyLevelOptions: ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'],
      commentDisabled: false,
      duetDisabled: true,
      stitchDisabled: true,
      maxVideoPostDurationSec: 180,
    });
    expect(answer.body.canPost).toBe(true);
    expect(answer.body.cannotPost).toBeNull();
    expect(answer.body.uploadInProgress).toBe(false);
    expect(answer.body.dailyCap).toEqual({ cap: CAP, used: 0, nextSlotAt: null });
    expect(answer.body.rules).toMatchObject({
      minDurationSec: 3,
      maxDurationSec: 180,
      captionMaxLength: 2200,
      formats: ['video/mp4', 'video/quicktime', 'video/webm'],
    });
    expect(answer.body.texts.declarationDefault).toBe(
      "By posting, you agree to TikTok's Music Usage Confirmation",
    );
    expect(answer.body.texts.brandedNotPrivate).toBe(
      'Branded content visibility cannot be set to private.',
    );
    expect(answer.headers.get('cache-control')).toBe('no-store');
    // Kept on the account for the next reader.
    const account = await api.call('GET', `/v1/accounts/${accountId}`);
    expect(account.body.creator.duetDisabled).toBe(true);
  });

  test('a creator at its daily cap cannot post, and the answer says when a slot frees', async () => {
    const accountId = await connectCreator({});
    const window = new PostWindow(api.redis, { prefix: api.prefix });
    const first = await window.reserve({ accountId, reservationId: 'post_one', cap: CAP });
    await window.reserve({ accountId, reservationId: 'post_two', cap: CAP });
    if (!first.ok) throw new Error('the first slot was not free');
    const slotFrees = new Date(first.reservedAt.getTime() + POST_WINDOW_MS).toISOString();

    const answer = await options(accountId);
    expect(answer.status).toBe(200);
    expect(answer.body.canPost).toBe(false);
    expect(answer.body.cannotPost).toMatchObject({ code: 'daily_cap_reached', retryAt: slotFrees });
    expect(answer.body.cannotPost.message).toContain(`Try again after ${slotFrees}`);
    expect(answer.body.dailyCap).toEqual({ cap: CAP, used: CAP, nextSlotAt: slotFrees });
    // The account list shows the same count.
    const list = await api.call('GET', '/v1/accounts');
    const item = list.body.accounts.find((a: { id: string }) => a.id === accountId);
    expect(item).toMatchObject({ postsLast24h: CAP, dailyCap: CAP, uploadInProgress: false });
  });

  test("TikTok's own cap (spam_risk_too_many_posts in creator info) means try later", async () => {
    const accountId = await connectCreator({});
    await api.sandboxControl('PATCH', '/_sandbox/config', { dailyPostCap: 0 });
    try {
      const answer = await options(accountId);
      expect(answer.status).toBe(200);
      expect(answer.body.canPost).toBe(false);
      expect(answer.body.cannotPost.code).toBe('spam_risk_too_many_posts');
      expect(answer.body.cannotPost.message).toMatch(/Wait before posting again/);
    } finally {
      await api.sandboxControl('PATCH', '/_sandbox/config', { dailyPostCap: 15 });
    }
  });

  test('a creator TikTok has banned from posting cannot post', async () => {
    const accountId = await connectCreator({ bannedFromPosting: true });
    const answer = await options(accountId);
    expect(answer.body.canPost).toBe(false);
    expect(answer.body.cannotPost.code).toBe('spam_risk_user_banned_from_posting');
  });

  test('a needs_reauth account cannot post, and TikTok is not asked', async () => {
    const accountId = await connectCreator({ nickname: 'Lapsed' });
    // What the workers record when TikTok refuses the refresh token.
    await api.accounts.markNeedsReauth(accountId, 'TikTok refused the refresh token');
    const before = await creatorInfoCalls();
    const answer = await options(accountId);
    expect(answer.status).toBe(200);
    expect(answer.body.canPost).toBe(false);
    expect(answer.body.cannotPost.code).toBe('account_needs_reauth');
    expect(answer.body.cannotPost.message).toContain('Reconnect the account');
    // The creator info cached at connect time is what is known.
    expect(answer.body.creator.nickname).toBe('Lapsed');
    expect(await creatorInfoCalls()).toBe(before);
  });

  test('an upload in progress is reported, on the account too', async () => {
    const accountId = await connectCreator({});
    const lease = new LeaseLock(api.redis, 'upload', { prefix: api.prefix });
    const held = await lease.acquire(accountId, 'post_uploading', 30_000);
    if (!held.acquired) throw new Error('lease taken');
    try {
      expect((await options(accountId)).body.uploadInProgress).toBe(true);
      expect((await api.call('GET', `/v1/accounts/${accountId}`)).body.uploadInProgress).toBe(true);
    } finally {
      await lease.release(held.lease);
    }
    expect((await options(accountId)).body.uploadInProgress).toBe(false);
  });

  test("the account's creator_info budget, shared with the workers, answers 429 with Retry-After", async () => {
    const accountId = await connectCreator({});
    const limiter = new SlidingWindowRateLimiter(api.redis, { prefix: api.prefix });
    // Connecting spent one call of the budget already (it counts inside the limiter too).
    for (let i = 0; i < TIKTOK_RATE_LIMITS.creatorInfo.limit - 1; i++) {
      expect((await limiter.acquireTikTok(accountId, 'creatorInfo')).ok).toBe(true);
    }
    const before = await creatorInfoCalls();
    const answer = await options(accountId);
    expect(answer.status).toBe(429);
    expect(answer.body.error.code).toBe('rate_limit_exceeded');
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await creatorInfoCalls()).toBe(before);
  });

  test("another owner's account is a 404", async () => {
    const accountId = await connectCreator({});
    const answer = await api.call('GET', `/v1/accounts/${accountId}/posting-options`, {
      key: api.keys.b,
    });
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('account_not_found');
  });

  test("TikTok's own 429 on creator info is a 429 with Retry-After", async () => {
    const accountId = await connectCreator({});
    await api.sandboxControl('POST', '/_sandbox/faults', {
      rateLimit: { endpoint: CREATOR_INFO, count: 1 },
    });
    const answer = await options(accountId);
    expect(answer.status).toBe(429);
    expect(answer.body.error.code).toBe('rate_limit_exceeded');
    expect(answer.headers.get('retry-after')).toBe('60');
  });

  test('a token TikTok refuses is refreshed once, as the worker does, and the answer is fresh', async () => {
    const accountId = await connectCreator({ nickname: 'Refreshed' });
    const tokensBefore = await api.rows.account(accountId);
    await api.sandboxControl('POST', '/_sandbox/faults', { expireAccessTokens: true });
    const answer = await options(accountId);
    expect(answer.status).toBe(200);
    expect(answer.body.canPost).toBe(true);
    expect(answer.body.creator.nickname).toBe('Refreshed');
    const tokensAfter = await api.rows.account(accountId);
    expect(tokensAfter.accessTokenCiphertext).not.toBe(tokensBefore.accessTokenCiphertext);
  });
});
