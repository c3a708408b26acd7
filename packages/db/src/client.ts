import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import { statementName } from './prepared';

export type Db = PrismaClient;

/**
 * The Prisma client for one process, through @prisma/adapter-pg (no engine binary). Each
 * process holds up to `poolSize` connections: keep workers x pool size under the server's
 * max_connections. With `poolTimeoutMs`, a query that waits longer than that for a free
 * connection (or for a new one to open) fails instead of waiting without end:
 * `isDatabasePoolTimeout` recognises it, and the API answers it 503 `database_busy`.
 */
export function createPrismaClient(
  databaseUrl: string,
  options: { poolSize?: number; poolTimeoutMs?: number } = {},
): PrismaClient {
  const adapter = new PrismaPg(
    {
      connectionString: databaseUrl,
      max: options.poolSize ?? 5,
      // 0: pg's own default, wait as long as it takes.
      connectionTimeoutMillis: options.poolTimeoutMs ?? 0,
    },
    // Undefined for all but the prepared() statements: pg then sends an unnamed one.
    { statementNameGenerator: (query) => statementName(query.sql) as string },
  );
  return new PrismaClient({ adapter });
}

/** Rejects when PostgreSQL does not answer a trivial query (readiness checks, start-up). */
export async function pingDatabase(db: PrismaClient): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}
