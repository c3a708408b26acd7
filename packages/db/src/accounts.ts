import {
  type Account,
  type AccountStatus,
  type PrismaClient,
  PrivacyLevel,
} from '../generated/prisma/client';
import {
  AccountConnectedElsewhereError,
  AccountNotFoundError,
  AccountRevokedError,
} from './errors';
import { newId } from './ids';
import { isUniqueViolation } from './prisma-errors';
import type { TokenCipher } from './token-cipher';

/** Never selected unless asked for: ciphertexts have no business in API responses or logs. */
const secretColumns = {
  accessTokenCiphertext: true,
  refreshTokenCiphertext: true,
  tokenKeyId: true,
} as const;

export type PublicAccount = Omit<Account, keyof typeof secretColumns>;

export interface AccountTokens {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: Date;
  refreshTokenExpiresAt: Date;
}

/** TikTok's creator_info answer, as cached on the account (schema: "Cache of creator_info"). */
export interface CreatorInfoCache {
  nickname?: string | null;
  avatarUrl?: string | null;
  /** Only TikTok's four known levels are stored; an unknown one is left out. */
  privacyLevelOptions: readonly string[];
  commentDisabled: boolean;
  duetDisabled: boolean;
  stitchDisabled: boolean;
  maxVideoPostDurationSec?: number | null;
}

const PRIVACY_LEVELS = new Set<string>(Object.values(PrivacyLevel));

export interface ConnectedAccount {
  ownerId: string;
  openId: string;
  unionId?: string | null;
  displayName?: string | null;
  username?: string | null;
  avatarUrl?: string | null;
  grantedScopes: string[];
  tokens: AccountTokens;
}

/** Where a token is stored, bound into its ciphertext: `account:<id>:<access|refresh>_token`. */
function tokenContext(accountId: string, field: 'access' | 'refresh'): string {
  return `account:${accountId}:${field}_token`;
}

