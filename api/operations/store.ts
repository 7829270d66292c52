// The operations console's SQL over the read model: which open cases are
// stuck and why, a case's progress and projection, its open tasks, and closing
// a terminated case. Each method is one statement and answers in rows; what a
// missing row means is the service's to say. (The SMS outbox's statements live
// with the outbox, in integrations/sms/outbox.ts.)
import { sql } from 'drizzle-orm';
import type { StuckReason } from '../../domain/operations';
import { rowsOf, type Db } from '../../db/client';

/** An open case that has not changed for a while, and why (domain/operations.ts StuckReason, decided in SQL below). */
export interface StuckCaseRow {
  id: string;
  reason: StuckReason;
  stage: string;
  waiting_on: string[];
  office_id: string | null;
  license_kind: string;
  since: Date;
}

export interface StuckCaseFilter {
  /** Unchanged for longer than this. */
  ageSeconds: number;
  /** Cases whose workflow Temporal has closed: they are `inconsistent`. */
  closedIds: readonly string[];
  reason?: StuckReason;
  officeId?: string;
  licenseKind?: string;
  agency?: string;
  /** Only these cases (a bulk repair's confirmed list): the filter still decides whether each is stuck. */
  ids?: readonly string[];
  limit: number;
}

/** A PostgreSQL text[] literal of ids (JSON's quoting is the array syntax's for these characters). */
const textArray = (ids: readonly string[]) => `{${ids.map((id) => JSON.stringify(id)).join(',')}}`;

/** How far a case has gone: its status and the sequence number of its last transition. */
export interface CaseProgress {
  status: string;
  seq: number;
}

export interface CaseProjectionRow {
  id: string;
  status: string;
  stage: string;
  waiting_on: string[];
  agencies: unknown;
  overdue: boolean;
  updated_at: Date;
}

export interface OpenTaskRow {
  id: string;
  kind: string;
  status: string;
  assignee: string | null;
  due_at: Date;
}

export class OperationsStore {
  constructor(private readonly db: Db) {}

  /** Open cases unchanged for longer than the filter's age that have a reason to be stuck, oldest first. */
  async stuckCases(f: StuckCaseFilter): Promise<StuckCaseRow[]> {
    const closedIds = textArray(f.closedIds);
    return rowsOf<StuckCaseRow>(this.db, sql`
      with open_cases as (
        select a.*, case
            when a.id = any(${closedIds}::text[]) then 'inconsistent'
            when a.overdue or (a.stage = 'awaiting_correction' and a.correction_due_at < now()) then 'waiting_on_person'
            when a.stage in ('agency_linkage', 'on_hold') then 'waiting_on_agency'
            when a.stage = 'awaiting_payment' and 'payment' = any(a.waiting_on) then 'waiting_on_payment'
            when cardinality(a.waiting_on) = 0 then 'not_moving'
          end as reason
        from applications a
        where a.status = 'in_progress' and a.updated_at < now() - make_interval(secs => ${f.ageSeconds})
      )
      select id, reason, stage::text as stage, waiting_on, office_id, license_kind::text as license_kind, updated_at as since
      from open_cases
      where reason is not null
        ${f.reason ? sql`and reason = ${f.reason}` : sql``}
        ${f.officeId ? sql`and office_id = ${f.officeId}` : sql``}
        ${f.licenseKind ? sql`and license_kind = ${f.licenseKind}::license_kind` : sql``}
        ${f.agency ? sql`and ${f.agency} = any(waiting_on)` : sql``}
        ${f.ids ? sql`and id = any(${textArray(f.ids)}::text[])` : sql``}
      order by updated_at
      limit ${f.limit}`);
  }

  /** The case's status and last transition, if there is such a case. */
  async progress(id: string): Promise<CaseProgress | undefined> {
    const [row] = await rowsOf<CaseProgress>(this.db, sql`select status::text as status, transition_seq as seq from applications where id = ${id}`);
    return row;
  }

  /** The case as the read model shows it, if there is such a case. */
  async projection(id: string): Promise<CaseProjectionRow | undefined> {
    const [row] = await rowsOf<CaseProjectionRow>(this.db, sql`
      select id, status::text as status, stage::text as stage, waiting_on, agencies, overdue, updated_at from applications where id = ${id}`);
    return row;
  }

  /** The case's tasks still open or claimed, by id. */
  async openTasks(id: string): Promise<OpenTaskRow[]> {
    return rowsOf<OpenTaskRow>(this.db, sql`
      select id, kind::text as kind, status::text as status, assignee, due_at from tasks
      where application_id = ${id} and status in ('open', 'claimed') order by id`);
  }

  /**
   * Closes a terminated case in the read model, in one statement: the timeline
   * row (after the workflow's last), the projection, and its open tasks.
   */
  async closeTerminated(id: string, lastSeq: number, by: string, reason: string): Promise<void> {
    await this.db.execute(sql`
      with ev as (
        insert into application_events (application_id, seq, event, stage, status, actor, details, at)
        values (${id}, ${lastSeq + 1}, 'cancelled', 'closed', 'cancelled', ${by}, ${JSON.stringify({ terminated: true, reason })}::jsonb, now())
        on conflict (application_id, seq) do nothing
        returning 1
      ), app as (
        update applications set status = 'cancelled', stage = 'closed', waiting_on = '{}', transition_seq = ${lastSeq + 1},
          updated_at = now(), closed_at = now()
        where id = ${id} and status = 'in_progress'
      )
      update tasks set status = 'cancelled', decided_at = now()
      where application_id = ${id} and status in ('open', 'claimed')`);
  }
}
