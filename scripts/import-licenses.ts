// npm run import-licenses -- file.csv [--no-wait]: licenses issued before
// Tarkhees, from a municipality's export (the format: README, "Importing
// licenses from before Tarkhees"). The file is checked and staged here, each
// bad row named by row and column; the import's workflow, on the running
// workers, writes the licenses and starts theirs. It waits for that and
// prints the progress, unless told not to. Run again after a crash: the same
// file finds every license it already brought in and finishes the rest.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LicenseImportService } from '../api/license-imports/service';
import { loadConfig } from '../config';
import { startSystem } from '../system';
import { waitFor } from './wait';

/** How often the progress is printed while the workers do the import. */
const PROGRESS_EVERY_MS = 2_000;
/** A municipality's whole register at the bench's pace is minutes; a day means the workers are not running. */
const GIVE_UP_AFTER_MS = 24 * 3_600_000;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) throw new Error('usage: npm run import-licenses -- <file.csv> [--no-wait]');
  const csv = await readFile(file, 'utf8');
  const system = await startSystem(loadConfig(), { service: 'tarkhees-import' });
  try {
    const imports = new LicenseImportService(system.db.db, system.client, system.config.temporal.taskQueue);
    const taken = await imports.start(csv, `cli:${path.basename(file)}`, `cli:${os.userInfo().username}`);
    for (const e of taken.errors) console.log(`row ${e.row}, ${e.field}: ${e.message}`);
    console.log(`import ${taken.id}: ${taken.rows} rows, ${taken.accepted} accepted, ${taken.rejected} refused`);
    if (args.includes('--no-wait') || taken.accepted === 0) return;
    console.log('the workers write the licenses and start their workflows (a worker must be running: npm start, or worker.ts)');
    const done = await waitFor(
      `import ${taken.id} to finish`,
      async () => {
        const p = await imports.progress(taken.id);
        console.log(`  ${p.started}/${p.accepted} started (${p.created} written, ${p.existing} already there)`);
        return p.status === 'finished' ? p : undefined;
      },
      { timeoutMs: GIVE_UP_AFTER_MS, intervalMs: PROGRESS_EVERY_MS },
    );
    console.log(`import ${done.id} finished: ${done.created} licenses written, ${done.existing} already there, ${done.started} workflows started`);
  } finally {
    await system.stop();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
