// Every side effect of a case. Each activity is idempotent: the workflow may run
// it again after a crash or a timeout, and the result must be the same rows, the
// same license number and the same SMS as the first time.
import { ApplicationFailure } from '@temporalio/common';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { CompletenessResult, ConditionsResult, IssuedLicense, ReviewRecord } from '../domain/application';
import { checkCompleteness as evaluateCompleteness, checkConditions as evaluateConditions, type RuleSet } from '../domain/rules';
import { renderSms } from '../domain/sms';
import { SMS_EVENTS, type Agency, type CaseEvent, type LicenseKind } from '../domain/status';
import type { Db } from '../db/client';
import { loadRules } from '../db/rules';
import { agencyChecks, applicationEvents, applications, licenses, reviews, smsOutbox } from '../db/schema';
import { AgencyRequestError, type AgencyAnswer, type AgencyClient } from '../integrations/agencies';
import type { CaseState } from '../workflows/application/contract';

export interface ActivityDeps {
  db: Db;
  agencies: Record<Agency, AgencyClient>;
  licenseNumberPrefix: string;
  /** How long loaded rules are reused; edits to the rules tables show up after this. */
  rulesCacheMs?: number;
  now?: () => Date;
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
  state: Omit<CaseState, 'reviews'>;
}

const RIYADH_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Riyadh' });

