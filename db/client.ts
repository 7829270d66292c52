// One way to open the store, whether it is a PostgreSQL server (DATABASE_URL)
// or the embedded PGlite used when nothing else is configured.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DbHandle {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Runs f while holding a database-wide lock (PostgreSQL); PGlite has one process anyway. */
  exclusively<T>(f: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Key of the advisory lock migrations take: a worker and an API starting together must not both migrate. */
const MIGRATION_LOCK_KEY = 7_402_001;

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

/** Pool size: API and worker share one process in the single-machine start. */
const POOL_MAX = 10;

/** The rows of a raw SQL statement, as both drivers (pg and PGlite) return them. */
export async function rowsOf<T>(db: Db, query: SQL): Promise<T[]> {
  return ((await db.execute(query)) as unknown as { rows: T[] }).rows;
}

const dialect = new PgDialect();

/** Statement text to its name: hashing the text on every call cost more than the lookup. */
const statementNames = new Map<string, string>();
/** A handful of statement shapes use executeNamed; this only bounds a mistake. */
const MAX_NAMED_STATEMENTS = 64;

/**
 * Runs a statement the server parses and plans once per connection (a named
 * prepared statement) instead of on every call: for the large statements that
 * run on every step of every case, planning cost more than running. The name
 * carries a hash of the text, so two shapes of one statement never share a
 * name. PGlite runs in this process and takes it as a plain query.
 */
export async function executeNamed<T>(db: Db, label: string, query: SQL): Promise<T[]> {
  const { sql: text, params } = dialect.sqlToQuery(query);
  const client = (db as unknown as { $client: { query: (...args: unknown[]) => Promise<{ rows: T[] }> } }).$client;
  const isPool = typeof (client as { totalCount?: unknown }).totalCount === 'number';
  if (!isPool) return (await client.query(text, params)).rows;
  let name = statementNames.get(text);
  if (!name && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `${label}_${createHash('sha1').update(text).digest('base64url').slice(0, 12)}`;
    statementNames.set(text, name);
  }
  // Past the cap a caller is building texts on the fly: those run unnamed rather than fill every connection.
  return (await client.query(name ? { name, text, values: params } : { text, values: params })).rows;
}

export async function openDb(opts: { databaseUrl?: string; pgliteDir: string }): Promise<DbHandle> {
  if (opts.databaseUrl) {
    const { default: pg } = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: POOL_MAX });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const db = drizzle(pool, { schema }) as unknown as Db;
    const exclusively = async <T>(f: () => Promise<T>): Promise<T> => {
      const lock = await pool.connect();
      try {
        await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        return await f();
      } finally {
        await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
        lock.release();
      }
    };
    return { db, kind: 'postgres', exclusively, close: () => pool.end() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const dir = path.resolve(opts.pgliteDir);
  mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
  const db = drizzle(client, { schema }) as unknown as Db;
  return { db, kind: 'pglite', exclusively: (f) => f(), close: () => client.close() };
}

export async function migrateDb(handle: DbHandle): Promise<void> {
  await handle.exclusively(async () => {
    if (handle.kind === 'postgres') {
      const { migrate } = await import('drizzle-orm/node-postgres/migrator');
      await migrate(handle.db as never, { migrationsFolder: MIGRATIONS_DIR });
    } else {
      const { migrate } = await import('drizzle-orm/pglite/migrator');
      await migrate(handle.db as never, { migrationsFolder: MIGRATIONS_DIR });
    }
    const { seedRules } = await import('./rules');
    await seedRules(handle.db);
  });
}
