import { Prisma } from '../generated/prisma/client';

// Prisma's own codes for "the database is not there": cannot reach, timed out, closed the
// connection, no free connection in the pool.
const PRISMA_CONNECTION_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
// PostgreSQL's shutdown SQLSTATEs (admin shutdown, crash shutdown, cannot connect now); the
// whole 08xxx class (connection exceptions) counts too. Bare socket codes (ECONNREFUSED) are
// left to the caller: Redis's client raises the same ones.
const SQLSTATES = new Set(['57P01', '57P02', '57P03']);
const isConnectionSqlState = (code: unknown) =>
  typeof code === 'string' &&
  /^[0-9A-Z]{5}$/.test(code) &&
  (SQLSTATES.has(code) || code.startsWith('08'));
// @prisma/driver-adapter-utils' names for the same conditions.
const ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
// pg and pg-pool say it in words only.
const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|Client has encountered a connection error|terminating connection|Client was closed|timeout exceeded when trying to connect|Can't reach database server/i;

/**
 * Whether an error means PostgreSQL cannot be reached right now (a restart, a network cut,
 * a full pool), as opposed to a refused query. Such a failure is nobody's mistake and passes
 * by itself: the API answers 503 with Retry-After, and a worker tries again without spending
 * an attempt. Prisma's driver adapter wraps pg's errors, so the whole cause chain is read.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 8; depth++) {
    if (e instanceof Prisma.PrismaClientInitializationError) return true;
    if (e instanceof Prisma.PrismaClientKnownRequestError && PRISMA_CONNECTION_CODES.has(e.code)) {
      return true;
    }
    const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (isConnectionSqlState(code)) return true;
    if (typeof message === 'string' && CONNECTION_MESSAGES.test(message)) return true;
    // The driver adapter maps pg's error to a `kind` and keeps its code as `originalCode`.
    const mapped = cause as { kind?: unknown; originalCode?: unknown } | undefined;
    if (typeof mapped?.kind === 'string' && ADAPTER_KINDS.has(mapped.kind)) return true;
    if (isConnectionSqlState(mapped?.originalCode)) return true;
    e = cause;
  }
  return false;
}

// pg-pool's words when a query waited connectionTimeoutMillis for a free pooled connection,
// and Prisma's (P2028) when an interactive transaction waited its maxWait for one.
const POOL_TIMEOUT_MESSAGE =
  /timeout exceeded when trying to connect|Unable to start a transaction in the given time/i;

/**
 * Whether an error means every pooled connection stayed busy for the pool's timeout
 * (`createPrismaClient`'s `poolTimeoutMs`): PostgreSQL is there but this process has more
 * queries in flight than connections. A subset of `isDatabaseUnavailable`.
 */
export function isDatabasePoolTimeout(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 8; depth++) {
    const { message, cause } = e as { message?: unknown; cause?: unknown };
    if (typeof message === 'string' && POOL_TIMEOUT_MESSAGE.test(message)) return true;
    e = cause;
  }
  return false;
}
