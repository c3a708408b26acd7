// `pnpm db:migrate`: applies the migrations in prisma/migrations/ that DATABASE_URL has not
// seen yet, and says which.
import { loadConfig } from '@tiktok-fleet/config';
import { applyMigrations } from '../src/migrations';

const { DATABASE_URL } = loadConfig(['DATABASE_URL']);
const database = new URL(DATABASE_URL).pathname.slice(1) || '(default database)';
try {
  const { applied } = await applyMigrations({ databaseUrl: DATABASE_URL });
  if (applied.length === 0) {
    console.log(`${database}: up to date, no migration to apply.`);
  } else {
    console.log(`${database}: applied ${applied.length} migration(s):`);
    for (const name of applied) console.log(`  ${name}`);
  }
} catch (error) {
  console.error(`${database}: migration failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
