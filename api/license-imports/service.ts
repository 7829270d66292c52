// Taking an import of licenses from before Tarkhees and reading its progress.
// The file is checked and staged here, in the request; the licenses rows and
// workflows come from the import's own workflow (docs/architecture.md, "Importing
// licenses from before Tarkhees").
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { stageLicenseImport } from '../../activities/license/imports';
import { newApplicationId } from '../../domain/identifiers';
import { rowsOf, type Db } from '../../db/client';
import { notFound } from '../errors';

/** IMP-YYYYMMDD-XXXXXX, the case ids' shape: readable over the phone. */
export const newImportId = (now: Date) => newApplicationId(now, randomBytes(6)).replace(/^TRK-/, 'IMP-');

type ProgressRow = {
  id: string;
  source: string;
  created_by: string;
  rows: number;
  rejected: number;
  errors: { row: number; field: string; message: string }[];
  created_at: Date;
  finished_at: Date | null;
  accepted: number;
  created: number;
  existing: number;
  started: number;
};

export class LicenseImportService {
  constructor(
    private readonly db: Db,
    private readonly temporal: Client,
    private readonly taskQueue: string,
  ) {}

  async start(csv: string, source: string, by: string) {
    const now = new Date();
    const staged = await stageLicenseImport({ db: this.db, client: this.temporal, taskQueue: this.taskQueue }, { id: newImportId(now), createdBy: by, source, csv, now });
    return { ...staged, status: staged.accepted > 0 ? ('running' as const) : ('finished' as const) };
  }

  async progress(id: string) {
    const [r] = await rowsOf<ProgressRow>(this.db, sql`
      select i.id, i.source, i.created_by, i.rows, i.rejected, i.errors, i.created_at, i.finished_at,
             count(r.row)::int as accepted,
             count(*) filter (where r.outcome = 'created')::int as created,
             count(*) filter (where r.outcome = 'existing')::int as existing,
             count(r.started_at)::int as started
      from license_imports i left join license_import_rows r on r.import_id = i.id
      where i.id = ${id}
      group by i.id`);
    if (!r) throw notFound(`no license import ${id}`);
    return {
      id: r.id,
      status: r.finished_at ? ('finished' as const) : ('running' as const),
      source: r.source,
      createdBy: r.created_by,
      createdAt: new Date(r.created_at).toISOString(),
      finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
      rows: r.rows,
      accepted: r.accepted,
      rejected: r.rejected,
      created: r.created,
      existing: r.existing,
      started: r.started,
      errors: r.errors,
    };
  }
}