export function createAccountRepository(db: PrismaClient, cipher: TokenCipher) {
  const decryptTokens = (row: Account): AccountTokens => ({
    accessToken: cipher.decrypt(row.accessTokenCiphertext, tokenContext(row.id, 'access')),
    refreshToken: cipher.decrypt(row.refreshTokenCiphertext, tokenContext(row.id, 'refresh')),
    accessTokenExpiresAt: row.accessTokenExpiresAt,
    refreshTokenExpiresAt: row.refreshTokenExpiresAt,
  });
  const encrypted = (accountId: string, tokens: AccountTokens) => ({
    accessTokenCiphertext: cipher.encrypt(tokens.accessToken, tokenContext(accountId, 'access')),
    refreshTokenCiphertext: cipher.encrypt(tokens.refreshToken, tokenContext(accountId, 'refresh')),
    tokenKeyId: cipher.currentKeyId,
    accessTokenExpiresAt: tokens.accessTokenExpiresAt,
    refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
  });

  const upsertOnce = async (input: ConnectedAccount) => {
    // The tokens are bound to the row's id, so the id is known before they are encrypted:
    // the existing row's, or the new one's.
    const existing = await db.account.findUnique({
      where: { openId: input.openId },
      select: { id: true },
    });
    const id = existing?.id ?? newId('acc');
    const profile = {
      unionId: input.unionId ?? null,
      displayName: input.displayName ?? null,
      username: input.username ?? null,
      avatarUrl: input.avatarUrl ?? null,
      grantedScopes: input.grantedScopes,
      ...encrypted(id, input.tokens),
    };
    return db.account.upsert({
      // Another owner's live account does not match, so the create below hits the unique
      // open_id instead of handing the account over. A revoked one may be taken over.
      where: { openId: input.openId, OR: [{ ownerId: input.ownerId }, { status: 'revoked' }] },
      create: { id, ownerId: input.ownerId, openId: input.openId, ...profile },
      update: { ownerId: input.ownerId, status: 'active', statusReason: null, ...profile },
      omit: secretColumns,
    });
  };

  return {
    /**
     * Stores an account after Login Kit: creates it, or refreshes its profile and tokens when
     * the same owner connects it again (which also clears needs_reauth).
     */
    async upsertByOpenId(input: ConnectedAccount): Promise<PublicAccount> {
      for (let attempt = 1; ; attempt++) {
        try {
          return await upsertOnce(input);
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          // Two callbacks for one new account race to create it; the second one updates.
          if (attempt === 2) throw new AccountConnectedElsewhereError();
        }
      }
    },

    /** An account; with `ownerId`, only when it belongs to that owner. */
    async get(accountId: string, scope: { ownerId?: string } = {}): Promise<PublicAccount | null> {
      return db.account.findFirst({
        where: { id: accountId, ownerId: scope.ownerId },
        omit: secretColumns,
      });
    },

    async findByOpenId(openId: string): Promise<PublicAccount | null> {
      return db.account.findUnique({ where: { openId }, omit: secretColumns });
    },

    /**
     * Caches TikTok's creator_info answer (privacy options, interaction settings, limits).
     * `usernameIfMissing` fills in the handle of an account that has none (share URLs need
     * it, and creator info has it even without user.info.profile); a known one is kept.
     */
    async saveCreatorInfo(
      accountId: string,
      info: CreatorInfoCache,
      options: { usernameIfMissing?: string | null } = {},
    ): Promise<void> {
      const { count } = await db.account.updateMany({
        where: { id: accountId },
        data: {
          creatorNickname: info.nickname ?? null,
          creatorAvatarUrl: info.avatarUrl ?? null,
          privacyLevelOptions: info.privacyLevelOptions.filter((level) =>
            PRIVACY_LEVELS.has(level),
          ) as PrivacyLevel[],
          commentDisabled: info.commentDisabled,
          duetDisabled: info.duetDisabled,
          stitchDisabled: info.stitchDisabled,
          maxVideoPostDurationSec: info.maxVideoPostDurationSec ?? null,
          creatorInfoFetchedAt: new Date(),
        },
      });
      if (count === 0) throw new AccountNotFoundError(accountId);
      if (options.usernameIfMissing) {
        await db.account.updateMany({
          where: { id: accountId, OR: [{ username: null }, { username: '' }] },
          data: { username: options.usernameIfMissing },
        });
      }
    },

    /**
     * Disconnects an account: status `revoked` with the reason, and its tokens erased (the
     * columns cannot be null, so they become empty and expired; nothing can decrypt them).
     * Connecting the same TikTok user again brings the account back.
     */
    async revoke(accountId: string, reason: string): Promise<void> {
      const epoch = new Date(0);
      const { count } = await db.account.updateMany({
        where: { id: accountId },
        data: {
          status: 'revoked',
          statusReason: reason,
          accessTokenCiphertext: '',
          refreshTokenCiphertext: '',
          accessTokenExpiresAt: epoch,
          refreshTokenExpiresAt: epoch,
        },
      });
      if (count === 0) throw new AccountNotFoundError(accountId);
    },

    async listByOwner(ownerId: string): Promise<PublicAccount[]> {
      return db.account.findMany({
        where: { ownerId },
        orderBy: { createdAt: 'asc' },
        omit: secretColumns,
      });
    },

    /** The account's tokens in plain text, for the TikTok client only. */
    async getTokens(accountId: string): Promise<AccountTokens> {
      const row = await db.account.findUnique({ where: { id: accountId } });
      if (!row) throw new AccountNotFoundError(accountId);
      if (row.status === 'revoked') throw new AccountRevokedError(accountId);
      return decryptTokens(row);
    },

    /**
     * The account and, while it is `active`, its tokens in plain text, in one read: what a
     * job that posts for the account needs of it (the gate on its status, the access token,
     * the handle for share URLs). Null when there is no such account.
     */
    async getForPosting(
      accountId: string,
    ): Promise<{ account: PublicAccount; tokens: AccountTokens | null } | null> {
      const row = await db.account.findUnique({ where: { id: accountId } });
      if (!row) return null;
      const {
        accessTokenCiphertext: _a,
        refreshTokenCiphertext: _r,
        tokenKeyId: _k,
        ...account
      } = row;
      return { account, tokens: row.status === 'active' ? decryptTokens(row) : null };
    },

    /** After a refresh: TikTok may rotate the refresh token too, so both are replaced. */
    async saveTokens(accountId: string, tokens: AccountTokens): Promise<void> {
      const { count } = await db.account.updateMany({
        where: { id: accountId },
        data: encrypted(accountId, tokens),
      });
      if (count === 0) throw new AccountNotFoundError(accountId);
    },

    /** The refresh token is dead: posts wait until the owner connects the account again. */
    async markNeedsReauth(accountId: string, reason: string): Promise<void> {
      const { count } = await db.account.updateMany({
        where: { id: accountId, status: { not: 'revoked' } },
        data: { status: 'needs_reauth', statusReason: reason },
      });
      if (count === 0 && !(await db.account.count({ where: { id: accountId } }))) {
        throw new AccountNotFoundError(accountId);
      }
    },

    /** How many accounts are in each status (needs_reauth: the re-auth alert reads it). */
    async countByStatus(): Promise<Partial<Record<AccountStatus, number>>> {
      const rows = await db.account.groupBy({ by: ['status'], _count: { _all: true } });
      return Object.fromEntries(rows.map((r) => [r.status, r._count._all]));
    },

    /** Active accounts whose access token expires before `before`, soonest first. */
    async listDueForRefresh(before: Date, limit = 100): Promise<PublicAccount[]> {
      return db.account.findMany({
        where: { status: 'active', accessTokenExpiresAt: { lt: before } },
        orderBy: { accessTokenExpiresAt: 'asc' },
        take: limit,
        omit: secretColumns,
      });
    },
  };
}

export type AccountRepository = ReturnType<typeof createAccountRepository>;
