// Throwaway PostgreSQL databases for the test run and the benchmark.
import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** Hex digits after a clone's template name. */
const CLONE_SUFFIX_LENGTH = 12;

/** A clone of `template` for one test environment: the template's name, an underscore and 12 hex digits. */
export const cloneName = (template: string): string => `${template}_${randomUUID().replaceAll('-', '').slice(0, CLONE_SUFFIX_LENGTH)}`;

/**
 * A LIKE pattern for the clones of `template` and nothing else. `${template}_%`
 * also matched another run's template that begins with this one's name (a
 * run on tarkhees_test dropped tarkhees_test_chaos under a run using it).
 */
export const clonePattern = (template: string): string => `${template}\\_${'_'.repeat(CLONE_SUFFIX_LENGTH)}`;

async function withAdmin<T>(adminUrl: string, f: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    return await f(admin);
  } finally {
    await admin.end();
  }
}

/** Drops every database whose name matches the LIKE pattern (the default: exactly `pattern`). */
export function dropDatabases(adminUrl: string, pattern: string): Promise<void> {
  return withAdmin(adminUrl, async (admin) => {
    const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where datname like $1', [pattern]);
    for (const { datname } of rows) await admin.query(`drop database if exists ${datname} with (force)`);
  });
}

/** A login role with no rights of its own (they come from grants), created unless it exists. */
export function ensureRole(adminUrl: string, role: string): Promise<void> {
  return withAdmin(adminUrl, async (admin) => {
    // Two runs starting together may both find it missing: the loser's duplicate is harmless.
    await admin.query(`do $$ begin create role ${role} login; exception when duplicate_object then null; end $$`);
  });
}

/** Drops `name` if it exists, creates it empty (or from `template`), and returns its URL. */
export async function recreateDatabase(adminUrl: string, name: string, template?: string): Promise<string> {
  await withAdmin(adminUrl, async (admin) => {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}${template ? ` template ${template}` : ''}`);
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
