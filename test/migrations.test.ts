import { describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { migrateDb, openDb, openMigratedDb, PrivilegeError, rowsOf } from '../db/client';
import { ensureRole } from '../scripts/databases';

describe('migrations', () => {
  it('several processes migrating an empty database at once all succeed, once', async () => {
    const name = `tarkhees_migrate_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
    const admin = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const url = new URL(inject('adminDatabaseUrl'));
    url.pathname = `/${name}`;
    try {
      const handles = await Promise.all([1, 2, 3].map(() => openDb({ databaseUrl: url.toString(), pgliteDir: '' })));
      await Promise.all(handles.map((h) => migrateDb(h)));
      const check = new pg.Client({ connectionString: url.toString() });
      await check.connect();
      const applied = await check.query<{ hash: string; createdAt: string }>('select hash, created_at::text as "createdAt" from drizzle.__drizzle_migrations order by id');
      const rules = await check.query('select count(*)::int as n from license_kind_rules');
      await check.end();
      // Each committed migration applied once and in order, though three processes raced to apply them:
      // the migrator's rows are exactly the journal's entries, each with the SHA-256 of its file as committed.
      const journal = JSON.parse(readFileSync('db/migrations/meta/_journal.json', 'utf8')) as { entries: { tag: string; when: number }[] };
      expect(journal.entries.length).toBeGreaterThan(0);
      const committed = journal.entries.map((e) => ({
        hash: createHash('sha256').update(readFileSync(`db/migrations/${e.tag}.sql`, 'utf8')).digest('hex'),
        createdAt: String(e.when),
      }));
      expect(applied.rows).toEqual(committed);
      // And no file in the folder is left out of the journal (the migrator would never apply it).
      expect(readdirSync('db/migrations').filter((f) => f.endsWith('.sql')).sort()).toEqual(journal.entries.map((e) => `${e.tag}.sql`).sort());
      expect(rules.rows[0].n).toBe(3);
      await Promise.all(handles.map((h) => h.close()));
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});

describe('database roles', () => {
  async function withFreshDatabase(f: (urls: { owner: string; runtime: string }) => Promise<void>) {
    const name = `tarkhees_roles_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
    const role = inject('runtimeRole');
    await ensureRole(inject('adminDatabaseUrl'), role);
    const admin = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const owner = new URL(inject('adminDatabaseUrl'));
    owner.pathname = `/${name}`;
    const runtime = new URL(owner);
    runtime.username = role;
    try {
      await f({ owner: owner.toString(), runtime: runtime.toString() });
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }

  it('the owner migrates and grants; the runtime role works the cases and may only append to the audit log', async () => {
    await withFreshDatabase(async ({ owner, runtime }) => {
      const handle = await openMigratedDb({ databaseUrl: runtime, databaseOwnerUrl: owner, pgliteDir: '' });
      try {
        const [me] = await rowsOf<{ user: string }>(handle.db, sql`select current_user as user`);
        expect(me!.user).toBe(inject('runtimeRole'));
        const [rules] = await rowsOf<{ n: number }>(handle.db, sql`select count(*)::int as n from activity_rules`);
        expect(rules!.n).toBeGreaterThan(0);
        await handle.db.execute(sql`insert into audit_log (actor_kind, actor_id, roles, request_id, method, route, status_code) values ('user', 'u1', '{}', 'req-1', 'POST', '/x', 200)`);
        const denied = await handle.db.execute(sql`update audit_log set actor_id = 'u2'`).then(() => 'allowed', (e: { cause?: Error }) => String(e.cause?.message));
        expect(denied).toMatch(/permission denied for table audit_log/);
        // Started again as the runtime role alone (as compose runs the API): nothing to migrate, nothing it may not do.
        const again = await openMigratedDb({ databaseUrl: runtime, pgliteDir: '' });
        await again.close();
      } finally {
        await handle.close();
      }
    });
  });

  it('in production, refuses to serve requests as the role that owns the audit log', async () => {
    await withFreshDatabase(async ({ owner }) => {
      await expect(openMigratedDb({ production: true, databaseUrl: owner, pgliteDir: '' })).rejects.toThrow(PrivilegeError);
    });
  });
});
