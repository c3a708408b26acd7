import { describe, expect, it } from 'vitest';
import { type ConnectedAccount, createAccountRepository } from '../src/accounts';
import { AccountConnectedElsewhereError, AccountNotFoundError } from '../src/errors';
import { TokenCipherError } from '../src/token-cipher';
import { cipherWith, keyEntry, testDb, unique } from './helpers';

const db = await testDb();
const k1 = keyEntry('k1');
const k2 = keyEntry('k2');
const hour = 3600_000;

function connection(overrides: Partial<ConnectedAccount> = {}): ConnectedAccount {
  return {
    ownerId: unique('owner'),
    openId: unique('open'),
    displayName: 'Creator',
    username: 'creator',
    grantedScopes: ['user.info.basic', 'video.publish'],
    tokens: {
      accessToken: unique('act'),
      refreshToken: unique('rft'),
      accessTokenExpiresAt: new Date(Date.now() + 24 * hour),
      refreshTokenExpiresAt: new Date(Date.now() + 365 * 24 * hour),
    },
    ...overrides,
  };
}

describe('tokens at rest are bound to their account row and column', () => {
  const cipher = cipherWith(k1);
  const accounts = createAccountRepository(db, cipher);

  it('a ciphertext copied to another account, or to the other column, does not decrypt', async () => {
    const a = await accounts.upsertByOpenId(connection());
    const b = await accounts.upsertByOpenId(connection());
    const rowA = await db.account.findUniqueOrThrow({ where: { id: a.id } });
    // An attacker with write access to the table swaps A's tokens into B's row.
    await db.account.update({
      where: { id: b.id },
      data: {
        accessTokenCiphertext: rowA.accessTokenCiphertext,
        refreshTokenCiphertext: rowA.refreshTokenCiphertext,
      },
    });
    const moved = await accounts.getTokens(b.id).catch((e: unknown) => e);
    expect(moved).toBeInstanceOf(TokenCipherError);
    expect((moved as TokenCipherError).code).toBe('token_decrypt_failed');
    // The access token put in the refresh column of its own row fails too.
    await db.account.update({
      where: { id: a.id },
      data: { refreshTokenCiphertext: rowA.accessTokenCiphertext },
    });
    const swapped = await accounts.getTokens(a.id).catch((e: unknown) => e);
    expect((swapped as TokenCipherError).code).toBe('token_decrypt_failed');
  });

  it('a row written before the binding (v1) stays readable, and its next write binds it', async () => {
    const input = connection();
    const account = await accounts.upsertByOpenId(input);
    await db.account.update({
      where: { id: account.id },
      data: {
        accessTokenCiphertext: cipher.encrypt(input.tokens.accessToken),
        refreshTokenCiphertext: cipher.encrypt(input.tokens.refreshToken),
      },
    });
    const old = await db.account.findUniqueOrThrow({ where: { id: account.id } });
    expect(old.accessTokenCiphertext).toMatch(/^v1:k1:/);
    expect(await accounts.getTokens(account.id)).toEqual(input.tokens);
    await accounts.saveTokens(account.id, input.tokens);
    const rewritten = await db.account.findUniqueOrThrow({ where: { id: account.id } });
    expect(rewritten.accessTokenCiphertext).toMatch(/^v2:k1:/);
    expect(await accounts.getTokens(account.id)).toEqual(input.tokens);
  });
});

