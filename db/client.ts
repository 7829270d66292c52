// One way to open the store, whether it is a PostgreSQL server (DATABASE_URL)
// or the embedded PGlite used when nothing else is configured.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import * as schema from './schema';

export type { Db } from './db';
import type { Db } from './db';

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

/** When the newest migration committed in db/migrations was made (drizzle's own journal). */
function newestMigration(): number {
  const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_DIR, 'meta/_journal.json'), 'utf8')) as { entries: { when: number }[] };
  return Math.max(...journal.entries.map((e) => e.when));
}

/**
 * Whether the store lacks a committed migration. Asked first so that a process
 * connected as the runtime role, which may not create anything, never runs
 * the migrator's DDL on a schema that is already up to date.
 */
async function migrationsPending(handle: DbHandle): Promise<boolean> {
  const [row] = await rowsOf<{ newest: string | null }>(handle.db, sql`
    select case when to_regclass('drizzle.__drizzle_migrations') is null then null
      else (select max(created_at)::text from drizzle.__drizzle_migrations) end as newest`).catch(() => [{ newest: null }]);
  return row?.newest == null || Number(row.newest) < newestMigration();
}

/**
 * What the API and the worker may do when they connect as a role of their own
 * (the owner runs the migrations): read and write the case tables, but only
 * append to the audit log and read it, never rewrite, empty or drop it, nor
 * touch its trigger (only the owner may). Granted again after every migration,
 * so new tables are covered.
 */
async function grantRuntimeRole(db: Db, role: string): Promise<void> {
  const r = sql.identifier(role);
  await db.execute(sql`grant usage on schema public to ${r}`);
  await db.execute(sql`grant select, insert, update, delete on all tables in schema public to ${r}`);
  await db.execute(sql`revoke update, delete, truncate, references, trigger on audit_log from ${r}`);
  await db.execute(sql`grant usage, select on all sequences in schema public to ${r}`);
  // To tell whether the schema is up to date (migrationsPending), nothing more.
  await db.execute(sql`grant usage on schema drizzle to ${r}`);
  await db.execute(sql`grant select on drizzle.__drizzle_migrations to ${r}`);
}

export async function migrateDb(handle: DbHandle, opts: { runtimeRole?: string } = {}): Promise<void> {
  await handle.exclusively(async () => {
    if (await migrationsPending(handle)) {
      if (handle.kind === 'postgres') {
        const { migrate } = await import('drizzle-orm/node-postgres/migrator');
        await migrate(handle.db as never, { migrationsFolder: MIGRATIONS_DIR });
      } else {
        const { migrate } = await import('drizzle-orm/pglite/migrator');
        await migrate(handle.db as never, { migrationsFolder: MIGRATIONS_DIR });
      }
    }
    if (opts.runtimeRole) await grantRuntimeRole(handle.db, opts.runtimeRole);
    const { seedRules } = await import('./rules');
    await seedRules(handle.db);
  });
}

/**
 * The store as a process uses it: migrated first, by the owner
 * (`DATABASE_OWNER_URL`) when one is configured, which then grants the
 * runtime role (the user of `DATABASE_URL`) its rights; otherwise by
 * `DATABASE_URL` itself (one machine, the embedded store). Then connected as
 * `DATABASE_URL`.
 */
export async function openMigratedDb(config: { production?: boolean; databaseUrl?: string; databaseOwnerUrl?: string; pgliteDir: string }): Promise<DbHandle> {
  if (config.databaseOwnerUrl && config.databaseUrl) {
    const owner = await openDb({ databaseUrl: config.databaseOwnerUrl, pgliteDir: config.pgliteDir });
    try {
      const runtimeRole = decodeURIComponent(new URL(config.databaseUrl).username);
      const ownerRole = decodeURIComponent(new URL(config.databaseOwnerUrl).username);
      await migrateDb(owner, { runtimeRole: runtimeRole && runtimeRole !== ownerRole ? runtimeRole : undefined });
    } finally {
      await owner.close();
    }
  }
  const handle = await openDb(config);
  try {
    if (!config.databaseOwnerUrl) await migrateDb(handle);
    if (config.production && handle.kind === 'postgres') await refuseOwnerRole(handle.db);
  } catch (err) {
    await handle.close();
    throw err;
  }
  return handle;
}

export class PrivilegeError extends Error {}

/**
 * In production the processes serving requests must not be able to rewrite
 * the audit log: a role that owns it (or a superuser) could drop its trigger.
 */
async function refuseOwnerRole(db: Db): Promise<void> {
  const [row] = await rowsOf<{ role: string; mighty: boolean }>(db, sql`
    select current_user as role,
      (select rolsuper from pg_roles where rolname = current_user)
      or pg_has_role(current_user, (select tableowner from pg_tables where schemaname = 'public' and tablename = 'audit_log'), 'USAGE') as mighty`);
  if (row?.mighty) {
    throw new PrivilegeError(
      `DATABASE_URL connects as ${row.role}, which owns the audit log (or is a superuser): with NODE_ENV=production connect as a runtime role and give the owner as DATABASE_OWNER_URL`,
    );
  }
}
