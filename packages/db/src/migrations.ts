import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationList, SchemaContainer } from '@prisma/schema-engine-wasm/schema_engine_bg';
import { withSchemaEngine } from './schema-engine';

/** prisma/ at the root of the repository. */
export const prismaDir = fileURLToPath(new URL('../../../prisma', import.meta.url));
export const defaultMigrationsDir = join(prismaDir, 'migrations');
export const defaultSchemaPath = join(prismaDir, 'schema.prisma');

/** A migration command failed; the message is the engine's, without its Rust backtrace. */
export class MigrationError extends Error {
  readonly code = 'migration_failed';
  constructor(cause: unknown) {
    const text = cause instanceof Error ? cause.message : String(cause);
    // The engine appends a span trace ("   0: sql_schema_connector::...") that helps nobody.
    const [message = text] = text.split(/\n\s+0: /);
    super(message.replace(/^external connector error\n/, '').trim(), { cause });
    this.name = 'MigrationError';
  }
}

/** Runs one engine command, turning its failure into a MigrationError. */
async function engineCommand<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new MigrationError(error);
  }
}

/** Tables and enums the engine must leave alone: none, the schema owns the whole database. */
export const noFilters = { externalTables: [], externalEnums: [] };

/**
 * Reads prisma/migrations/ into the engine's shape: the folders in name order (their names
 * start with a timestamp), each with its migration.sql, and migration_lock.toml.
 */
export async function readMigrations(migrationsDir = defaultMigrationsDir): Promise<MigrationList> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch((error) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories = await Promise.all(
    names.map(async (name) => {
      const content = await readFile(join(migrationsDir, name, 'migration.sql'), 'utf8').then(
        (value) => ({ tag: 'ok' as const, value }),
        (error: Error) => ({ tag: 'error' as const, value: error.message }),
      );
      return { path: name, migrationFile: { path: 'migration.sql', content } };
    }),
  );
  const lockContent = await readFile(join(migrationsDir, 'migration_lock.toml'), 'utf8').catch(
    () => null,
  );
  return {
    baseDir: migrationsDir,
    lockfile: { path: 'migration_lock.toml', content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

/**
 * Applies the migrations in prisma/migrations/ that the database has not seen yet, and
 * records them in Prisma's own `_prisma_migrations` table (so `prisma migrate deploy`
 * agrees with it wherever the Prisma CLI can run). Returns the names it applied.
 */
export async function applyMigrations(options: {
  databaseUrl: string;
  migrationsDir?: string;
}): Promise<{ applied: string[] }> {
  const migrationsList = await readMigrations(options.migrationsDir);
  const output = await engineCommand(() =>
    withSchemaEngine({ databaseUrl: options.databaseUrl }, (engine) =>
      engine.applyMigrations({ migrationsList, filters: noFilters }),
    ),
  );
  return { applied: output.appliedMigrationNames };
}

async function readSchema(schemaPath: string): Promise<SchemaContainer> {
  return { path: schemaPath, content: await readFile(schemaPath, 'utf8') };
}

/**
 * The SQL that takes a database from what prisma/migrations/ builds to what schema.prisma
 * describes: the next migration, or '' when there is nothing to do. Like `prisma migrate
 * dev`, it replays the migrations in a temporary shadow database on DATABASE_URL's server
 * (dropped afterwards), so it needs the right to create databases there.
 */
export async function diffMigrationsToSchema(options: {
  databaseUrl: string;
  migrationsDir?: string;
  schemaPath?: string;
}): Promise<string> {
  const migrationsList = await readMigrations(options.migrationsDir);
  const schema = await readSchema(options.schemaPath ?? defaultSchemaPath);
  const result = await engineCommand(() =>
    withSchemaEngine({ databaseUrl: options.databaseUrl }, (engine) =>
      engine.diff({
        from: { tag: 'migrations', ...migrationsList },
        to: { tag: 'schemaDatamodel', files: [schema] },
        script: true,
        exitCode: true, // 2 when there is a difference, 0 when there is none
        filters: noFilters,
      }),
    ),
  );
  return result.exitCode === 2 ? (result.stdout ?? '') : '';
}

/** The SQL that builds schema.prisma in an empty database, without any migration. */
export async function schemaToSql(options: {
  databaseUrl: string;
  schemaPath?: string;
}): Promise<string> {
  const schema = await readSchema(options.schemaPath ?? defaultSchemaPath);
  const result = await engineCommand(() =>
    withSchemaEngine({ databaseUrl: options.databaseUrl }, (engine) =>
      engine.diff({
        from: { tag: 'empty' },
        to: { tag: 'schemaDatamodel', files: [schema] },
        script: true,
        exitCode: null,
        filters: noFilters,
      }),
    ),
  );
  return result.stdout ?? '';
}
