import {
  createAccountRepository,
  createPostRepository,
  createPrismaClient,
  parseTokenKeyring,
  StaleUploadFenceError,
  TokenCipher,
} from '@tiktok-fleet/db';
import { createRowInspector } from '@tiktok-fleet/db/inspect';
import { AccountUploadLock, LeaseLock } from '@tiktok-fleet/queue';
import {
  createTestDatabase,
  createTestRedisPrefix,
  testServices,
  waitUntil,
} from '@tiktok-fleet/testing';
import type {} from '@tiktok-fleet/testing/global-setup';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, test } from 'vitest';

// issue 11, "The upload fence is produced but never checked": a holder of an account's
// upload lease that pauses past its TTL (a GC pause, a frozen VM) while another takes the
// post over must not be able to move the post any more.

const { url } = await createTestDatabase();
const db = createPrismaClient(url, { poolSize: 2 });
const redis = new Redis(testServices().redisUrl);
const prefix = createTestRedisPrefix('fence');
afterAll(async () => {
  await db.$disconnect();
  redis.disconnect();
});
const posts = createPostRepository(db);
const accounts = createAccountRepository(
  db,
  new TokenCipher(
    parseTokenKeyring({
      TOKEN_ENCRYPTION_KEY: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
      TOKEN_DECRYPTION_KEYS: '',
    }),
  ),
);

async function newPost() {
  const account = await accounts.upsertByOpenId({
    ownerId: 'owner-fence',
    openId: `open-${Math.random().toString(36).slice(2)}`,
    grantedScopes: ['video.publish'],
    tokens: {
      accessToken: 'a',
      refreshToken: 'r',
      accessTokenExpiresAt: new Date(Date.now() + 3600_000),
      refreshTokenExpiresAt: new Date(Date.now() + 3600_000),
    },
  });
  const { post } = await posts.create({
    ownerId: account.ownerId,
    accountId: account.id,
    videoSourceKind: 'path',
    videoSource: 'clip.mp4',
    privacyLevel: 'SELF_ONLY',
  });
  return post;
}

/** The lease holder's claim as the fleet makes it when it moves nothing: the claimed post. */
async function claim(post: { id: string; accountId: string }, fence: number) {
  const answer = await posts.claimUploadFor(post.id, post.accountId, fence);
  if (answer.kind !== 'claimed') throw new Error(`claimed expected, got ${answer.kind}`);
  return answer.post;
}

const lockFor = (accountId: string, token: string) =>
  new AccountUploadLock(redis, { accountId, token, ttlMs: 150, renewEveryMs: 50, prefix });

