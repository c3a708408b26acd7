import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testServices } from '@tiktok-fleet/testing';
// Brings the types of what the global setup provides (services, runId) into this program.
import type {} from '@tiktok-fleet/testing/global-setup';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  applyMigrations,
  defaultMigrationsDir,
  defaultSchemaPath,
  diffMigrationsToSchema,
  MigrationError,
} from '../src/migrations';
import { compareMigrationsWithSchema } from '../src/schema-drift';

const adminUrl = testServices().databaseUrl;
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** An empty database (not the migrated template), named so a crashed run's cleanup finds it. */
async function emptyDatabase(): Promise<string> {
  const name = `tf_t_${inject('runId')}_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE "${name}"`);
  cleanups.push(() => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tf-db-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** schema.prisma with one more column on api_keys, in a folder of its own. */
async function schemaWithNewColumn(): Promise<string> {
  const original = await readFile(defaultSchemaPath, 'utf8');
  const changed = original.replace(
    '  lastUsedAt DateTime? @map("last_used_at")',
    '  lastUsedAt DateTime? @map("last_used_at")\n  note       String?',
  );
  expect(changed).not.toBe(original);
  const path = join(await tempDir(), 'schema.prisma');
  await writeFile(path, changed);
  return path;
}

describe('migrations and schema.prisma', () => {
  it('the migrations build exactly what schema.prisma describes', async () => {
    const [migratedUrl, fromSchemaUrl] = await Promise.all([emptyDatabase(), emptyDatabase()]);
    const drift = await compareMigrationsWithSchema({
      migratedUrl,
      fromSchemaUrl,
    });
    expect(drift).toEqual({ same: true, onlyInMigrations: [], onlyInSchema: [] });
    expect(await diffMigrationsToSchema({ databaseUrl: adminUrl })).toBe('');
  });

  it('reports a schema.prisma change that has no migration', async () => {
    const schemaPath = await schemaWithNewColumn();
    const [migratedUrl, fromSchemaUrl] = await Promise.all([emptyDatabase(), emptyDatabase()]);
    const drift = await compareMigrationsWithSchema({
      migratedUrl,
      fromSchemaUrl,
      schemaPath,
    });
    expect(drift.same).toBe(false);
    expect(drift.onlyInSchema.join('\n')).toMatch(/CREATE TABLE public\.api_keys[\s\S]*note text/);
    expect(drift.onlyInMigrations.join('\n')).toMatch(/CREATE TABLE public\.api_keys/);
  });

  it('agrees again once the migration db:diff writes is added', async () => {
    const schemaPath = await schemaWithNewColumn();
    const sql = await diffMigrationsToSchema({ databaseUrl: adminUrl, schemaPath });
    expect(sql).toMatch(/ALTER TABLE "api_keys" ADD COLUMN\s+"note" TEXT/);

    const migrationsDir = join(await tempDir(), 'migrations');
    await cp(defaultMigrationsDir, migrationsDir, { recursive: true });
    await mkdir(join(migrationsDir, '29990101000000_add_note'));
    await writeFile(join(migrationsDir, '29990101000000_add_note', 'migration.sql'), sql);

    const [migratedUrl, fromSchemaUrl] = await Promise.all([emptyDatabase(), emptyDatabase()]);
    const drift = await compareMigrationsWithSchema({
      migratedUrl,
      fromSchemaUrl,
      migrationsDir,
      schemaPath,
    });
    expect(drift.same).toBe(true);
    expect(await diffMigrationsToSchema({ databaseUrl: adminUrl, migrationsDir, schemaPath })).toBe(
      '',
    );
  });
});

describe('applyMigrations', () => {
  it("applies each migration once and records it in Prisma's own table", async () => {
    const databaseUrl = await emptyDatabase();
    const first = await applyMigrations({ databaseUrl });
    expect(first.applied).toContain('20261127160000_init');
    expect(await applyMigrations({ databaseUrl })).toEqual({ applied: [] });

    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query(
        'SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations',
      );
      expect(rows.map((r) => r.migration_name)).toEqual(first.applied);
      for (const row of rows) {
        expect(row.finished_at).toBeInstanceOf(Date);
        expect(row.rolled_back_at).toBeNull();
      }
      const tables = await client.query(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      );
      expect(tables.rows.map((r) => r.tablename)).toEqual([
        '_prisma_migrations',
        'account_backlogs',
        'accounts',
        'analytics_snapshots',
        'api_keys',
        'media_uploads',
        'owner_backlogs',
        'post_status_events',
        'posts',
      ]);
    } finally {
      await client.end();
    }
  });

  it('applies each migration once when several processes start at the same time', async () => {
    const databaseUrl = await emptyDatabase();
    const results = await Promise.all([1, 2, 3].map(() => applyMigrations({ databaseUrl })));
    const applied = results.flatMap((r) => r.applied);
    expect(applied).toEqual([...new Set(applied)]);
    expect(applied).toContain('20261127160000_init');
  });

  it('stops at a broken migration with the database error, and applies nothing after it', async () => {
    const migrationsDir = join(await tempDir(), 'migrations');
    await mkdir(join(migrationsDir, '20260101000000_ok'), { recursive: true });
    await writeFile(
      join(migrationsDir, '20260101000000_ok', 'migration.sql'),
      'CREATE TABLE a (id int);',
    );
    await mkdir(join(migrationsDir, '20260102000000_broken'));
    await writeFile(
      join(migrationsDir, '20260102000000_broken', 'migration.sql'),
      'SELECT missing FROM nowhere;',
    );
    await mkdir(join(migrationsDir, '20260103000000_later'));
    await writeFile(
      join(migrationsDir, '20260103000000_later', 'migration.sql'),
      'CREATE TABLE c (id int);',
    );

    const databaseUrl = await emptyDatabase();
    const error = await applyMigrations({ databaseUrl, migrationsDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('migration_failed');
    expect((error as MigrationError).message).toMatch(/nowhere/);
    expect((error as MigrationError).message).not.toMatch(/sql_schema_connector/);

    // The failed migration blocks the rest until someone resolves it.
    const again = await applyMigrations({ databaseUrl, migrationsDir }).catch((e: unknown) => e);
    expect((again as MigrationError).message).toMatch(/20260102000000_broken/);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT to_regclass('public.c') AS c");
      expect(rows[0].c).toBeNull();
    } finally {
      await client.end();
    }
  });
});
