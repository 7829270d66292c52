// An import of licenses from before Tarkhees, a page at a time: each page's
// licenses rows written and their workflows started (importLicensesPage). The
// workflow only remembers where it got to, so a crash anywhere (the worker,
// the server, the database) resumes at the page it was on, and its history
// stays small whatever the file's size: a run takes a bounded number of pages,
// then continues as new.
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { LicenseImportInput } from './contract';

/**
 * A page starts up to 500 workflows: a slow server can take minutes. The
 * activity is retried without limit (each start is idempotent), so a page
 * that times out only costs its redo.
 */
const imports = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Pages a run takes before continuing as new: 100 pages is 50,000 licenses and about 600 history events. */
const PAGES_PER_RUN = 100;

export async function licenseImport(input: LicenseImportInput): Promise<void> {
  let after = input.afterRow;
  for (let pages = 0; ; pages++) {
    if (pages >= PAGES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof licenseImport>({ importId: input.importId, afterRow: after });
    }
    const page = await imports.importLicensesPage({ importId: input.importId, afterRow: after });
    if (page.lastRow === undefined) break;
    after = page.lastRow;
  }
  await imports.finishLicenseImport(input.importId);
}
