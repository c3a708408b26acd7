import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A database URL with its database name replaced. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Runs one statement on a server's maintenance database (CREATE / DROP DATABASE). */
export async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Creates the run's template database: an empty database with every migration applied.
 * Each test file clones it (CREATE DATABASE ... TEMPLATE), which takes milliseconds, instead
 * of migrating its own database.
 */
export async function createTemplateDatabase(adminUrl: string, runId: string): Promise<string> {
  const name = `tf_tpl_${runId}`;
  await adminQuery(adminUrl, `CREATE DATABASE "${name}"`);
  const url = withDatabase(adminUrl, name);
  const { applyMigrations } = await import('@tiktok-fleet/db/migrations');
  await applyMigrations({ databaseUrl: url });
  return name;
}

/** Drops the template and any test database a crashed file left behind. */
export async function dropRunDatabases(adminUrl: string, runId: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2`,
      [`tf_t_${runId}_%`, `tf_tpl_${runId}`],
    );
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database of its own for one test file. */
export async function cloneTemplateDatabase(
  adminUrl: string,
  runId: string,
): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `tf_t_${runId}_${randomBytes(4).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE "${name}" TEMPLATE "tf_tpl_${runId}"`);
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}
