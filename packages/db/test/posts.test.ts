import { describe, expect, it } from 'vitest';
import { createAccountRepository } from '../src/accounts';
import { PostNotFoundError, PostStatusConflictError } from '../src/errors';
import { createPostRepository, InvalidCursorError, type NewPost } from '../src/posts';
import { cipherWith, newAccount as createAccount, keyEntry, testDb, unique } from './helpers';

const db = await testDb();
const posts = createPostRepository(db);
const accounts = createAccountRepository(db, cipherWith(keyEntry('k1')));

const newAccount = (ownerId?: string) => createAccount(accounts, ownerId);

async function request(overrides: Partial<NewPost> = {}): Promise<NewPost> {
  const account = overrides.accountId ? undefined : await newAccount(overrides.ownerId);
  return {
    ownerId: account?.ownerId ?? unique('owner'),
    accountId: account?.id ?? '',
    videoSourceKind: 'path',
    videoSource: 'clips/launch.mp4',
    caption: 'Launch day #demo',
    privacyLevel: 'SELF_ONLY',
    ...overrides,
  };
}

describe('post repository', () => {
  it('stores a request as a queued post with its first status event', async () => {
    const { post, created } = await posts.create(
      await request({ coverTimestampMs: 1000, isAigc: true }),
    );
    expect(created).toBe(true);
    expect(post.id).toMatch(/^post_[0-9a-z]{26}$/);
    expect(post).toMatchObject({
      status: 'queued',
      caption: 'Launch day #demo',
      coverTimestampMs: 1000,
      isAigc: true,
      mode: 'direct',
      uploadedBytes: 0n,
    });
    const read = await posts.get(post.id);
    expect(read?.events.map((e) => e.status)).toEqual(['queued']);
  });

  it('stores a post for later as scheduled', async () => {
    const { post } = await posts.create(
      await request({ scheduledAt: new Date(Date.now() + 3600_000) }),
    );
    expect(post.status).toBe('scheduled');
  });

  it('returns the first post for a repeated idempotency key, even when the requests race', async () => {
    const base = await request({ idempotencyKey: unique('idem') });
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => posts.create(base)));
    const ids = new Set(results.map((r) => r.post.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await db.post.count({ where: { ownerId: base.ownerId } })).toBe(1);
    expect(await db.postStatusEvent.count({ where: { postId: [...ids][0] } })).toBe(1);

    // The key is the owner's: another owner's identical key is another post.
    const other = await posts.create(await request({ idempotencyKey: base.idempotencyKey }));
    expect(other.created).toBe(true);
    expect(ids.has(other.post.id)).toBe(false);
  });

  it('createForAccount stops at the account cap, and never shows another owner its backlog', async () => {
    const mine = await request();
    const caps = { backlogCaps: { owner: 10, account: 2 } };
    for (let i = 0; i < 2; i++) {
      expect((await posts.createForAccount(mine, caps)).kind).toBe('created');
    }
    expect(await posts.createForAccount(mine, caps)).toEqual({
      kind: 'backlog_full',
      open: { owner: 2, account: 2 },
    });
    // The same full account named by someone else: it is not theirs, so it is not found,
    // and its count is not told.
    const stranger = { ...mine, ownerId: unique('owner') };
    expect(await posts.createForAccount(stranger, caps)).toEqual({ kind: 'no_account' });
  });

  it('records every transition with its time and detail, in order', async () => {
    const { post } = await posts.create(await request());
    await posts.transition(post.id, 'validating');
    await posts.transition(post.id, 'uploading', {
      changes: {
        publishId: unique('v_pub_file'),
        totalBytes: 5_000_000_000n,
        attemptCount: { increment: 1 },
      },
    });
    await posts.update(post.id, { uploadedBytes: 4_999_999_999n });
    await posts.transition(post.id, 'processing', { from: ['uploading'] });
    const published = await posts.transition(post.id, 'published', {
      changes: {
        tiktokPostId: '7345678901234567890',
        shareUrl: 'https://www.tiktok.com/@c/video/7345678901234567890',
      },
      detail: { status: 'PUBLISH_COMPLETE' },
    });
    expect(published).toMatchObject({
      status: 'published',
      totalBytes: 5_000_000_000n,
      uploadedBytes: 4_999_999_999n,
      attemptCount: 1,
      tiktokPostId: '7345678901234567890',
    });
    expect(published.publishedAt).toBeInstanceOf(Date);

    const read = await posts.get(post.id);
    expect(read?.events.map((e) => e.status)).toEqual([
      'queued',
      'validating',
      'uploading',
      'processing',
      'published',
    ]);
    expect(read?.events.at(-1)?.detail).toEqual({ status: 'PUBLISH_COMPLETE' });
    const times = read?.events.map((e) => e.at.getTime()) ?? [];
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(await posts.findByPublishId(published.publishId ?? '')).toMatchObject({ id: post.id });
  });

  it('never leaves a final status: a canceled post stays canceled', async () => {
    const { post } = await posts.create(await request());
    await posts.transition(post.id, 'canceled');
    const error = await posts.transition(post.id, 'uploading').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PostStatusConflictError);
    expect(error).toMatchObject({ code: 'post_status_conflict', currentStatus: 'canceled' });
    const read = await posts.get(post.id);
    expect(read?.status).toBe('canceled');
    expect(read?.events.map((e) => e.status)).toEqual(['queued', 'canceled']);
  });

  it('lets only one of two racing workers make a compare-and-set transition', async () => {
    const { post } = await posts.create(await request());
    const outcomes = await Promise.allSettled(
      [1, 2].map(() => posts.transition(post.id, 'validating', { from: ['queued'] })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((o) => o.status === 'rejected');
    expect((rejected as PromiseRejectedResult).reason).toBeInstanceOf(PostStatusConflictError);
    expect(await db.postStatusEvent.count({ where: { postId: post.id } })).toBe(2);
  });

  it('records upload progress only while the post is uploading, and says when it did not', async () => {
    const { post } = await posts.create(await request());
    await posts.transition(post.id, 'validating');
    await posts.transition(post.id, 'uploading', { changes: { totalBytes: 100 } });
    expect(await posts.recordUploadProgress(post.id, 40)).toBe(true);
    expect((await posts.get(post.id))?.uploadedBytes).toBe(40n);
    await posts.transition(post.id, 'canceled');
    expect(await posts.recordUploadProgress(post.id, 80)).toBe(false);
    expect((await posts.get(post.id))?.uploadedBytes).toBe(40n);
    expect(await posts.currentStatus(post.id)).toBe('canceled');
  });

  it('says which post is missing', async () => {
    await expect(posts.transition('post_missing', 'validating')).rejects.toBeInstanceOf(
      PostNotFoundError,
    );
    await expect(posts.update('post_missing', { uploadedBytes: 1n })).rejects.toMatchObject({
      code: 'post_not_found',
    });
    expect(await posts.get('post_missing')).toBeNull();
  });

  it("hides another owner's post", async () => {
    const { post } = await posts.create(await request());
    expect(await posts.get(post.id, { ownerId: post.ownerId })).not.toBeNull();
    expect(await posts.get(post.id, { ownerId: unique('someone-else') })).toBeNull();
  });

  it('lists an owner’s posts newest first, page by page, by account and status', async () => {
    const ownerId = unique('owner');
    const a = await newAccount(ownerId);
    const b = await newAccount(ownerId);
    const created: string[] = [];
    for (const account of [a, a, b, a, b]) {
      const { post } = await posts.create(await request({ ownerId, accountId: account.id }));
      created.push(post.id);
    }
    // Distinct times, except two posts in the same millisecond: the id breaks that tie.
    const base = Date.now() - 60_000;
    const times = [0, 1000, 2000, 2000, 3000].map((offset) => new Date(base + offset));
    for (const [i, id] of created.entries()) {
      await db.post.update({ where: { id }, data: { createdAt: times[i] } });
    }
    const newestFirst = created
      .map((id, i) => ({ id, at: times[i]?.getTime() ?? 0 }))
      .sort((x, y) => y.at - x.at || (x.id < y.id ? 1 : -1))
      .map((p) => p.id);
    await posts.create(await request()); // another owner's
    await posts.transition(created[1] ?? '', 'failed', {
      changes: {
        errorCode: 'video_duration_too_short',
        errorMessage: 'The video is shorter than 3 s.',
      },
    });

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await posts.list({ ownerId, limit: 2, cursor });
      expect(page.posts.length).toBeLessThanOrEqual(2);
      seen.push(...page.posts.map((p) => p.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(newestFirst);

    const ofB = await posts.list({ ownerId, accountId: b.id });
    expect(ofB.posts.map((p) => p.id)).toEqual(
      newestFirst.filter((id) => [created[2], created[4]].includes(id)),
    );
    const failed = await posts.list({ ownerId, status: 'failed' });
    expect(failed.posts.map((p) => p.id)).toEqual([created[1]]);
    expect(failed.nextCursor).toBeNull();

    await expect(posts.list({ ownerId, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
  });
});

describe('openStatusAges and countByStatus (what the alerts read at each scrape)', () => {
  it('ages an open post from its last move into its status, not from when it was made', async () => {
    const { post } = await posts.create(await request());
    // As if it had been queued for two hours.
    await db.$executeRaw`UPDATE post_status_events SET at = now() - interval '2 hours' WHERE post_id = ${post.id}`;
    const queued = (await posts.openStatusAges()).find((r) => r.status === 'queued');
    expect(queued?.oldestSeconds).toBeGreaterThanOrEqual(7200);

    await posts.transition(post.id, 'validating');
    const ages = await posts.openStatusAges();
    expect(ages.find((r) => r.status === 'validating')?.oldestSeconds).toBeLessThan(600);
    expect(ages.find((r) => r.status === 'queued')?.oldestSeconds ?? 0).toBeLessThan(7200);
    // Final posts are not open.
    await posts.transition(post.id, 'failed', { changes: { errorCode: 'x', errorMessage: 'x' } });
    expect((await posts.openStatusAges()).every((r) => r.status !== 'failed')).toBe(true);
  });

  it('counts accounts by status', async () => {
    const account = await newAccount();
    const before = await accounts.countByStatus();
    await accounts.markNeedsReauth(account.id, 'refresh token revoked');
    const after = await accounts.countByStatus();
    expect((after.needs_reauth ?? 0) - (before.needs_reauth ?? 0)).toBe(1);
    expect((before.active ?? 0) - (after.active ?? 0)).toBe(1);
  });
});
