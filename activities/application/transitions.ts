// Writes case transitions with group commit. Every step of every case is a
// transition, and each used to be its own statement: a round trip, a commit
// and a WAL flush. Transitions that arrive while a write is in flight wait and
// go together in the next one: one statement, one commit, whatever the number
// of cases. Under light load a batch is one transition, as before.
//
// The statement keeps every guarantee of the single write: the timeline row's
// (application, seq) key makes a retried transition write nothing, the
// projection moves only forward (transition_seq), and the review and SMS rows
// are written only with a fresh timeline row.
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'drizzle-orm';
import type { Role } from '../../domain/access';
import type { ReviewRecord } from '../../domain/application';
import { riyadhDate, riyadhDateTime } from '../../domain/calendar';
import type { CaseState } from '../../domain/case';
import { renderSms } from '../../domain/sms';
import { formatSar } from '../../domain/payments';
import { SMS_EVENTS, type Agency, type CaseEvent, type TaskKind } from '../../domain/status';
import { executeNamed, type Db } from '../../db/client';
import { GroupCommit } from '../../db/group-commit';

/** What a transition does to the case's tasks (the inbox's read model). */
export interface TaskChanges {
  /** A license's task may name the office whose inbox takes it (a renewal's review); a case's is its case's office's. */
  open?: { id: string; kind: TaskKind; requiredRole: Role; round: number; dueAt: string; officeId?: string }[];
  close?: { id: string; status: 'completed' | 'cancelled'; decision?: string; reasons?: string[]; comment?: string }[];
  /** A task's due time moved (a deadline extended). */
  due?: { id: string; dueAt: string };
  /** A task past its SLA: its priority goes up to this. */
  escalate?: { id: string; priority: number };
  /** A claim (assignee) or a release (null). */
  assign?: { id: string; assignee: string | null };
  /** The case moved to this office: its open tasks go back to that office's inbox. */
  retarget?: string;
}

/** One state change of a case, as the workflow saw it. */
export interface Transition {
  /** The workflow's own counter: (application, seq) identifies the change across retries. */
  seq: number;
  event: CaseEvent;
  at: string;
  actor?: string;
  details?: Record<string, unknown>;
  review?: ReviewRecord;
  agency?: Agency;
  tasks?: TaskChanges;
  /** False for changes that touch only tasks (claims): the case's projection row is left as it is. */
  touchesCase?: boolean;
  /**
   * The case as the workflow sees it. `data` (the application itself, a few KB)
   * is sent only when it changed (submission, a correction); `contact` with
   * the events that send an SMS.
   */
  state: Omit<CaseState, 'reviews' | 'data' | 'tasks' | 'correctedBy' | 'filedBy' | 'overdueTasks'> & { data?: CaseState['data']; overdue?: boolean };
  contact?: { mobile: string; tradeName: string };
}

/** One transition as the batch statement reads it (jsonb_to_recordset columns). */
export interface TransitionRow {
  application_id: string;
  seq: number;
  event: string;
  stage: string;
  status: string;
  actor: string;
  details: Record<string, unknown>;
  at: string;
  exclusion_reason: string | null;
  waiting_on: string[];
  round: number;
  deficiencies: unknown[];
  agencies: Record<string, unknown>;
  health_review_required: boolean | null;
  correction_due_at: string | null;
  hold_due_at: string | null;
  license_number: string | null;
  overdue: boolean;
  visit: unknown | null;
  touches_case: boolean;
  /** The application, only when this transition changed it; the columns below go with it. */
  data: unknown | null;
  applicant_mobile: string | null;
  applicant_name: string | null;
  trade_name: string | null;
  isic_code: string | null;
  district: string | null;
  office_id: string | null;
  review: ReviewRecord | null;
  tasks: TaskChanges | null;
  sms_mobile: string | null;
  sms_ar: string | null;
  sms_en: string | null;
}

