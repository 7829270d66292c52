// The applications' SQL: filing a case (office chosen, idempotency key
// claimed and row inserted in one statement), the case view clients poll, and
// the list. The service decides what a missing row means for the caller.
import { and, asc, desc, eq, inArray, isNull, lt, or, sql, TransactionRollbackError, type SQL } from 'drizzle-orm';
import type { CaseScope } from '../../domain/access';
import type { ApplicationData, Applicant } from '../../domain/application';
import { DocumentState, type Stage, type Status, type LicenseKind, type WaitingOn } from '../../domain/status';
import { executeNamed, rowsOf, type Db } from '../../db/client';
import { applicationEvents, applications, documents, idempotencyKeys, offices, reviews } from '../../db/schema';

export type ApplicationRow = typeof applications.$inferSelect;

/** What a list row shows: the list reads only these columns, not the application's data or the case's details. */
const SUMMARY_COLUMNS = {
  id: applications.id,
  status: applications.status,
  stage: applications.stage,
  exclusionReason: applications.exclusionReason,
  waitingOn: applications.waitingOn,
  licenseKind: applications.licenseKind,
  tradeName: applications.tradeName,
  crNumber: applications.crNumber,
  isicCode: applications.isicCode,
  officeId: applications.officeId,
  licenseNumber: applications.licenseNumber,
  submittedAt: applications.submittedAt,
  updatedAt: applications.updatedAt,
};
export type CaseSummaryRow = Pick<ApplicationRow, keyof typeof SUMMARY_COLUMNS>;

/** The list's filters, each ANDed with the caller's scope. */
export interface CaseFilter {
  status?: Status;
  stage?: Stage;
  licenseKind?: LicenseKind;
  officeId?: string;
  crNumber?: string;
  waitingOn?: WaitingOn;
}

/** The cases a caller may see, as a condition on the applications table. */
function scopeCondition(scope: CaseScope): SQL | undefined {
  if ('all' in scope) return undefined;
  if ('officeId' in scope) return eq(applications.officeId, scope.officeId);
  if ('nationalId' in scope) return eq(applications.applicantNationalId, scope.nationalId);
  return sql`false`;
}

export class ApplicationStore {
  /**
   * The read clients poll: one statement (drizzle's relational query), built
   * once and prepared, so a poll costs one round trip and no query building.
   */
  private readonly caseViewQuery;

  constructor(private readonly db: Db) {
    this.caseViewQuery = db.query.applications
      .findFirst({
        where: eq(applications.id, sql.placeholder('id')),
        with: {
          events: { orderBy: asc(applicationEvents.seq) },
          reviews: { orderBy: asc(reviews.decidedAt) },
          licenses: true,
        },
      })
      .prepare('case_view');
  }

  /** A case with its timeline, reviews and license. */
  caseView(id: string) {
    return this.caseViewQuery.execute({ id });
  }

