import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationList } from '@prisma/schema-engine-wasm/schema_engine_bg';
import { withSchemaEngine } from './schema-engine';

/** prisma/ at the root of the repository. */
export const prismaDir = fileURLToPath(new URL('../../../prisma', import.meta.url));
export const defaultMigrationsDir = join(prismaDir, 'migrations');
export const defaultSchemaPath = join(prismaDir, 'schema.prisma');

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
  const output = await withSchemaEngine({ databaseUrl: options.databaseUrl }, (engine) =>
    engine.applyMigrations({ migrationsList, filters: noFilters }),
  );
  return { applied: output.appliedMigrationNames };
}
