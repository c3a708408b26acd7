import { describe, expect, it } from 'vitest';
import { createAccountRepository } from '../src/accounts';
import { AccountRevokedError } from '../src/errors';
import { createPostRepository } from '../src/posts';
import { cipherWith, keyEntry, testDb, unique } from './helpers';

const db = await testDb();
const accounts = createAccountRepository(db, cipherWith(keyEntry('k1')));
const posts = createPostRepository(db);
const hour = 3600_000;

async function account(ownerId = unique('owner'), openId = unique('open')) {
  return accounts.upsertByOpenId({
    ownerId,
    openId,
    grantedScopes: ['user.info.basic', 'video.publish'],
    tokens: {
      accessToken: unique('act'),
      refreshToken: unique('rft'),
      accessTokenExpiresAt: new Date(Date.now() + hour),
      refreshTokenExpiresAt: new Date(Date.now() + 24 * hour),
    },
  });
}

const newPost = (ownerId: string, accountId: string, scheduledAt: Date | null = null) => ({
  ownerId,
  accountId,
  videoSourceKind: 'path' as const,
  videoSource: 'a.mp4',
  privacyLevel: 'SELF_ONLY' as const,
  scheduledAt,
});

describe('account lifecycle', () => {
  it('finds an account by open_id, and scopes get() to an owner', async () => {
    const a = await account();
    expect((await accounts.findByOpenId(a.openId))?.id).toBe(a.id);
    expect(await accounts.get(a.id, { ownerId: a.ownerId })).toMatchObject({ id: a.id });
    expect(await accounts.get(a.id, { ownerId: 'someone-else' })).toBeNull();
    expect(await accounts.get(a.id, { ownerId: a.ownerId })).not.toHaveProperty(
      'accessTokenCiphertext',
    );
  });

  it("fills in an account's missing handle from creator info, and keeps a known one", async () => {
    const info = {
      privacyLevelOptions: ['SELF_ONLY'],
      commentDisabled: false,
      duetDisabled: false,
      stitchDisabled: false,
    };
    const a = await account();
    await accounts.saveCreatorInfo(a.id, info, { usernameIfMissing: 'first.handle' });
    expect((await accounts.get(a.id))?.username).toBe('first.handle');
    await accounts.saveCreatorInfo(a.id, info, { usernameIfMissing: 'second.handle' });
    expect((await accounts.get(a.id))?.username).toBe('first.handle');
  });

  it('caches creator info, keeping only known privacy levels', async () => {
    const a = await account();
    await accounts.saveCreatorInfo(a.id, {
      nickname: 'Creator',
      privacyLevelOptions: ['SELF_ONLY', 'PUBLIC_TO_EVERYONE', 'SOMETHING_NEW'],
      commentDisabled: true,
      duetDisabled: false,
      stitchDisabled: false,
      maxVideoPostDurationSec: 300,
    });
    expect(await accounts.get(a.id)).toMatchObject({
      creatorNickname: 'Creator',
      privacyLevelOptions: ['SELF_ONLY', 'PUBLIC_TO_EVERYONE'],
      commentDisabled: true,
      maxVideoPostDurationSec: 300,
      creatorInfoFetchedAt: expect.any(Date),
    });
  });

  it('revoke erases the tokens; reconnecting the same TikTok user brings the account back', async () => {
    const a = await account();
    await accounts.revoke(a.id, 'disconnected by its owner');
    const row = await db.account.findUniqueOrThrow({ where: { id: a.id } });
    expect(row).toMatchObject({
      status: 'revoked',
      statusReason: 'disconnected by its owner',
      accessTokenCiphertext: '',
      refreshTokenCiphertext: '',
    });
    await expect(accounts.getTokens(a.id)).rejects.toBeInstanceOf(AccountRevokedError);

    const again = await account(a.ownerId, a.openId);
    expect(again).toMatchObject({ id: a.id, status: 'active', statusReason: null });
  });

  it("fails an account's posts that have not started, with an event each", async () => {
    const a = await account();
    const queued = (await posts.create(newPost(a.ownerId, a.id))).post;
    const scheduled = (await posts.create(newPost(a.ownerId, a.id, new Date(Date.now() + hour))))
      .post;
    const uploading = (await posts.create(newPost(a.ownerId, a.id))).post;
    await posts.transition(uploading.id, 'uploading');
    const other = await account();
    const elsewhere = (await posts.create(newPost(other.ownerId, other.id))).post;

    const error = { code: 'account_revoked', message: 'The account was disconnected.' };
    const failed = await posts.failOpenPostsOfAccount(a.id, error);
    expect(failed.map((p) => p.id).sort()).toEqual([queued.id, scheduled.id].sort());
    const read = await posts.get(queued.id);
    expect(read).toMatchObject({ status: 'failed', errorCode: 'account_revoked' });
    expect(read?.events.map((e) => e.status)).toEqual(['queued', 'failed']);
    expect((await posts.get(uploading.id))?.status).toBe('uploading');
    expect((await posts.get(elsewhere.id))?.status).toBe('queued');

    const withActive = await posts.failOpenPostsOfAccount(a.id, error, ['uploading']);
    expect(withActive.map((p) => p.id)).toEqual([uploading.id]);
    expect(await posts.failOpenPostsOfAccount(a.id, error)).toEqual([]);
  });
});
