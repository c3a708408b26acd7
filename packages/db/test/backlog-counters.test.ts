import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testServices } from '@tiktok-fleet/testing';
import { adminQuery, withDatabase } from '@tiktok-fleet/testing/database';
// Brings the types of what the global setup provides (services, runId) into this program.
import type {} from '@tiktok-fleet/testing/global-setup';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createAccountRepository } from '../src/accounts';
import { applyMigrations, defaultMigrationsDir } from '../src/migrations';
import { createPostRepository, finalStatuses, type NewPost, openStatuses } from '../src/posts';
import { cipherWith, newAccount as createAccount, keyEntry, testDb } from './helpers';

const db = await testDb();
const posts = createPostRepository(db);
const accounts = createAccountRepository(db, cipherWith(keyEntry('k1')));

const newAccount = (ownerId?: string) => createAccount(accounts, ownerId);

const request = (account: { id: string; ownerId: string }): NewPost => ({
  ownerId: account.ownerId,
  accountId: account.id,
  videoSourceKind: 'path',
  videoSource: 'clips/launch.mp4',
  caption: 'backlog',
  privacyLevel: 'SELF_ONLY',
});

/** The counters as the enqueue reads them: the account's row, the sum of the owner's shards. */
async function counters(account: { id: string; ownerId: string }) {
  const row = await db.accountBacklog.findUnique({ where: { accountId: account.id } });
  const owner = await db.ownerBacklog.aggregate({
    where: { ownerId: account.ownerId },
    _sum: { open: true },
  });
  return { account: row?.open ?? 0, owner: owner._sum.open ?? 0 };
}

describe('backlog counters', () => {
  it('the triggers count the same statuses as open as openStatuses (derived from finalStatuses)', async () => {
    const rows = await db.$queryRaw<Array<{ status: string; open: boolean }>>`
      SELECT s::text AS status, post_status_is_open(s) AS open
      FROM unnest(enum_range(NULL::post_status)) AS s`;
    // As sets: a value added by ALTER TYPE sits at the enum's end in PostgreSQL.
    const sorted = (xs: readonly string[]) => [...xs].sort();
    expect(sorted(rows.filter((r) => r.open).map((r) => r.status))).toEqual(sorted(openStatuses));
    expect(sorted(rows.filter((r) => !r.open).map((r) => r.status))).toEqual(sorted(finalStatuses));
  });

  it('follow inserts, moves between open statuses, moves to a final status, and deletes', async () => {
    const one = await newAccount();
    const two = await newAccount(one.ownerId);
    const a = await posts.create(request(one));
    const b = await posts.create({ ...request(one), scheduledAt: new Date(Date.now() + 3600_000) });
    const c = await posts.create(request(two));
    expect(await counters(one)).toEqual({ account: 2, owner: 3 });
    expect(await counters(two)).toEqual({ account: 1, owner: 3 });

    // Open to open: still waiting or in progress.
    await posts.transition(a.post.id, 'validating');
    await posts.transition(a.post.id, 'uploading');
    expect(await counters(one)).toEqual({ account: 2, owner: 3 });

    await posts.transition(a.post.id, 'published');
    await posts.transition(c.post.id, 'failed');
    expect(await counters(one)).toEqual({ account: 1, owner: 1 });
    expect(await counters(two)).toEqual({ account: 0, owner: 1 });

    // Deleting an open post frees its slot; deleting a final one changes nothing.
    await db.postStatusEvent.deleteMany({ where: { postId: { in: [b.post.id, a.post.id] } } });
    await db.post.delete({ where: { id: b.post.id } });
    await db.post.delete({ where: { id: a.post.id } });
    expect(await counters(one)).toEqual({ account: 0, owner: 0 });
  });

  it('createForAccount reads the counters: a slot freed by a final status can be taken again', async () => {
    const account = await newAccount();
    const caps = { backlogCaps: { owner: 10, account: 2 } };
    const first = await posts.createForAccount(request(account), caps);
    expect((await posts.createForAccount(request(account), caps)).kind).toBe('created');
    expect(await posts.createForAccount(request(account), caps)).toEqual({
      kind: 'backlog_full',
      open: { owner: 2, account: 2 },
    });
    if (first.kind !== 'created') throw new Error(first.kind);
    await posts.transition(first.post.id, 'canceled');
    expect((await posts.createForAccount(request(account), caps)).kind).toBe('created');
    expect(await counters(account)).toEqual({ account: 2, owner: 2 });
  });

  it('of enqueues racing for an account’s last slot, exactly one wins', async () => {
    for (let round = 0; round < 5; round++) {
      const account = await newAccount();
      const caps = { backlogCaps: { owner: 100, account: 1 } };
      const results = await Promise.all(
        Array.from({ length: 6 }, () => posts.createForAccount(request(account), caps)),
      );
      expect(results.filter((r) => r.kind === 'created')).toHaveLength(1);
      for (const refused of results.filter((r) => r.kind !== 'created')) {
        expect(refused).toMatchObject({ kind: 'backlog_full', open: { account: 1 } });
      }
      expect(await db.post.count({ where: { accountId: account.id } })).toBe(1);
      expect(await counters(account)).toEqual({ account: 1, owner: 1 });
    }
  });
});

