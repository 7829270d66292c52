// Once per test run: a fresh PostgreSQL database with the migrations applied,
// one Temporal dev server, and one workflow bundle shared by every test worker.
import type { TestProject } from 'vitest/node';
import { migrateDb, openDb } from '../../db/client';
import { clonePattern, dropDatabases, ensureRole, recreateDatabase } from '../../scripts/databases';
import { startTemporalDevServer } from '../../scripts/temporal';
import { startTemporalCluster } from '../../scripts/temporal-cluster';
import { bundleWorkflows } from '../../scripts/bundle-workflows';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated template each test environment clones. */
    databaseUrl: string;
    adminDatabaseUrl: string;
    /** The role the test environments connect as: the runtime role production uses, with only the rights migrations grant it. */
    runtimeRole: string;
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TEST_DB = process.env.TEST_DATABASE_NAME ?? 'tarkhees_test';
const TEMPORAL_TEST_PORT = Number(process.env.TEMPORAL_TEST_PORT ?? 7299);
/**
 * `dev` (the default): the Temporal CLI's dev server, in memory. `cluster`: the
 * Temporal server on PostgreSQL, each service its own process
 * (scripts/temporal-cluster.ts), in fresh databases named after the test
 * database, its ports from TEMPORAL_TEST_PORT up (nine of them).
 */
const TEST_TEMPORAL = process.env.TEST_TEMPORAL ?? 'dev';
if (TEST_TEMPORAL !== 'dev' && TEST_TEMPORAL !== 'cluster') throw new Error(`TEST_TEMPORAL: "${TEST_TEMPORAL}" is neither dev nor cluster`);
/** Cluster-wide, like every role: one for all test runs, created once (local connections trust any role here). */
const RUNTIME_ROLE = 'tarkhees_test_runtime';

let server: { address: string; stop(): Promise<void> } | undefined;

function startTemporal() {
  if (TEST_TEMPORAL === 'dev') return startTemporalDevServer({ port: TEMPORAL_TEST_PORT });
  return startTemporalCluster({ port: TEMPORAL_TEST_PORT, dataDir: `.data/test/cluster-${TEST_DB}`, database: `${TEST_DB}_temporal`, fresh: true });
}

export default async function setup(project: TestProject) {
  const databaseUrl = await recreateDatabase(ADMIN_URL, TEST_DB);
  await ensureRole(ADMIN_URL, RUNTIME_ROLE);
  const handle = await openDb({ databaseUrl, pgliteDir: '' });
  // The template's owner migrates and grants; every clone keeps those grants.
  await migrateDb(handle, { runtimeRole: RUNTIME_ROLE });
  await handle.close();

  const [dev, bundlePath] = await Promise.all([
    process.env.TEMPORAL_TEST_ADDRESS ? undefined : startTemporal(),
    bundleWorkflows('.data/test/workflow-bundle.js'),
  ]);
  server = dev;

  project.provide('databaseUrl', databaseUrl);
  project.provide('adminDatabaseUrl', ADMIN_URL);
  project.provide('runtimeRole', RUNTIME_ROLE);
  project.provide('temporalAddress', process.env.TEMPORAL_TEST_ADDRESS ?? dev!.address);
  project.provide('workflowBundlePath', bundlePath);

  return async () => {
    await server?.stop();
    // Databases of environments a crashed test file did not close.
    await dropDatabases(ADMIN_URL, clonePattern(TEST_DB));
  };
}
