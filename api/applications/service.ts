// What the routes do, one method per route: store and start cases, read the
// projection, and hand corrections and decisions to the workflow as Updates.
import { invoicesOf } from '../../db/payments';
import { invoiceView } from '../payments/service';
import { randomBytes } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { AgencyResult, ApplicationData, Correction, Deficiency, ReviewDecisionInput } from '../../domain/application';
import { can, caseScope, Operation, type Principal } from '../../domain/access';
import { filingAuthority, seesCase } from '../filing';
import { CaseEvent, DocumentState, ROLE_FOR_REVIEW } from '../../domain/status';
import { licenseView } from '../licenses/service';
import { isValidSaudiId, normalizeSaudiMobile } from '../../domain/identifiers';
import type { Config } from '../../config';
import type { Db } from '../../db/client';
import { ApplicationStore, type ApplicationRow, type CaseSummaryRow } from './store';
import { documentView, type DocumentService } from '../documents/service';
import {
  APPLICATION_ID_PATTERN,
  decideReviewUpdate,
  newApplicationId,
  reassignOfficeUpdate,
  SA_LICENSE_KIND,
  SA_OFFICE,
  SA_STAGE,
  SA_STATUS,
  submitCorrectionUpdate,
  workflowIdFor,
  WORKFLOW_TYPE,
  type ApplicationWorkflowInput,
  type UpdateResult,
} from '../../workflows/application/contract';
import { badRequest, conflict, forbidden, HttpError, notFound } from '../errors';
import type { ApplicationBody, CorrectionBody, DraftBody, ListQuery, ReassignBody, ReviewDecisionBody } from './schemas';
import { cachedRules, storedDocumentFacts } from '../../db/rules';
import { validateDraft, type RuleSet } from '../../domain/rules';
import { riyadhDate } from '../../domain/calendar';
import { CursorPart, decodeCursor, encodeCursor } from '../cursor';
import { canonicalHash } from '../canonical';


/** What an applicant is told while an agency does not answer: the error itself (internal addresses, raw bodies) is for staff. */
const AGENCY_WAIT_NOTICE = 'The agency is not answering at the moment. Nothing is needed from you: your application goes on by itself once it does.';

/**
 * An applicant sees each agency's state and a plain notice; office staff, keys
 * and the municipality see the error the worker met, which may name internal
 * hosts or carry an agency's raw answer.
 */
function agenciesFor<E extends { event: string; details: Record<string, unknown> }>(p: Principal, agencies: Record<string, AgencyResult>, events: E[]) {
  if (!('nationalId' in caseScope(p))) return { agencies, events };
  const plain = Object.fromEntries(
    Object.entries(agencies).map(([name, { lastError, ...rest }]) => [name, lastError === undefined ? rest : { ...rest, notice: AGENCY_WAIT_NOTICE }]),
  );
  const quiet = events.map((e) => (e.event === CaseEvent.agencyUnavailable ? { ...e, details: {} } : e));
  return { agencies: plain, events: quiet };
}

type AppRow = ApplicationRow;
/** What starting a case's workflow needs from its row. */
type StartableRow = Pick<AppRow, 'id' | 'status' | 'licenseKind' | 'officeId' | 'data' | 'submittedAt'>;

/** Checks JSON Schema cannot make; names the field like the schema errors do. */
function normalizeApplicant<T extends { nationalId?: string; mobile?: string }>(a: T, base: string): T {
  if (a.nationalId !== undefined && !isValidSaudiId(a.nationalId)) {
    throw badRequest(`${base}/nationalId`, `${base}/nationalId: not a valid national ID or iqama number (check digit)`);
  }
  if (a.mobile === undefined) return a;
  const mobile = normalizeSaudiMobile(a.mobile);
  if (!mobile) throw badRequest(`${base}/mobile`, `${base}/mobile: not a Saudi mobile number`);
  return { ...a, mobile };
}

function checkDecision(d: ReviewDecisionBody): void {
  if (d.decision === 'return' && !d.deficiencies?.length) {
    throw badRequest('body/deficiencies', 'body/deficiencies: returning for correction needs at least one deficiency');
  }
  if (d.decision === 'reject' && !d.reasons?.length) {
    throw badRequest('body/reasons', 'body/reasons: a rejection needs at least one reason code');
  }
}

/** Rules edited in the tables reach the drafts' validation within this, as they reach the workers' checks. */
const RULES_CACHE_MS = 10_000;

const APPLICATION_ID = new RegExp(APPLICATION_ID_PATTERN);
/** The list's order: newest filed first, the id breaking ties. */
const BY_FILING = [CursorPart.instant, CursorPart.matching(APPLICATION_ID)];

