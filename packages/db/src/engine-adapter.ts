import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  type ErrorCapturingSqlMigrationAwareDriverAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import pg from 'pg';

const PG_CHAR = 18; // Postgres' one-byte "char" (pg_class.relkind, pg_constraint.contype, ...)
const PG_TEXT = 25;
const COLUMN_TYPE_CHARACTER = 6; // ColumnTypeEnum.Character in @prisma/driver-adapter-utils

/** Result rows that held "char" columns, and which ones. */
const charColumns = new WeakMap<object, number[]>();

type QueryResultLike = { fields?: Array<{ dataTypeID: number }>; rows?: object };

function retypeChar<T>(result: T): T {
  const { fields, rows } = (result ?? {}) as QueryResultLike;
  const found: number[] = [];
  fields?.forEach((field, i) => {
    if (field.dataTypeID === PG_CHAR) {
      field.dataTypeID = PG_TEXT;
      found.push(i);
    }
  });
  if (found.length > 0 && rows) charColumns.set(rows, found);
  return result;
}

/**
 * adapter-pg 7.10.1 maps no column type for "char" and throws, so the engine cannot read a
 * live schema (diff from migrations, drift checks). This client hands such columns to the
 * adapter as text and remembers them, and `withCharColumns` then reports them to the engine
 * as the Character type it expects. Only the schema engine uses it.
 */
class CatalogClient extends pg.Client {
  // query() has a dozen overloads (promise, callback, config object); this forwards them all.
  // biome-ignore lint/suspicious/noExplicitAny: the overloads are pg's, re-typed by the caller
  override query(...args: any[]): any {
    const last = args.at(-1);
    if (typeof last === 'function') {
      args[args.length - 1] = (error: unknown, result: unknown) =>
        last(error, error ? result : retypeChar(result));
    }
    const returned = (super.query as (...a: unknown[]) => unknown)(...args);
    return returned instanceof Promise ? returned.then(retypeChar) : returned;
  }
}

/**
 * adapter-pg's executeScript splits a migration at every `;` and sends the pieces one by
 * one, which cuts a function body (`$$ ... ; ... $$`, the backlog triggers) in pieces. Sent
 * whole, PostgreSQL's simple query protocol runs the statements in order, as psql would.
 */
function withWholeScripts<A extends SqlDriverAdapter>(adapter: A, pool: pg.Pool): A {
  // The adapter's own error mapping (a DriverAdapterError the engine reports with its text).
  const { onError } = adapter as unknown as { onError?: (error: unknown) => never };
  adapter.executeScript = async (script) => {
    try {
      await pool.query(script);
    } catch (error) {
      if (onError) onError.call(adapter, error);
      throw error;
    }
  };
  return adapter;
}

function withCharColumns<A extends SqlDriverAdapter>(adapter: A): A {
  const queryRaw = adapter.queryRaw.bind(adapter);
  adapter.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const i of charColumns.get(result.rows) ?? []) {
      result.columnTypes[i] = COLUMN_TYPE_CHARACTER;
    }
    return result;
  };
  return adapter;
}

function poolFor(databaseUrl: string): pg.Pool {
  return new pg.Pool({ connectionString: databaseUrl, max: 2, Client: CatalogClient });
}

/**
 * The driver adapter factory the schema engine runs on: a pool we own (closed by `close`,
 * whatever the engine does) and a shadow database of our own making. adapter-pg's own
 * `connectToShadowDb` drops the shadow database while its pool is still connected, which fails.
 */
export function createEngineAdapter(databaseUrl: string): {
  factory: ErrorCapturingSqlMigrationAwareDriverAdapterFactory;
  close: () => Promise<void>;
} {
  const pool = poolFor(databaseUrl);
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: async () =>
      withWholeScripts(withCharColumns(await new PrismaPg(pool).connect()), pool),
    connectToShadowDb: async () => {
      const name = `prisma_migrate_shadow_db_${randomUUID().replaceAll('-', '')}`;
      await pool.query(`CREATE DATABASE "${name}"`);
      const url = new URL(databaseUrl);
      url.pathname = `/${name}`;
      const shadowPool = poolFor(url.toString());
      const adapter = withWholeScripts(
        withCharColumns(await new PrismaPg(shadowPool).connect()),
        shadowPool,
      );
      adapter.dispose = async () => {
        await shadowPool.end();
        await pool.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      };
      return adapter;
    },
  };
  return {
    factory: bindMigrationAwareSqlAdapterFactory(factory),
    close: () => pool.end(),
  };
}
