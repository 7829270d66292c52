// Every side effect of a case. Each activity is idempotent: the workflow may run
// it again after a crash or a timeout, and the result must be the same rows, the
// same license number and the same SMS as the first time.
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'drizzle-orm';
import type { CompletenessResult, ConditionsResult, IssuedLicense, ReviewRecord } from '../domain/application';
import { checkCompleteness as evaluateCompleteness, checkConditions as evaluateConditions, type RuleSet } from '../domain/rules';
import { renderSms } from '../domain/sms';
import { SMS_EVENTS, TaskKind, type Agency, type CaseEvent, type LicenseKind } from '../domain/status';
import type { Role } from '../domain/access';
import { executeNamed, type Db } from '../db/client';
import { loadRules } from '../db/rules';
import { AgencyRequestError, type AgencyAnswer, type AgencyClient } from '../integrations/agencies';
import type { CaseState } from '../workflows/application/contract';
import { createOfficeActivities } from './offices';
import { createSlaActivities, type TaskSchedule } from './sla';
import { riyadhDate, riyadhDateTime, SUNDAY_TO_THURSDAY } from '../domain/calendar';
import { transitionRow, transitionWriter } from './transitions';

export type { OfficeTransition } from './offices';

export interface ActivityDeps {
  db: Db;
  agencies: Record<Agency, AgencyClient>;
  licenseNumberPrefix: string;
  /** Working days of the week for SLAs (0 = Sunday); Sunday to Thursday unless told. */
  workDays?: ReadonlySet<number>;
  /** How long loaded rules are reused; edits to the rules tables show up after this. */
  rulesCacheMs?: number;
  now?: () => Date;
}

/** What a transition does to the case's tasks (the inbox's read model). */
export interface TaskChanges {
  open?: { id: string; kind: TaskKind; requiredRole: Role; round: number; dueAt: string }[];
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

export function addMonths(isoDate: string, months: number): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, lastDay));
  return target.toISOString().slice(0, 10);
}

export function createActivities(deps: ActivityDeps) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const rulesCacheMs = deps.rulesCacheMs ?? 10_000;
  let rulesCache: { at: number; rules: Promise<RuleSet> } | undefined;
  const transitions = transitionWriter(db);

  function rules(): Promise<RuleSet> {
    const t = Date.now();
    if (!rulesCache || t - rulesCache.at > rulesCacheMs) {
      const loading = loadRules(db);
      loading.catch(() => (rulesCache = undefined));
      rulesCache = { at: t, rules: loading };
    }
    return rulesCache.rules;
  }

  const sla = createSlaActivities(db, deps.workDays ?? SUNDAY_TO_THURSDAY, rulesCacheMs);

  return {
    ...createOfficeActivities(db),
    ...sla,

    /**
     * Writes one state change: the timeline row, the projection, the review row
     * it carries, and the applicant's SMS into the outbox. It is one SQL
     * statement (data-modifying CTEs), so it is atomic without a transaction,
     * shared with the other cases' transitions of the moment (see
     * transitions.ts). Every write hangs off the timeline insert, whose
     * (application, seq) key makes a retry a no-op.
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
          })
        : undefined;
      await transitions.write(transitionRow(t, sms));
    },

    async checkCompleteness(data: CaseState['data']): Promise<CompletenessResult> {
      return evaluateCompleteness(await rules(), data, riyadhDate(now()));
    },

    /**
     * With `scheduleFrom`, a case that meets the conditions also gets the due
     * and reminder times of the reviews it opens next: one local activity
     * instead of two on every case's way into review.
     */
    async checkConditions(data: CaseState['data'], opts?: { scheduleFrom: string }): Promise<ConditionsResult & { schedules?: Record<string, TaskSchedule> }> {
      const result = evaluateConditions(await rules(), data);
      if (!opts || !result.met) return result;
      const schedules = await sla.taskSchedules({ kinds: [TaskKind.healthReview, TaskKind.technicalReview], from: opts.scheduleFrom });
      return { ...result, schedules };
    },

    /** Throws AgencyUnavailableError (retried by Temporal) when the agency does not answer. */
    async checkAgency(agency: Agency, crNumber: string): Promise<AgencyAnswer & { checkedAt: string }> {
      try {
        const answer = await deps.agencies[agency].check(crNumber);
        return { ...answer, checkedAt: now().toISOString() };
      } catch (err) {
        if (err instanceof AgencyRequestError) throw ApplicationFailure.nonRetryable(err.message, err.name);
        throw err;
      }
    },

    /**
     * Issues the case's license, or returns the one already issued: the unique
     * index on application_id means a retry can never draw a second number.
     */
    async issueLicense(input: { applicationId: string; licenseKind: LicenseKind; termMonths: number }): Promise<IssuedLicense> {
      const today = riyadhDate(now());
      const expires = addMonths(today, input.termMonths);
      const prefix = `${deps.licenseNumberPrefix}-${today.slice(0, 4)}-`;
      // One round trip: return the existing license, or draw a number and insert it.
      const statement = sql`
        with existing as (
          select number, issued_on::text as issued_on, expires_on::text as expires_on from licenses where application_id = ${input.applicationId}
        ), created as (
          insert into licenses (number, application_id, license_kind, cr_number, trade_name, holder_national_id, isic_code, issued_on, expires_on)
          select ${prefix} || lpad(nextval('license_number_seq')::text, 6, '0'), a.id, ${input.licenseKind}, a.cr_number, a.trade_name,
                 a.applicant_national_id, a.isic_code, ${today}::date, ${expires}::date
          from applications a
          where a.id = ${input.applicationId} and not exists (select 1 from existing)
          on conflict (application_id) do nothing
          returning number, issued_on::text as issued_on, expires_on::text as expires_on
        )
        select * from existing union all select * from created`;
      type Row = { number: string; issued_on: string; expires_on: string };
      let rows = await executeNamed<Row>(db, 'issue_license', statement);
      // A concurrent attempt inserted first: its row is committed now, read it.
      if (rows.length === 0) rows = await executeNamed<Row>(db, 'issue_license', statement);
      const row = rows[0];
      if (!row) throw ApplicationFailure.nonRetryable(`application ${input.applicationId} has no row`, 'MissingApplicationRow');
      return { number: row.number, issuedOn: row.issued_on, expiresOn: row.expires_on };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