const STATEMENT = (rows: string) => sql`
  with input as (
    select * from jsonb_to_recordset(${rows}::jsonb) as x(
      application_id text, seq int, event case_event, stage stage, status status, actor text, details jsonb, at timestamptz,
      exclusion_reason exclusion_reason, waiting_on text[], round int, deficiencies jsonb, agencies jsonb,
      health_review_required boolean, correction_due_at timestamptz, hold_due_at timestamptz, license_number text, overdue boolean, visit jsonb, touches_case boolean,
      data jsonb, applicant_mobile text, applicant_name text, trade_name text, isic_code text, district text, office_id text,
      review jsonb, tasks jsonb, sms_mobile text, sms_ar text, sms_en text)
  ), ev as (
    insert into application_events (application_id, seq, event, stage, status, actor, details, at)
    select application_id, seq, event, stage, status, actor, details, at from input
    on conflict (application_id, seq) do nothing
    returning application_id, seq
  ), fresh as (
    select i.* from input i join ev on ev.application_id = i.application_id and ev.seq = i.seq
  ), app as (
    update applications a set
      stage = f.stage, status = f.status, exclusion_reason = f.exclusion_reason, waiting_on = f.waiting_on, round = f.round,
      deficiencies = f.deficiencies, agencies = f.agencies, health_review_required = f.health_review_required,
      correction_due_at = f.correction_due_at, hold_due_at = f.hold_due_at, license_number = f.license_number,
      overdue = f.overdue, visit = f.visit,
      data = coalesce(f.data, a.data),
      applicant_mobile = coalesce(f.applicant_mobile, a.applicant_mobile), applicant_name = coalesce(f.applicant_name, a.applicant_name),
      trade_name = coalesce(f.trade_name, a.trade_name), isic_code = coalesce(f.isic_code, a.isic_code),
      district = coalesce(f.district, a.district),
      office_id = case when f.data is null then a.office_id else f.office_id end,
      transition_seq = f.seq, updated_at = f.at,
      closed_at = case when f.status = 'in_progress' then null else f.at end
    from fresh f
    where a.id = f.application_id and a.transition_seq < f.seq and f.touches_case
  ), rv as (
    insert into reviews (application_id, round, kind, decision, reviewer_id, reviewer_role, reasons, comment, deficiencies, decided_at)
    select f.application_id, (f.review->>'round')::int, (f.review->>'kind')::review_kind, (f.review->>'decision')::review_decision,
           f.review->'reviewer'->>'id', (f.review->'reviewer'->>'role')::reviewer_role,
           array(select jsonb_array_elements_text(coalesce(f.review->'reasons', '[]'::jsonb))),
           f.review->>'comment', coalesce(f.review->'deficiencies', '[]'::jsonb), (f.review->>'decidedAt')::timestamptz
    from fresh f where f.review is not null
    on conflict (application_id, round, kind) do nothing
  ), task_open as (
    insert into tasks (id, application_id, kind, required_role, office_id, status, round, created_at, due_at, license_kind, trade_name, cr_number, seq)
    select t->>'id', f.application_id, (t->>'kind')::task_kind, (t->>'requiredRole')::role,
           coalesce(case when f.data is null then null else f.office_id end, a.office_id), 'open', (t->>'round')::int, f.at,
           (t->>'dueAt')::timestamptz, a.license_kind, coalesce(f.trade_name, a.trade_name), a.cr_number, f.seq
    from fresh f cross join lateral jsonb_array_elements(coalesce(f.tasks->'open', '[]'::jsonb)) t
    join applications a on a.id = f.application_id
    on conflict (id) do nothing
  ), task_close as (
    update tasks k set status = (c->>'status')::task_status, decided_at = f.at, decision = c->>'decision',
      reasons = array(select jsonb_array_elements_text(coalesce(c->'reasons', '[]'::jsonb))), comment = c->>'comment', seq = f.seq
    from fresh f cross join lateral jsonb_array_elements(coalesce(f.tasks->'close', '[]'::jsonb)) c
    where k.id = c->>'id' and k.status in ('open', 'claimed')
  ), task_assign as (
    update tasks k set assignee = f.tasks->'assign'->>'assignee',
      status = case when f.tasks->'assign'->>'assignee' is null then 'open'::task_status else 'claimed'::task_status end,
      claimed_at = case when f.tasks->'assign'->>'assignee' is null then null else f.at end, seq = f.seq
    from fresh f
    where f.tasks ? 'assign' and k.id = f.tasks->'assign'->>'id' and k.status in ('open', 'claimed') and k.seq < f.seq
  ), task_due as (
    update tasks k set due_at = (f.tasks->'due'->>'dueAt')::timestamptz, seq = f.seq
    from fresh f
    where f.tasks ? 'due' and k.id = f.tasks->'due'->>'id' and k.status in ('open', 'claimed') and k.seq < f.seq
  ), task_escalate as (
    update tasks k set priority = greatest(k.priority, (f.tasks->'escalate'->>'priority')::int), seq = f.seq
    from fresh f
    where f.tasks ? 'escalate' and k.id = f.tasks->'escalate'->>'id' and k.status in ('open', 'claimed') and k.seq < f.seq
  ), task_retarget as (
    update tasks k set office_id = f.tasks->>'retarget', assignee = null, status = 'open', claimed_at = null, seq = f.seq
    from fresh f
    where f.tasks ? 'retarget' and k.application_id = f.application_id and k.status in ('open', 'claimed') and k.seq < f.seq
  ), sms as (
    insert into sms_outbox (application_id, dedupe_key, event, mobile, body_ar, body_en)
    select f.application_id, f.application_id || ':' || f.seq, f.event, f.sms_mobile, f.sms_ar, f.sms_en
    from fresh f where f.sms_ar is not null
    on conflict (dedupe_key) do nothing
  )
  select 1`;