const summary = (r: CaseSummaryRow) => ({
  id: r.id,
  status: r.status,
  stage: r.stage,
  exclusionReason: r.exclusionReason,
  waitingOn: r.waitingOn as never[],
  licenseKind: r.licenseKind,
  tradeName: r.tradeName,
  crNumber: r.crNumber,
  isicCode: r.isicCode,
  officeId: r.officeId,
  licenseNumber: r.licenseNumber,
  submittedAt: r.submittedAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

export class ApplicationService {
  private readonly store: ApplicationStore;

  private readonly rules: () => Promise<RuleSet>;

  constructor(
    private readonly db: Db,
    private readonly temporal: Client,
    private readonly config: Config,
    private readonly documents: DocumentService,
  ) {
    this.store = new ApplicationStore(db);
    this.rules = cachedRules(db, RULES_CACHE_MS);
  }

  /**
   * Stores the case and starts its workflow. With an Idempotency-Key, a retry
   * (same key, same body) returns the first case; the workflow start is
   * idempotent too, so a retry after a failed start completes it.
   */
  async submit(
    body: ApplicationBody,
    principal: Principal,
    idempotencyKey?: string,
  ): Promise<{ id: string; status: AppRow['status']; replayed: boolean; usesReferences: boolean }> {
    const requestHash = canonicalHash(body);
    // A key is the caller's own: another client's identical key is a different request.
    const scopedKey = idempotencyKey ? `${principal.kind}:${principal.id}:${idempotencyKey}` : undefined;
    const authority = filingAuthority(principal);
    const ownOffice = 'officeId' in authority ? authority.officeId : undefined;
    if ('nationalId' in authority && body.applicant.nationalId !== authority.nationalId) {
      throw forbidden('body/applicant/nationalId: an applicant files under their own national ID or iqama', 'body/applicant/nationalId');
    }
    if (ownOffice && body.officeId && body.officeId !== ownOffice) {
      throw forbidden(`body/officeId: staff of ${ownOffice} file applications for their own office`, 'body/officeId');
    }
    const applicant = normalizeApplicant(body.applicant, 'body/applicant');
    const usesReferences = body.documents.some((d) => d.reference !== undefined);
    // A retry of a filing that named uploads finds them taken by its first case: answer that case first.
    if (scopedKey && body.documents.some((d) => d.documentId !== undefined)) {
      const first = await this.findByKey(scopedKey, requestHash);
      if (first) {
        await this.startWorkflow(first, principal.id);
        return { id: first.id, status: first.status, replayed: true, usesReferences };
      }
    }
    const filed = await this.documents.forFiling(body.documents, authority, 'body/documents');
    // The filer's own office, or the applicant's choice; none: the store picks the least busy.
    const named = ownOffice ?? body.officeId;
    const now = new Date();
    const id = newApplicationId(now, randomBytes(6));
    // The office is chosen as the row is inserted; the stored application gets it there.
    const { officeId: _named, ...rest } = body;
    const data: Omit<ApplicationData, 'officeId'> = { ...rest, applicant, documents: filed.documents };
    const inserted = await this.store.insertCase({
      id,
      data,
      applicant,
      at: now,
      office: named,
      idempotency: scopedKey ? { key: scopedKey, requestHash } : undefined,
      documentIds: filed.ids,
    });
    if (inserted === 'documents_taken') {
      throw new HttpError(409, 'document_in_use', 'body/documents: one of these uploads was just taken by another application; upload it again', 'body/documents');
    }
    if (!inserted) {
      // A retry answers with the first case, even if its office has been suspended since.
      const existing = scopedKey ? await this.findByKey(scopedKey, requestHash) : undefined;
      if (existing) {
        await this.startWorkflow(existing, principal.id);
        return { id: existing.id, status: existing.status, replayed: true, usesReferences };
      }
      throw await this.noOffice(named, ownOffice);
    }
    const row: StartableRow = {
      id,
      status: 'in_progress',
      licenseKind: data.licenseKind,
      officeId: inserted.officeId,
      data: { ...data, officeId: inserted.officeId },
      submittedAt: now,
    };
    await this.startWorkflow(row, principal.id);
    return { id: row.id, status: row.status, replayed: false, usesReferences };
  }

  /** The rules a filing is checked against, as the checks read them: the console's form asks for what they need. */
  filingRules(): Promise<RuleSet> {
    return this.rules();
  }

  /**
   * What filing this draft would meet, filing nothing: the form asks as the
   * clerk types. Its uploads are checked as a filing checks them (the filer's
   * own, of their type); the rest becomes deficiencies, never an error.
   */
  async validate(draft: DraftBody, principal: Principal): Promise<{ fileable: boolean; deficiencies: Deficiency[] }> {
    const authority = filingAuthority(principal);
    const applicant = draft.applicant ? normalizeApplicant(draft.applicant, 'body/applicant') : undefined;
    const filed = draft.documents ? await this.documents.forFiling(draft.documents, authority, 'body/documents') : undefined;
    const [rules, stored] = await Promise.all([this.rules(), storedDocumentFacts(this.db, filed?.ids ?? [])]);
    return validateDraft(rules, { ...draft, applicant, documents: filed?.documents }, riyadhDate(new Date()), stored);
  }

  /** Why no office took a new case: the answer for the caller. */
  private async noOffice(named: string | undefined, ownOffice: string | undefined): Promise<HttpError> {
    if (!named) return conflict('no accredited service office is taking applications', 'no_office_available');
    const status = await this.store.officeStatus(named);
    if (ownOffice) return conflict(`office ${ownOffice} is ${status ?? 'not registered'} and takes no new applications`, 'office_not_accepting');
    return badRequest('body/officeId', `body/officeId: ${named} is not an accredited service office`);
  }

  private async findByKey(key: string, requestHash: string): Promise<AppRow | undefined> {
    const hit = await this.store.byIdempotencyKey(key);
    if (!hit) return undefined;
    if (hit.requestHash !== requestHash) {
      throw conflict('this Idempotency-Key was already used with a different request body', 'idempotency_key_reused');
    }
    return hit.app;
  }

  /** `filedBy`: the caller; a retry with the same key is the same caller, since keys are per client. */
  private async startWorkflow(row: StartableRow, filedBy: string): Promise<void> {
    const input: ApplicationWorkflowInput = {
      applicationId: row.id,
      submittedAt: row.submittedAt.toISOString(),
      data: row.data,
      timing: this.config.timing,
      filedBy,
    };
    // A closed case keeps its workflow id for good: a late retry must not start a second run.
    if (row.status !== 'in_progress') return;
    await this.temporal.workflow.start(WORKFLOW_TYPE, {
      workflowId: workflowIdFor(row.id),
      taskQueue: this.config.temporal.taskQueue,
      args: [input],
      // A retried submission must find the running case, never start a second one.
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      // ...and once it has closed, the id is never reused (the projection may lag the close).
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: SA_STAGE, value: 'submitted' },
        { key: SA_STATUS, value: 'in_progress' },
        { key: SA_LICENSE_KIND, value: row.licenseKind },
        ...(row.officeId ? [{ key: SA_OFFICE, value: row.officeId }] : []),
      ],
    }).catch((err: unknown) => {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    });
  }

  /** A case the caller may see; one they may not is answered exactly like one that does not exist. */
  private async row(id: string, p: Principal): Promise<Pick<AppRow, 'id' | 'status' | 'officeId' | 'applicantNationalId'>> {
    // Only what scope and state need: this runs before every decision and correction.
    const row = await this.store.access(id);
    if (!row || !seesCase(p, row)) throw notFound(`no application ${id}`);
    return row;
  }

  async get(id: string, p: Principal) {
    const row = await this.store.caseView(id);
    if (!row || !seesCase(p, row)) throw notFound(`no application ${id}`);
    const files = row.data.documents.some((d) => d.documentId !== undefined) ? await this.documents.forCase(id) : [];
    const byId = new Map(files.map((f) => [f.id, documentView(f)]));
    const license = row.licenses[0];
    const seen = agenciesFor(p, row.agencies, row.events);
    const invoices = row.stage === 'awaiting_payment' || row.status !== 'in_progress' ? await invoicesOf(this.db, { applicationId: id }) : [];
    return {
      ...summary(row),
      round: row.round,
      applicant: { name: row.data.applicant.name, mobile: row.data.applicant.mobile, role: row.data.applicant.role },
      establishment: row.data.establishment,
      documents: row.data.documents.map((d) => {
        const file = d.documentId === undefined ? undefined : byId.get(d.documentId);
        if (!file) return d;
        const { id: documentId, type, name, contentType, sizeBytes, sha256, expiresOn, uploadedAt, url } = file;
        return { type, documentId, name, contentType, sizeBytes, sha256, expiresOn, uploadedAt, url };
      }),
      workers: row.data.workers ?? [],
      supersededDocuments: files.filter((f) => f.state === DocumentState.superseded).map(documentView),
      deficiencies: row.deficiencies,
      healthReviewRequired: row.healthReviewRequired,
      overdue: row.overdue,
      visit: row.visit ?? null,
      correctionDueAt: row.correctionDueAt?.toISOString() ?? null,
      holdDueAt: row.holdDueAt?.toISOString() ?? null,
      reviews: row.reviews.map((r) => ({
        round: r.round,
        kind: r.kind,
        decision: r.decision,
        reviewerId: r.reviewerId,
        reviewerRole: r.reviewerRole,
        reasons: r.reasons,
        comment: r.comment,
        deficiencies: r.deficiencies,
        decidedAt: r.decidedAt.toISOString(),
      })),
      // The projection carries the workflow's own view of each agency.
      agencies: seen.agencies,
      license: license ? licenseView(license) : null,
      invoices: invoices.map(invoiceView),
      timeline: seen.events.map((e) => ({
        seq: e.seq,
        event: e.event,
        stage: e.stage,
        status: e.status,
        actor: e.actor,
        details: e.details,
        at: e.at.toISOString(),
      })),
    };
  }

  async list(q: ListQuery, p: Principal) {
    const after = q.cursor ? decodeCursor<[string, string]>(q.cursor, BY_FILING) : undefined;
    const rows = await this.store.summaries(caseScope(p), q, after && { submittedAt: new Date(after[0]), id: after[1] }, q.limit + 1);
    const page = rows.slice(0, q.limit);
    return { items: page.map(summary), nextCursor: rows.length > q.limit ? encodeCursor([page[page.length - 1]!.submittedAt.toISOString(), page[page.length - 1]!.id]) : null };
  }

  async correct(id: string, body: CorrectionBody, p: Principal): Promise<UpdateResult & { id: string; usesReferences: boolean }> {
    await this.requireOpen(id, p);
    const filed = body.documents ? await this.documents.forFiling(body.documents, filingAuthority(p), 'body/documents', { applicationId: id }) : undefined;
    const correction: Correction = {
      ...(body.applicant ? { ...body, applicant: normalizeApplicant(body.applicant, 'body/applicant') } : body),
      ...(filed ? { documents: filed.documents } : {}),
      submittedBy: p.id,
    };
    // The uploads are the case's before it hears of them; if it refuses the correction, they are given back.
    const claimed = filed ? await this.documents.claim({ applicationId: id }, filed.ids) : [];
    let result: UpdateResult;
    try {
      result = await this.temporal.workflow.getHandle(workflowIdFor(id)).executeUpdate(submitCorrectionUpdate, { args: [correction] });
    } catch (err) {
      await this.documents.release({ applicationId: id }, claimed);
      throw err;
    }
    if (filed) await this.documents.supersede(id, filed);
    return { id, ...result, usesReferences: filed?.usesReferences ?? false };
  }

  async decide(id: string, body: ReviewDecisionBody, p: Principal): Promise<UpdateResult & { id: string }> {
    this.checkDecider(body, p);
    await this.requireOpen(id, p);
    return this.sendDecision(id, body, p);
  }

  /**
   * A decision from the task inbox: the task, read within the caller's sight
   * and still active, already shows the case is open and visible.
   */
  async decideTask(id: string, body: ReviewDecisionBody, p: Principal): Promise<UpdateResult & { id: string }> {
    this.checkDecider(body, p);
    return this.sendDecision(id, body, p);
  }

  private checkDecider(body: ReviewDecisionBody, p: Principal): void {
    checkDecision(body);
    const needed = body.kind === 'health' ? Operation.reviewHealth : Operation.reviewTechnical;
    if (!can(p, needed)) throw forbidden(`body/kind: the ${body.kind} review is decided by a ${ROLE_FOR_REVIEW[body.kind]}`, 'body/kind');
  }

  private async sendDecision(id: string, body: ReviewDecisionBody, p: Principal): Promise<UpdateResult & { id: string }> {
    const decision: ReviewDecisionInput = { ...body, reviewer: { id: p.id, role: ROLE_FOR_REVIEW[body.kind], name: p.name } };
    const result = await this.temporal.workflow.getHandle(workflowIdFor(id)).executeUpdate(decideReviewUpdate, { args: [decision] });
    return { id, ...result };
  }

  /** Moves an open case to another accredited office; the case carries on where it was. */
  async reassign(id: string, body: ReassignBody, p: Principal): Promise<UpdateResult & { id: string; officeId: string }> {
    const row = await this.requireOpen(id, p);
    if ((await this.store.officeStatus(body.officeId)) !== 'accredited') throw badRequest('body/officeId', `body/officeId: ${body.officeId} is not an accredited service office`);
    if (row.officeId === body.officeId) throw conflict(`the application is already with office ${body.officeId}`, 'refused');
    const result = await this.temporal.workflow
      .getHandle(workflowIdFor(id))
      .executeUpdate(reassignOfficeUpdate, { args: [{ officeId: body.officeId, reason: body.reason, by: p.id }] });
    return { id, officeId: body.officeId, ...result };
  }

  /** 404 unless the caller may see the case (comments, tasks). */
  async visible(id: string, p: Principal): Promise<void> {
    await this.row(id, p);
  }

  /** A closed case answers 409 at once instead of a round trip to Temporal. */
  async requireOpen(id: string, p: Principal) {
    const row = await this.row(id, p);
    if (row.status !== 'in_progress') throw conflict(`the application is closed (${row.status})`, 'refused');
    return row;
  }
}