  /**
   * Files a case in one statement: choose the office, claim the idempotency key
   * (if any) and insert the row. The office is the one named if it is
   * accredited, else the accredited office with the least open work (ties: the
   * longest accredited). Nothing is inserted (undefined) when no office takes
   * it, or when a retry or a concurrent twin already claimed the key.
   */
  async insertCase(c: {
    id: string;
    data: Omit<ApplicationData, 'officeId'>;
    applicant: Applicant;
    at: Date;
    office: string | undefined;
    idempotency: { key: string; requestHash: string } | undefined;
    /** Uploads the case names: claimed for it with the insert, or nothing is inserted. */
    documentIds?: string[];
  }): Promise<{ officeId: string } | undefined | 'documents_taken'> {
    const office = c.office
      ? sql`select id from offices where id = ${c.office} and status = 'accredited'`
      : sql`select o.id from offices o where o.status = 'accredited'
            order by (select count(*) from applications a where a.office_id = o.id and a.status = 'in_progress'), o.accredited_at nulls last, o.id
            limit 1`;
    const { data, applicant } = c;
    const values = sql`${c.id}, ${data.licenseKind}, o.id, ${applicant.nationalId}, ${applicant.name},
      ${applicant.mobile}, ${data.establishment.crNumber}, ${data.establishment.tradeName}, ${data.establishment.isicCode},
      ${data.establishment.district}, jsonb_set(${JSON.stringify(data)}::jsonb, '{officeId}', to_jsonb(o.id)), ${c.at}, ${c.at}`;
    const columns = sql`(id, license_kind, office_id, applicant_national_id, applicant_name, applicant_mobile, cr_number,
      trade_name, isic_code, district, data, submitted_at, updated_at)`;
    const statement = c.idempotency
      ? sql`with o as (${office}), k as (
              insert into idempotency_keys (key, request_hash, application_id)
              select ${c.idempotency.key}, ${c.idempotency.requestHash}, ${c.id} from o
              on conflict do nothing returning 1)
            insert into applications ${columns} select ${values} from o, k returning office_id`
      : sql`with o as (${office}) insert into applications ${columns} select ${values} from o returning office_id`;
    const ids = c.documentIds ?? [];
    if (ids.length === 0) {
      const [inserted] = await executeNamed<{ office_id: string }>(this.db, 'submit', statement);
      return inserted && { officeId: inserted.office_id };
    }
    // With uploads: the case and its claim on them commit together, or neither does.
    try {
      return await this.db.transaction(async (tx) => {
        const [inserted] = await rowsOf<{ office_id: string }>(tx as unknown as Db, statement);
        if (!inserted) return undefined;
        const claimed = await tx
          .update(documents)
          .set({ state: DocumentState.attached, applicationId: c.id, attachedAt: c.at })
          .where(and(inArray(documents.id, ids), eq(documents.state, DocumentState.uploaded), isNull(documents.applicationId)))
          .returning({ id: documents.id });
        if (claimed.length < ids.length) tx.rollback();
        return { officeId: inserted.office_id };
      });
    } catch (err) {
      if (err instanceof TransactionRollbackError) return 'documents_taken';
      throw err;
    }
  }

  /** The case an idempotency key was first used for, and the hash of that request's body. */
  async byIdempotencyKey(key: string): Promise<{ app: ApplicationRow; requestHash: string } | undefined> {
    const [hit] = await this.db
      .select({ app: applications, requestHash: idempotencyKeys.requestHash })
      .from(idempotencyKeys)
      .innerJoin(applications, eq(applications.id, idempotencyKeys.applicationId))
      .where(eq(idempotencyKeys.key, key));
    return hit;
  }

  async officeStatus(id: string) {
    const [o] = await this.db.select({ status: offices.status }).from(offices).where(eq(offices.id, id));
    return o?.status;
  }

  /** Only what scope and state need: this runs before every decision and correction. */
  async access(id: string) {
    const [row] = await this.db
      .select({ id: applications.id, status: applications.status, officeId: applications.officeId, applicantNationalId: applications.applicantNationalId })
      .from(applications)
      .where(eq(applications.id, id));
    return row;
  }

  /** Newest filed first (the id breaking ties), after `after` when paging. */
  summaries(scope: CaseScope, f: CaseFilter, after: { submittedAt: Date; id: string } | undefined, limit: number): Promise<CaseSummaryRow[]> {
    const where: (SQL | undefined)[] = [scopeCondition(scope)];
    if (f.status) where.push(eq(applications.status, f.status));
    if (f.stage) where.push(eq(applications.stage, f.stage));
    if (f.licenseKind) where.push(eq(applications.licenseKind, f.licenseKind));
    if (f.officeId) where.push(eq(applications.officeId, f.officeId));
    if (f.crNumber) where.push(eq(applications.crNumber, f.crNumber));
    if (f.waitingOn) where.push(sql`${f.waitingOn} = any(${applications.waitingOn})`);
    if (after) {
      where.push(or(lt(applications.submittedAt, after.submittedAt), and(eq(applications.submittedAt, after.submittedAt), lt(applications.id, after.id))));
    }
    return this.db
      .select(SUMMARY_COLUMNS)
      .from(applications)
      .where(and(...where))
      .orderBy(desc(applications.submittedAt), desc(applications.id))
      .limit(limit);
  }
}
