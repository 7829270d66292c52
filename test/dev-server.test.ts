// The single-machine start keeps Temporal's data across restarts; an attribute
// a later release adds must be registered on the namespace the data folder
// already holds, or every workflow task setting it would fail.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Connection } from '@temporalio/client';
import { startTemporalDevServer, temporalCli } from '../scripts/temporal';
import { SA_LICENSE_KIND, SEARCH_ATTRIBUTES } from '../workflows/application/contract';
import { waitFor } from './support/env';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

async function customAttributes(address: string): Promise<Record<string, unknown>> {
  const conn = await Connection.connect({ address });
  try {
    return (await conn.operatorService.listSearchAttributes({ namespace: 'default' })).customAttributes ?? {};
  } finally {
    await conn.close();
  }
}

describe('the dev server on a data folder from an earlier release', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tarkhees-temporal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('registers the attributes added since, and keeps the ones it had', async () => {
    const dbFile = path.join(dir, 'temporal.db');
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    // An earlier release: every attribute but one, registered when the namespace was created.
    const older = Object.entries(SEARCH_ATTRIBUTES).filter(([name]) => name !== SA_LICENSE_KIND.name);
    const earlier = spawn(temporalCli(), ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless', '--log-level', 'error',
      '--db-filename', dbFile, ...older.flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`])], { stdio: 'ignore' });
    const exited = new Promise((r) => earlier.once('exit', r));
    try {
      const before = await waitFor('the earlier release answering', () => customAttributes(address).catch(() => undefined), { timeoutMs: 60_000 });
      expect(Object.keys(before)).not.toContain(SA_LICENSE_KIND.name);
    } finally {
      earlier.kill('SIGTERM');
      await exited;
    }

    const server = await startTemporalDevServer({ port, dbFile });
    try {
      const after = await waitFor('every attribute registered', async () => {
        const attrs = await customAttributes(server.address);
        return Object.keys(SEARCH_ATTRIBUTES).every((name) => name in attrs) ? attrs : undefined;
      });
      expect(Object.keys(after)).toEqual(expect.arrayContaining(Object.keys(SEARCH_ATTRIBUTES)));
    } finally {
      await server.stop();
    }
  }, 120_000);
});
