import { createPrismaClient, type Db } from '@tiktok-fleet/db';
import { CliError } from './errors';
import { operatorConfig, redactUrl } from './operator-config';

/**
 * The sentence in a driver's message. Prisma's starts with the calling source code and ends
 * with what went wrong ("Can't reach database server at ...").
 */
function lastLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (
    text
      .trim()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .pop()
      ?.trim() ?? text
  );
}

/**
 * Runs `work` on a PostgreSQL connection of its own (DATABASE_URL), for the commands that
 * must work before any API key exists. The connection is closed afterwards in every case.
 */
export async function withDatabase<T>(work: (db: Db) => Promise<T>): Promise<T> {
  const { DATABASE_URL } = operatorConfig(
    ['DATABASE_URL'],
    'the keys commands talk to PostgreSQL directly',
  );
  const db = createPrismaClient(DATABASE_URL, { poolSize: 1 });
  try {
    return await work(db);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(
      'database_failed',
      `PostgreSQL at ${redactUrl(DATABASE_URL)} failed: ${lastLine(error).replace(/\.$/, '')}. Check DATABASE_URL and that the database is migrated (pnpm db:migrate).`,
      undefined,
      { cause: error },
    );
  } finally {
    await db.$disconnect().catch(() => undefined);
  }
}