describe('the upload fence', () => {
  test('a holder paused past its lease finds every post write refused once another took over', async () => {
    const post = await newPost();
    const first = lockFor(post.accountId, post.id);
    const a = await first.acquire();
    if (!a.acquired) throw new Error('the first holder should get the lease');
    expect((await claim(post, a.fence)).status).toBe('queued');
    const validating = await posts.transition(post.id, 'validating', { fence: a.fence });
    // The answer is the row the statement returned, equal to what is stored.
    expect(validating).toEqual(await createRowInspector(db).post(post.id));

    // The first holder freezes: it stops renewing, and its lease runs out in Redis.
    first.leave();
    const leases = new LeaseLock(redis, 'upload', { prefix });
    await waitUntil(async () => (await leases.holder(post.accountId)) === null, {
      what: 'the paused holder’s lease to expire',
    });
    // The job is run again elsewhere (same job id, so the same lease token).
    const second = lockFor(post.accountId, post.id);
    const b = await second.acquire();
    if (!b.acquired) throw new Error('the second holder should get the lease');
    expect(b.fence).toBeGreaterThan(a.fence);
    await claim(post, b.fence);
    await posts.transition(post.id, 'uploading', {
      fence: b.fence,
      changes: { publishId: 'p_second', uploadedBytes: 0, totalBytes: 100n },
    });

    // The first holder wakes up and carries on with its writes: each is refused.
    const stale = [
      () =>
        posts.transition(post.id, 'uploading', {
          fence: a.fence,
          changes: { publishId: 'p_first', uploadedBytes: 0 },
        }),
      () => posts.recordUploadProgress(post.id, 50, { fence: a.fence }),
      () => posts.update(post.id, { uploadUrl: 'https://stale.example/' }, { fence: a.fence }),
      () => posts.note(post.id, 'uploading', { message: 'stale note' }, { fence: a.fence }),
      () =>
        posts.transition(post.id, 'failed', {
          fence: a.fence,
          changes: { errorCode: 'x', errorMessage: 'stale failure' },
        }),
      () => claim(post, a.fence),
    ];
    for (const write of stale) {
      await expect(write()).rejects.toMatchObject({
        constructor: StaleUploadFenceError,
        code: 'stale_upload_fence',
      });
    }
    const stored = await posts.get(post.id);
    expect(stored).toMatchObject({
      status: 'uploading',
      publishId: 'p_second',
      uploadedBytes: 0n,
      uploadUrl: null,
      uploadFence: BigInt(b.fence),
    });
    expect(stored?.events.map((e) => e.status)).toEqual(['queued', 'validating', 'uploading']);

    // The new holder's writes go through.
    expect(await posts.recordUploadProgress(post.id, 100, { fence: b.fence })).toBe(true);
    const processing = await posts.transition(post.id, 'processing', { fence: b.fence });
    expect(processing).toMatchObject({ status: 'processing', uploadedBytes: 100n });
    await second.release();
  });

  test('a new holder decides from the post as its claim found it, with the init a stalled holder stored after the job was read', async () => {
    const post = await newPost();
    const first = lockFor(post.accountId, post.id);
    const a = await first.acquire();
    if (!a.acquired) throw new Error('the first holder should get the lease');
    await claim(post, a.fence);
    await posts.transition(post.id, 'validating', { fence: a.fence });
    first.leave();

    // BullMQ hands the job to another worker, which reads the post: no publish id yet.
    const readAtStart = await posts.get(post.id);
    expect(readAtStart?.publishId).toBeNull();
    // The first holder, stalled inside its init call, wakes and stores TikTok's answer
    // before the new one claims the post (its fence is still the post's).
    await posts.transition(post.id, 'uploading', {
      fence: a.fence,
      changes: { publishId: 'p_stalled', uploadedBytes: 0, totalBytes: 100n },
    });
    // The same job id takes the lease back at once and claims the post with the move to
    // validating its stale read asks for (process-publish.ts): the claim refuses the move for
    // a post already inited and writes nothing, so the post is not sent back to validating.
    const second = lockFor(post.accountId, post.id);
    const b = await second.acquire();
    if (!b.acquired) throw new Error('the second holder should get the lease');
    const moveTo = { status: 'validating' as const, detail: { message: 'again' } };
    expect(await posts.claimUploadFor(post.id, post.accountId, b.fence, moveTo)).toEqual({
      kind: 'has_init',
    });
    expect(await posts.get(post.id)).toMatchObject({
      status: 'uploading',
      uploadFence: BigInt(a.fence),
    });
    // Claimed as it stands, the post answers the publish id: the new holder resumes that
    // upload instead of a second init.
    const answer = await posts.claimUploadFor(post.id, post.accountId, b.fence);
    if (answer.kind !== 'claimed') throw new Error(`claimed expected, got ${answer.kind}`);
    const claimed = answer.post;
    expect(claimed).toMatchObject({
      status: 'uploading',
      publishId: 'p_stalled',
      uploadFence: BigInt(b.fence),
    });
    // And from here on the stalled holder can write nothing.
    await expect(posts.recordUploadProgress(post.id, 50, { fence: a.fence })).rejects.toThrow(
      StaleUploadFenceError,
    );
    await second.release();
  });
});
