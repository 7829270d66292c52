// The document sweep's one side effect: remove files from the store and mark
// their rows removed, each with its audit row. Idempotent: a file already gone
// is no error, and a row already marked is not marked (or audited) again.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'drizzle-orm';
import { RemovalReason } from '../../domain/status';
import { rowsOf, type Db } from '../../db/client';
import type { FileStore } from '../../integrations/files/store';

/** What one batch removed, by reason. */
export interface SweepBatch {
  orphaned: number;
  retentionEnded: number;
  /** Console drafts left untouched for the orphan window, deleted (their uploads then orphaned in turn). */
  draftsExpired?: number;
}

interface Candidate {
  id: string;
  storage_key: string;
  reason: RemovalReason;
}

export function createDocumentActivities(deps: { db: Db; files?: FileStore; now: () => Date }) {
  return {
    /**
     * At most `limit` of each: uploads older than `orphanAfterMs` that no case
     * or license took (a renewal's are the license's: attached, never orphans),
     * and files of closed cases past their type's retention, counted from the
     * license's expiry for an issued case and from the close otherwise, and
     * an imported license's (no case) from its expiry.
     */
    async sweepDocuments(input: { orphanAfterMs: number; limit: number }): Promise<SweepBatch> {
      const files = deps.files;
      if (!files) throw ApplicationFailure.nonRetryable('this worker was built without a file store', 'Misconfigured');
      const now = deps.now();
      const orphanedBefore = new Date(now.getTime() - input.orphanAfterMs);
      // A draft nobody has touched for the window is given up; it holds no case, only what was typed.
      const expired = await rowsOf<{ id: string }>(deps.db, sql`
        delete from filing_drafts where id in (
          select id from filing_drafts where application_id is null and updated_at < ${orphanedBefore.toISOString()}::timestamptz limit ${input.limit})
        returning id`);
      // An upload a live draft names is still being filed: it waits for the draft.
      const rows = await rowsOf<Candidate>(deps.db, sql`
        (select d.id, d.storage_key, ${RemovalReason.orphaned}::text as reason from documents d
          where d.state = 'uploaded' and d.uploaded_at < ${orphanedBefore.toISOString()}::timestamptz
            and not exists (select 1 from filing_drafts f where f.application_id is null
              and f.data->'body'->'documents' @> jsonb_build_array(jsonb_build_object('documentId', d.id)))
          order by d.uploaded_at limit ${input.limit})
        union all
        (select d.id, d.storage_key, ${RemovalReason.retentionEnded}::text from documents d
          join applications a on a.id = d.application_id
          join document_rules r on r.type = d.type
          left join licenses l on l.application_id = a.id
          where d.state in ('attached', 'superseded') and a.status <> 'in_progress'
            and coalesce(l.expires_on::timestamptz, a.updated_at) + r.retention::interval < ${now.toISOString()}::timestamptz
          order by d.uploaded_at limit ${input.limit})
        union all
        -- An imported license's renewal uploads (no case): kept for their type's retention after the license's expiry, as an issued case's are.
        (select d.id, d.storage_key, ${RemovalReason.retentionEnded}::text from documents d
          join licenses l on l.number = d.license_number
          join document_rules r on r.type = d.type
          where d.application_id is null and d.state in ('attached', 'superseded')
            and l.expires_on::timestamptz + r.retention::interval < ${now.toISOString()}::timestamptz
          order by d.uploaded_at limit ${input.limit})`);
      const runId = Context.current().info.workflowExecution?.workflowId ?? 'document-sweep';
      const done: SweepBatch = { orphaned: 0, retentionEnded: 0, draftsExpired: expired.length };
      for (const c of rows) {
        // The file first: a row marked removed never names bytes still kept.
        await files.remove(c.storage_key);
        await deps.db.execute(sql`
          with d as (
            update documents set state = 'removed', removed_at = ${now.toISOString()}::timestamptz, removal_reason = ${c.reason}::removal_reason
            where id = ${c.id} and state <> 'removed'
            returning id, type, application_id, license_number, office_id)
          insert into audit_log (actor_kind, actor_id, request_id, method, route, operation, target_type, target_id, office_id, status_code, details)
          select 'system', 'document-sweep', ${runId}, 'SCHEDULE', 'document-sweep', 'document.remove', 'document', d.id, d.office_id, 200,
            jsonb_build_object('reason', ${c.reason}::text, 'type', d.type, 'applicationId', d.application_id)
              || case when d.license_number is null then '{}'::jsonb else jsonb_build_object('licenseNumber', d.license_number) end
          from d`);
        if (c.reason === RemovalReason.orphaned) done.orphaned++;
        else done.retentionEnded++;
      }
      return done;
    },
  };
}
