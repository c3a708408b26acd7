// Redis and PostgreSQL for the scripts that run a fleet on this machine (demo, start).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { root } from './paths';

export const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';
export const LOCAL_POSTGRES_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * Makes sure Redis and PostgreSQL answer: with REDIS_URL and DATABASE_URL both given they are
 * used as they are; otherwise scripts/services.sh starts the machine's own when stopped.
 */
export function ensureLocalServices(env: NodeJS.ProcessEnv = process.env): void {
  if (env.REDIS_URL && env.DATABASE_URL) return;
  execFileSync('bash', [join(root, 'scripts', 'services.sh')], { stdio: 'inherit' });
}

/** The same server, another database. */
export function withDatabase(url: string, database: string): string {
  const next = new URL(url);
  next.pathname = `/${database}`;
  return next.toString();
}

const databaseName = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

/**
 * Creates the database DATABASE_URL names when it does not exist (or, with `fresh`, drops it
 * first), through the server's `postgres` database, then applies the pending migrations.
 */
export async function prepareDatabase(
  databaseUrl: string,
  options: { fresh: boolean },
): Promise<{ created: boolean; applied: number }> {
  const name = databaseName(databaseUrl);
  if (!/^[A-Za-z0-9_]+$/.test(name)) {
    throw new Error(`The database name "${name}" in DATABASE_URL must be letters, digits and _.`);
  }
  const admin = new pg.Client({ connectionString: withDatabase(databaseUrl, 'postgres') });
  await admin.connect();
  let created = false;
  try {
    if (options.fresh) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${name}`);
      created = true;
    }
  } finally {
    await admin.end();
  }
  const { applyMigrations } = await import('@tiktok-fleet/db/migrations');
  const { applied } = await applyMigrations({ databaseUrl });
  return { created, applied: applied.length };
}