/** Calendar date in the municipality's time zone: licenses are dated locally. */
export function riyadhDate(d: Date): string {
  return RIYADH_DATE.format(d);
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

  function rules(): Promise<RuleSet> {
    const t = Date.now();
    if (!rulesCache || t - rulesCache.at > rulesCacheMs) {
      const loading = loadRules(db);
      loading.catch(() => (rulesCache = undefined));
      rulesCache = { at: t, rules: loading };
    }
    return rulesCache.rules;
  }

  return {
    /**
     * Writes one state change: the timeline row, the projection, the review or
     * agency row it carries, and the applicant's SMS into the outbox, all in one
     * transaction. The timeline row's (application, seq) key makes a retry a no-op.
     */
    async recordTransition(t: Transition): Promise<void> {
      const s = t.state;
      await db.transaction(async (tx) => {
        const inserted = await tx
          .insert(applicationEvents)
          .values({
            applicationId: s.applicationId,
            seq: t.seq,
            event: t.event,
            stage: s.stage,
            status: s.status,
            actor: t.actor ?? 'system',
            details: t.details ?? {},
            at: new Date(t.at),
          })
          .onConflictDoNothing()
          .returning({ id: applicationEvents.id });
        if (inserted.length === 0) return;

        const [row] = await tx
          .update(applications)
          .set({
            stage: s.stage,
            status: s.status,
            exclusionReason: s.exclusionReason ?? null,
            waitingOn: s.waitingOn,
            round: s.round,
            deficiencies: s.deficiencies,
            agencies: s.agencies,
            healthReviewRequired: s.healthReviewRequired ?? null,
            correctionDueAt: s.correctionDueAt ? new Date(s.correctionDueAt) : null,
            holdDueAt: s.holdDueAt ? new Date(s.holdDueAt) : null,
            licenseNumber: s.license?.number ?? null,
            data: s.data,
            applicantMobile: s.data.applicant.mobile,
            applicantName: s.data.applicant.name,
            tradeName: s.data.establishment.tradeName,
            isicCode: s.data.establishment.isicCode,
            district: s.data.establishment.district,
            transitionSeq: t.seq,
            updatedAt: new Date(t.at),
            closedAt: s.status === 'in_progress' ? null : new Date(t.at),
          })
          .where(and(eq(applications.id, s.applicationId), lt(applications.transitionSeq, t.seq)))
          .returning({ id: applications.id });

        if (t.review) {
          const r = t.review;
          await tx
            .insert(reviews)
            .values({
              applicationId: s.applicationId,
              round: r.round,
              kind: r.kind,
              decision: r.decision,
              reviewerId: r.reviewer.id,
              reviewerRole: r.reviewer.role,
              reasons: r.reasons ?? [],
              comment: r.comment ?? null,
              deficiencies: r.deficiencies ?? [],
              decidedAt: new Date(r.decidedAt),
            })
            .onConflictDoNothing();
        }
        if (t.agency) {
          const a = s.agencies[t.agency];
          if (a) {
            const values = {
              state: a.state,
              reference: a.reference ?? null,
              reasons: a.reasons ?? [],
              lastError: a.lastError ?? null,
              checkedAt: new Date(a.checkedAt ?? t.at),
            };
            await tx
              .insert(agencyChecks)
              .values({ applicationId: s.applicationId, agency: t.agency, ...values })
              .onConflictDoUpdate({ target: [agencyChecks.applicationId, agencyChecks.agency], set: values });
          }
        }
        if (SMS_EVENTS.has(t.event)) {
          const sms = renderSms(t.event, {
            applicationId: s.applicationId,
            tradeName: s.data.establishment.tradeName,
            licenseNumber: s.license?.number,
            expiresOn: s.license?.expiresOn,
            deficiencyCount: s.deficiencies.length,
            dueDate: s.correctionDueAt ? riyadhDate(new Date(s.correctionDueAt)) : undefined,
          });
          if (sms) {
            await tx
              .insert(smsOutbox)
              .values({
                applicationId: s.applicationId,
                dedupeKey: `${s.applicationId}:${t.seq}`,
                event: t.event,
                mobile: s.data.applicant.mobile,
                bodyAr: sms.ar,
                bodyEn: sms.en,
              })
              .onConflictDoNothing();
          }
        }
        // A projection row that is missing means the API never stored the case: fail loudly.
        if (row === undefined) {
          const [exists] = await tx.select({ id: applications.id }).from(applications).where(eq(applications.id, s.applicationId));
          if (!exists) {
            throw ApplicationFailure.nonRetryable(`application ${s.applicationId} has no row`, 'MissingApplicationRow');
          }
        }
      });
    },

    async checkCompleteness(data: CaseState['data']): Promise<CompletenessResult> {
      return evaluateCompleteness(await rules(), data, riyadhDate(now()));
    },

    async checkConditions(data: CaseState['data']): Promise<ConditionsResult> {
      return evaluateConditions(await rules(), data);
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
      return db.transaction(async (tx) => {
        const existing = await tx.select().from(licenses).where(eq(licenses.applicationId, input.applicationId));
        if (existing[0]) return { number: existing[0].number, issuedOn: existing[0].issuedOn, expiresOn: existing[0].expiresOn };
        const [app] = await tx.select().from(applications).where(eq(applications.id, input.applicationId));
        if (!app) throw ApplicationFailure.nonRetryable(`application ${input.applicationId} has no row`, 'MissingApplicationRow');
        const today = riyadhDate(now());
        // Both drivers (pg and PGlite) answer raw SQL with { rows }.
        const seqResult = (await tx.execute(sql`select nextval('license_number_seq') as n`)) as unknown as { rows: { n: string }[] };
        const n = seqResult.rows[0]?.n;
        if (!n) throw new Error('license_number_seq returned no value');
        const number = `${deps.licenseNumberPrefix}-${today.slice(0, 4)}-${String(n).padStart(6, '0')}`;
        await tx
          .insert(licenses)
          .values({
            number,
            applicationId: input.applicationId,
            licenseKind: input.licenseKind,
            crNumber: app.crNumber,
            tradeName: app.tradeName,
            holderNationalId: app.applicantNationalId,
            isicCode: app.isicCode,
            issuedOn: today,
            expiresOn: addMonths(today, input.termMonths),
          })
          .onConflictDoNothing({ target: licenses.applicationId });
        const [row] = await tx.select().from(licenses).where(eq(licenses.applicationId, input.applicationId));
        return { number: row!.number, issuedOn: row!.issuedOn, expiresOn: row!.expiresOn };
      });
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