describe('account repository', () => {
  const accounts = createAccountRepository(db, cipherWith(k1));

  it('stores a connected account with its tokens encrypted, and gives them back', async () => {
    const input = connection();
    const account = await accounts.upsertByOpenId(input);
    expect(account.id).toMatch(/^acc_[0-9a-z]{26}$/);
    expect(account).toMatchObject({
      ownerId: input.ownerId,
      openId: input.openId,
      status: 'active',
    });
    expect(account).not.toHaveProperty('accessTokenCiphertext');
    expect(account).not.toHaveProperty('refreshTokenCiphertext');

    const row = await db.account.findUniqueOrThrow({ where: { id: account.id } });
    expect(row.accessTokenCiphertext).toMatch(/^v2:k1:/);
    expect(row.accessTokenCiphertext).not.toContain(input.tokens.accessToken);
    expect(row.refreshTokenCiphertext).not.toContain(input.tokens.refreshToken);
    expect(row.tokenKeyId).toBe('k1');

    expect(await accounts.getTokens(account.id)).toEqual(input.tokens);
  });

  it('updates the same account when its owner connects it again, and clears needs_reauth', async () => {
    const input = connection();
    const first = await accounts.upsertByOpenId(input);
    await accounts.markNeedsReauth(first.id, 'refresh_token_invalid');
    expect(await accounts.get(first.id)).toMatchObject({
      status: 'needs_reauth',
      statusReason: 'refresh_token_invalid',
    });

    const again = connection({
      ownerId: input.ownerId,
      openId: input.openId,
      displayName: 'Renamed',
    });
    const second = await accounts.upsertByOpenId(again);
    expect(second).toMatchObject({
      id: first.id,
      displayName: 'Renamed',
      status: 'active',
      statusReason: null,
    });
    expect(await accounts.getTokens(first.id)).toEqual(again.tokens);
    expect(await db.account.count({ where: { openId: input.openId } })).toBe(1);
  });

  it('keeps one row when two callbacks store the same new account at once', async () => {
    const input = connection();
    const results = await Promise.all([1, 2, 3].map(() => accounts.upsertByOpenId(input)));
    expect(new Set(results.map((a) => a.id)).size).toBe(1);
    expect(await db.account.count({ where: { openId: input.openId } })).toBe(1);
  });

  it("refuses to hand another owner's live account over, and allows it once revoked", async () => {
    const input = connection();
    const original = await accounts.upsertByOpenId(input);
    const intruder = connection({ openId: input.openId });
    await expect(accounts.upsertByOpenId(intruder)).rejects.toBeInstanceOf(
      AccountConnectedElsewhereError,
    );
    expect(await accounts.getTokens(original.id)).toEqual(input.tokens);

    await db.account.update({ where: { id: original.id }, data: { status: 'revoked' } });
    const taken = await accounts.upsertByOpenId(intruder);
    expect(taken).toMatchObject({ id: original.id, ownerId: intruder.ownerId, status: 'active' });
  });

  it('reads tokens written under an older key after rotation, and rewrites them with the new key', async () => {
    const input = connection();
    const account = await accounts.upsertByOpenId(input);

    const rotated = createAccountRepository(db, cipherWith(k2, k1));
    expect(await rotated.getTokens(account.id)).toEqual(input.tokens);

    const refreshed = { ...input.tokens, accessToken: unique('act2') };
    await rotated.saveTokens(account.id, refreshed);
    const row = await db.account.findUniqueOrThrow({ where: { id: account.id } });
    expect(row.tokenKeyId).toBe('k2');
    expect(row.accessTokenCiphertext).toMatch(/^v2:k2:/);
    expect(await rotated.getTokens(account.id)).toEqual(refreshed);

    // A process that was never given the new key cannot read them, and says which key it lacks.
    await expect(accounts.getTokens(account.id)).rejects.toMatchObject({
      code: 'token_key_unknown',
    });
  });

  it('refuses a token altered in the database instead of returning garbage', async () => {
    const account = await accounts.upsertByOpenId(connection());
    const row = await db.account.findUniqueOrThrow({ where: { id: account.id } });
    const parts = row.accessTokenCiphertext.split(':');
    const body = Buffer.from(parts[4] ?? '', 'base64');
    body[0] = (body[0] ?? 0) ^ 0xff;
    parts[4] = body.toString('base64');
    await db.account.update({
      where: { id: account.id },
      data: { accessTokenCiphertext: parts.join(':') },
    });

    const error = await accounts.getTokens(account.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenCipherError);
    expect(error).toMatchObject({ code: 'token_decrypt_failed' });
  });

  it('lists active accounts due for a refresh, soonest first', async () => {
    const soon = await accounts.upsertByOpenId(
      connection({
        tokens: { ...connection().tokens, accessTokenExpiresAt: new Date(Date.now() - hour) },
      }),
    );
    const later = await accounts.upsertByOpenId(
      connection({
        tokens: {
          ...connection().tokens,
          accessTokenExpiresAt: new Date(Date.now() + 10 * 60_000),
        },
      }),
    );
    const dead = await accounts.upsertByOpenId(
      connection({
        tokens: { ...connection().tokens, accessTokenExpiresAt: new Date(Date.now() - 2 * hour) },
      }),
    );
    await accounts.markNeedsReauth(dead.id, 'refresh_token_invalid');
    const notDue = await accounts.upsertByOpenId(connection());

    const due = (await accounts.listDueForRefresh(new Date(Date.now() + 30 * 60_000), 1000)).map(
      (a) => a.id,
    );
    expect(due).toContain(soon.id);
    expect(due).toContain(later.id);
    expect(due.indexOf(soon.id)).toBeLessThan(due.indexOf(later.id));
    expect(due).not.toContain(dead.id);
    expect(due).not.toContain(notDue.id);
  });

  it('says which account is missing', async () => {
    await expect(accounts.getTokens('acc_missing')).rejects.toBeInstanceOf(AccountNotFoundError);
    await expect(accounts.markNeedsReauth('acc_missing', 'x')).rejects.toMatchObject({
      code: 'account_not_found',
    });
    expect(await accounts.get('acc_missing')).toBeNull();
  });
});