function isMissingRow(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return e.code === '23503' || e.cause?.code === '23503';
}

/** Writes transitions with group commit, one per case per batch so each case's commit in order. */
export function transitionWriter(db: Db): GroupCommit<TransitionRow> {
  return new GroupCommit<TransitionRow>({
    keyOf: (row) => row.application_id,
    flush: async (rows) => {
      try {
        await executeNamed(db, 'record_transitions', STATEMENT(JSON.stringify(rows)));
      } catch (err) {
        // The timeline row's foreign key: the API never stored this case, and retrying will not store it.
        if (rows.length === 1 && isMissingRow(err)) {
          throw ApplicationFailure.nonRetryable(`application ${rows[0]!.application_id} has no row`, 'MissingApplicationRow');
        }
        throw err;
      }
    },
  });
}

/** The row the batch statement reads for one transition, with its SMS already rendered. */
export function transitionRow(t: Transition, sms: { ar: string; en: string } | undefined): TransitionRow {
  const s = t.state;
  const d = s.data;
  return {
    application_id: s.applicationId,
    seq: t.seq,
    event: t.event,
    stage: s.stage,
    status: s.status,
    actor: t.actor ?? 'system',
    details: t.details ?? {},
    at: t.at,
    exclusion_reason: s.exclusionReason ?? null,
    waiting_on: s.waitingOn,
    round: s.round,
    deficiencies: s.deficiencies,
    agencies: s.agencies,
    health_review_required: s.healthReviewRequired ?? null,
    correction_due_at: s.correctionDueAt ?? null,
    hold_due_at: s.holdDueAt ?? null,
    license_number: s.license?.number ?? null,
    overdue: s.overdue ?? false,
    visit: s.visit ?? null,
    touches_case: t.touchesCase ?? true,
    data: d ?? null,
    applicant_mobile: d?.applicant.mobile ?? null,
    applicant_name: d?.applicant.name ?? null,
    trade_name: d?.establishment.tradeName ?? null,
    isic_code: d?.establishment.isicCode ?? null,
    district: d?.establishment.district ?? null,
    office_id: d?.officeId ?? null,
    review: t.review ?? null,
    tasks: t.tasks ?? null,
    sms_mobile: sms && t.contact ? t.contact.mobile : null,
    sms_ar: sms?.ar ?? null,
    sms_en: sms?.en ?? null,
  };
}

/** Where the console shows a case: `<public URL>/console/applications/<id>`; unset, messages carry no link. */
export const caseUrlFor = (consoleBase: string | undefined, applicationId: string) =>
  consoleBase ? `${consoleBase.replace(/\/$/, '')}/console/applications/${applicationId}` : undefined;

export function createTransitionActivities(db: Db, consoleBase?: string) {
  const transitions = transitionWriter(db);
  return {
    /**
     * Writes one state change: the timeline row, the projection, the review row
     * it carries, and the applicant's SMS into the outbox. It is one SQL
     * statement (data-modifying CTEs), so it is atomic without a transaction,
     * shared with the other cases' transitions of the moment. Every write hangs
     * off the timeline insert, whose (application, seq) key makes a retry a no-op.
     */
    async recordTransition(t: Transition): Promise<void> {
      const s = t.state;
      const sms = SMS_EVENTS.has(t.event) && t.contact
        ? renderSms(t.event, {
            applicationId: s.applicationId,
            tradeName: t.contact.tradeName,
            licenseNumber: s.license?.number,
            expiresOn: s.license?.expiresOn,
            deficiencyCount: s.deficiencies.length,
            dueDate: s.correctionDueAt ? riyadhDate(new Date(s.correctionDueAt)) : undefined,
            visitAt: s.visit?.slot ? riyadhDateTime(new Date(s.visit.slot)) : undefined,
            caseUrl: caseUrlFor(consoleBase, s.applicationId),
            ...(s.invoice
              ? { amount: formatSar(s.invoice.amountHalalas), billNumber: s.invoice.billNumber, invoiceDue: riyadhDate(new Date(s.invoice.dueAt)), receiptNumber: s.invoice.receiptNumber }
              : {}),
            exclusionReason: s.exclusionReason,
          })
        : undefined;
      await transitions.write(transitionRow(t, sms));
    },
  };
}