describe('the backlog migration', () => {
  const adminUrl = testServices().databaseUrl;
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('counts the open posts stored before it', async () => {
    const name = `tf_t_${inject('runId')}_${randomBytes(4).toString('hex')}`;
    await adminQuery(adminUrl, `CREATE DATABASE "${name}"`);
    cleanups.push(() => adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    const databaseUrl = withDatabase(adminUrl, name);
    // The migrations before this one, in a folder of their own.
    const earlier = await mkdtemp(join(tmpdir(), 'tf-backlog-'));
    cleanups.push(() => rm(earlier, { recursive: true, force: true }));
    const folders = (await readdir(defaultMigrationsDir)).filter(
      (f) => f < '20261202130000_backlog_counters',
    );
    for (const folder of folders) {
      await cp(join(defaultMigrationsDir, folder), join(earlier, folder), { recursive: true });
    }
    await applyMigrations({ databaseUrl, migrationsDir: earlier });

    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    cleanups.push(() => client.end());
    for (const [id, owner] of [
      ['acc_1', 'owner_a'],
      ['acc_2', 'owner_a'],
      ['acc_3', 'owner_b'],
    ]) {
      await client.query(
        `INSERT INTO accounts (id, owner_id, open_id, access_token_ciphertext,
           refresh_token_ciphertext, token_key_id, access_token_expires_at,
           refresh_token_expires_at, updated_at)
         VALUES ($1, $2, $1, 'x', 'x', 'k', now(), now(), now())`,
        [id, owner],
      );
    }
    const stored: Array<[string, string, string]> = [
      ['acc_1', 'owner_a', 'queued'],
      ['acc_1', 'owner_a', 'uploading'],
      ['acc_1', 'owner_a', 'published'],
      ['acc_2', 'owner_a', 'scheduled'],
      ['acc_2', 'owner_a', 'failed'],
    ];
    for (const [i, [account, owner, status]] of stored.entries()) {
      await client.query(
        `INSERT INTO posts (id, owner_id, account_id, status, updated_at)
         VALUES ($1, $2, $3, $4::post_status, now())`,
        [`post_${i}`, owner, account, status],
      );
    }

    await applyMigrations({ databaseUrl });
    const accountRows = await client.query(
      'SELECT account_id, open FROM account_backlogs ORDER BY account_id',
    );
    expect(accountRows.rows).toEqual([
      { account_id: 'acc_1', open: 2 },
      { account_id: 'acc_2', open: 1 },
      { account_id: 'acc_3', open: 0 },
    ]);
    const ownerRows = await client.query(
      'SELECT owner_id, sum(open)::int AS open FROM owner_backlogs GROUP BY 1 ORDER BY 1',
    );
    expect(ownerRows.rows).toEqual([{ owner_id: 'owner_a', open: 3 }]);

    // And from then on the triggers keep them.
    await client.query(`UPDATE posts SET status = 'canceled' WHERE id = 'post_0'`);
    const after = await client.query(
      `SELECT open FROM account_backlogs WHERE account_id = 'acc_1'`,
    );
    expect(after.rows).toEqual([{ open: 1 }]);
  });
});
