import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export type Db = PrismaClient;

/**
 * The Prisma client for one process, through @prisma/adapter-pg (no engine binary). Each
 * process holds up to `poolSize` connections: keep workers x pool size under the server's
 * max_connections.
 */
export function createPrismaClient(
  databaseUrl: string,
  options: { poolSize?: number } = {},
): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.poolSize ?? 5 });
  return new PrismaClient({ adapter });
}

/** Rejects when PostgreSQL does not answer a trivial query (readiness checks, start-up). */
export async function pingDatabase(db: PrismaClient): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}
