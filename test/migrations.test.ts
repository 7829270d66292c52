import { describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { migrateDb, openDb } from '../db/client';

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
      const applied = await check.query('select count(*)::int as n from drizzle.__drizzle_migrations');
      const rules = await check.query('select count(*)::int as n from license_kind_rules');
      await check.end();
      expect(applied.rows[0].n).toBeGreaterThan(0);
      expect(rules.rows[0].n).toBe(3);
      await Promise.all(handles.map((h) => h.close()));
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
