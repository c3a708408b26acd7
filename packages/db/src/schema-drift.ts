import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { applyMigrations, schemaToSql } from './migrations';

const run = promisify(execFile);

/** `pg_dump --schema-only` of a database, without Prisma's bookkeeping table. */
async function dumpSchema(databaseUrl: string): Promise<string> {
  const { stdout } = await run(
    'pg_dump',
    [
      '--schema-only',
      '--no-owner',
      '--no-privileges',
      '--exclude-table=_prisma_migrations',
      `--dbname=${databaseUrl}`,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

/**
 * The dump as a sorted list of statements, without what differs between two dumps of the
 * same schema (comments, session settings, pg_dump's random \restrict key). Column order
 * and enum value order are not compared: a migration can only append a column or value
 * where schema.prisma may place it anywhere, and Prisma itself treats both as no change.
 */
export function normalizeDump(dump: string): string[] {
  const text = dump
    .split('\n')
    .filter((line) => !/^(--|SET |SELECT pg_catalog\.set_config|\\(un)?restrict\b)/.test(line))
    .join('\n');
  // A function body ($$ ... $$) holds `;` of its own: set the bodies aside while splitting.
  const bodies: string[] = [];
  const masked = text.replace(/\$([A-Za-z_]*)\$[\s\S]*?\$\1\$/g, (body) => {
    bodies.push(body);
    return `@@body${bodies.length - 1}@@`;
  });
  return masked
    .split(/;\n/)
    .map((statement) =>
      statement.replace(/@@body(\d+)@@/g, (_, i: string) => bodies[Number(i)] ?? '').trim(),
    )
    .filter(Boolean)
    .map((statement) => {
      const [, head, body] =
        /^(CREATE TABLE [^(]+\(|CREATE TYPE [^(]+ AS ENUM \()\n([\s\S]*)\n\)$/.exec(statement) ??
        [];
      if (head === undefined || body === undefined) return statement;
      const items = body.split('\n').map((item) => item.trim().replace(/,$/, ''));
      return `${head}\n    ${items.sort().join(',\n    ')}\n)`;
    })
    .sort();
}

/**
 * What schema.prisma has no words for: functions and triggers (the backlog counters,
 * migration 20261202130000_backlog_counters). Only the migrations build them, so they are
 * left out of the comparison; packages/db/test/backlog-counters.test.ts checks what they do.
 */
const onlyMigrationsDescribe = /^CREATE (OR REPLACE )?(FUNCTION|TRIGGER) /;

export interface SchemaDrift {
  same: boolean;
  /** Statements the migrations build that schema.prisma does not describe. */
  onlyInMigrations: string[];
  /** Statements schema.prisma describes that the migrations do not build. */
  onlyInSchema: string[];
}

/**
 * Builds the schema twice, in two empty databases: once by applying prisma/migrations/,
 * once from schema.prisma alone, and compares what PostgreSQL ends up with. Any
 * difference means schema.prisma changed without a migration (or a migration was edited).
 */
export async function compareMigrationsWithSchema(options: {
  /** Two empty databases, written to. */
  migratedUrl: string;
  fromSchemaUrl: string;
  migrationsDir?: string;
  schemaPath?: string;
}): Promise<SchemaDrift> {
  const buildFromMigrations = async () => {
    await applyMigrations({
      databaseUrl: options.migratedUrl,
      migrationsDir: options.migrationsDir,
    });
    return normalizeDump(await dumpSchema(options.migratedUrl));
  };
  const buildFromSchema = async () => {
    const sql = await schemaToSql({
      databaseUrl: options.fromSchemaUrl,
      schemaPath: options.schemaPath,
    });
    const client = new pg.Client({ connectionString: options.fromSchemaUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
    return normalizeDump(await dumpSchema(options.fromSchemaUrl));
  };
  const [allMigrated, fromSchema] = await Promise.all([buildFromMigrations(), buildFromSchema()]);
  const migrated = allMigrated.filter((statement) => !onlyMigrationsDescribe.test(statement));
  const onlyInMigrations = migrated.filter((s) => !fromSchema.includes(s));
  const onlyInSchema = fromSchema.filter((s) => !migrated.includes(s));
  return {
    same: onlyInMigrations.length === 0 && onlyInSchema.length === 0,
    onlyInMigrations,
    onlyInSchema,
  };
}
