// The import of licenses issued before Tarkhees: the file checked and its good
// rows kept with the import (`stageLicenseImport`, called by the API and the
// command before the import's workflow starts), then the import's workflow
// works through them a page at a time (`importLicensesPage`): each license's
// row written, its workflow started at its true state. Every step is
// idempotent on the license number, so a page retried after a crash, or the
// same file imported again, writes one row and starts one workflow per license.
import { Context } from '@temporalio/activity';
import { WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { riyadhDate } from '../../domain/calendar';
import type { LicenseRules } from '../../domain/license';
import { importedState, validateImport, type ImportedLicense, type ImportError } from '../../domain/license-import';
import type { LicenseKind } from '../../domain/status';
import { rowsOf, type Db } from '../../db/client';
import { loadLicenseRules } from '../../db/rules';
import { LICENSE_IMPORT_WORKFLOW_TYPE, licenseImportWorkflowId, type LicenseImportInput } from '../../workflows/license-import/contract';
import { pool } from '../../scripts/bots';
import { startLicenseWorkflow } from './start';

/** Rows a staging statement carries as one JSON parameter: about 0.5 MB, well under what a statement should hold. */
const STAGE_BATCH = 2_000;
/** Refusals kept with the import: a file wrong in every row still answers with its first mistakes, not megabytes. */
export const LICENSE_IMPORT_ERRORS_KEPT = 5_000;
/** Licenses a page takes: its activity ends well inside its timeout even when Temporal is slow, and a retry redoes little. */
export const IMPORT_PAGE_ROWS = 500;
/**
 * Workflow starts in flight at once. Each is one gRPC call to the frontend; on
 * the 2-core machine more than this only queues inside the server (the bench:
 * 16 → 32 did not import faster) while the new workflows' first tasks, which
 * the same worker must run, wait behind them.
 */
export const LICENSE_START_CONCURRENCY = 16;

export interface StagedImport {
  id: string;
  rows: number;
  accepted: number;
  rejected: number;
  errors: ImportError[];
}

/**
 * Checks the file and keeps its good rows with the import, in one transaction
 * (a crash leaves no half-staged import: running it again stages it whole),
 * then starts the import's workflow, which does the rest durably.
 */
export async function stageLicenseImport(
  deps: { db: Db; client: Client; taskQueue: string },
  input: { id: string; createdBy: string; source: string; csv: string; now: Date },
): Promise<StagedImport> {
  const offices = await rowsOf<{ id: string }>(deps.db, sql`select id from offices`);
  const { rows, errors } = validateImport(input.csv, { today: riyadhDate(input.now), offices: new Set(offices.map((o) => o.id)) });
  const rejected = new Set(errors.map((e) => e.row)).size;
  const total = rows.length + rejected;
  await deps.db.transaction(async (tx) => {
    await tx.execute(sql`
      insert into license_imports (id, created_by, source, rows, rejected, errors, created_at)
      values (${input.id}, ${input.createdBy}, ${input.source}, ${total}, ${rejected}, ${JSON.stringify(errors.slice(0, LICENSE_IMPORT_ERRORS_KEPT))}::jsonb, ${input.now.toISOString()}::timestamptz)`);
    for (let i = 0; i < rows.length; i += STAGE_BATCH) {
      const batch = rows.slice(i, i + STAGE_BATCH).map((r) => ({ row: r.row, number: r.license.number, data: r.license }));
      await tx.execute(sql`
        insert into license_import_rows (import_id, row, license_number, data)
        select ${input.id}, b.row, b.number, b.data from jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) as b(row int, number text, data jsonb)`);
    }
  });
  if (rows.length > 0) await startImportWorkflow(deps.client, deps.taskQueue, input.id);
  else await deps.db.execute(sql`update license_imports set finished_at = now() where id = ${input.id}`);
  return { id: input.id, rows: total, accepted: rows.length, rejected, errors: errors.slice(0, LICENSE_IMPORT_ERRORS_KEPT) };
}

export async function startImportWorkflow(client: Client, taskQueue: string, id: string): Promise<void> {
  const input: LicenseImportInput = { importId: id, afterRow: 0 };
  await client.workflow.start(LICENSE_IMPORT_WORKFLOW_TYPE, {
    workflowId: licenseImportWorkflowId(id),
    taskQueue,
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
  });
}

type PageRow = { row: number; license_number: string; data: ImportedLicense; outcome: string | null; started_at: Date | null };

export function createLicenseImportActivities(deps: { db: Db; now: () => Date }) {
  return {
    /**
     * The next page of the import after `afterRow`: the licenses rows written
     * (a number already there is left as it is: the first import, or Tarkhees's
     * own issuance, owns it), then each workflow started at the state its
     * dates give now. Returns the last row taken, or none when the import is
     * through.
     */
    async importLicensesPage(input: { importId: string; afterRow: number }): Promise<{ lastRow?: number; started: number }> {
      const page = await rowsOf<PageRow>(deps.db, sql`
        select row, license_number, data, outcome, started_at from license_import_rows
        where import_id = ${input.importId} and row > ${input.afterRow} order by row limit ${IMPORT_PAGE_ROWS}`);
      if (page.length === 0) return { started: 0 };
      const unwritten = page.filter((r) => r.outcome === null).map((r) => r.data);
      if (unwritten.length > 0) {
        await deps.db.execute(sql`
          with b as (
            select * from jsonb_to_recordset(${JSON.stringify(unwritten)}::jsonb) as b(
              number text, "licenseKind" text, "crNumber" text, "tradeName" text, "isicCode" text, holder jsonb, "officeId" text,
              "issuedOn" date, "expiresOn" date, status text, "statusReason" text, "suspendedBy" text, district text)
          ), created as (
            insert into licenses (number, license_kind, cr_number, trade_name, holder_national_id, isic_code, issued_on, expires_on, status,
                                  office_id, holder_name, holder_mobile, district, status_reason, suspended_by)
            select number, "licenseKind"::license_kind, "crNumber", "tradeName", holder->>'nationalId', "isicCode", "issuedOn", "expiresOn",
                   status::license_status, "officeId", holder->>'name', holder->>'mobile', district, "statusReason", "suspendedBy"
            from b
            on conflict (number) do nothing
            returning number
          )
          update license_import_rows r set outcome = case when exists (select 1 from created c where c.number = r.license_number) then 'created' else 'existing' end
          where r.import_id = ${input.importId} and r.outcome is null and r.license_number in (select number from b)`);
      }
      const ctx = Context.current();
      const rules = new Map<LicenseKind, Promise<LicenseRules>>();
      const rulesOf = (kind: LicenseKind) => rules.get(kind) ?? rules.set(kind, loadLicenseRules(deps.db, kind)).get(kind)!;
      const unstarted = page.filter((r) => r.started_at === null);
      await pool(unstarted.length, LICENSE_START_CONCURRENCY, async (i) => {
        const r = unstarted[i]!;
        const state = importedState(r.data, await rulesOf(r.data.licenseKind), deps.now());
        await startLicenseWorkflow(ctx.client, ctx.info.taskQueue, state, 'imported');
      });
      if (unstarted.length > 0) {
        await deps.db.execute(sql`
          update license_import_rows set started_at = now()
          where import_id = ${input.importId} and row = any(${`{${unstarted.map((r) => r.row).join(',')}}`}::int[])`);
      }
      return { lastRow: page[page.length - 1]!.row, started: unstarted.length };
    },

    async finishLicenseImport(importId: string): Promise<void> {
      await deps.db.execute(sql`update license_imports set finished_at = coalesce(finished_at, now()) where id = ${importId}`);
    },
  };
}
