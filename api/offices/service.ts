// Service offices: their accreditation files (an accreditation workflow each),
// their standing, their API keys, the rounds they are admitted in, and moving
// an office's open cases elsewhere. One method per route; the SQL is in store.ts.
import { randomBytes } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
import { can, isMunicipality, OfficeStatus, type Principal } from '../../domain/access';
import { riyadhDate } from '../../domain/calendar';
import type { OfficeApplication } from '../../domain/office';
import type { Config } from '../../config';
import type { Db } from '../../db/client';
import { OfficeStore, type ApiKeyRow, type OfficeRow } from './store';
import {
  ACCREDITATION_WORKFLOW_TYPE,
  amendOfficeUpdate,
  changeStandingUpdate,
  decideAccreditationUpdate,
  newOfficeId,
  officeWorkflowId,
  type AccreditationInput,
  type OfficeUpdateResult,
} from '../../workflows/accreditation/contract';
import { reassignOfficeUpdate, workflowIdFor } from '../../workflows/application/contract';
import { newApiKey } from '../auth/api-keys';
import { badRequest, conflict, forbidden, notFound } from '../errors';
import type {
  ApiKeyBody,
  DecisionBody,
  OfficeAmendmentBody,
  OfficeApplicationBody,
  OfficeListQuery,
  ReassignCasesBody,
  RoundBody,
  StandingBody,
} from './schemas';

const officeSummary = (o: OfficeRow) => ({
  id: o.id,
  name: o.name,
  status: o.status,
  firmLicenseNumber: o.firmLicenseNumber,
  roundId: o.roundId,
  appliedAt: o.appliedAt.toISOString(),
  accreditedAt: o.accreditedAt?.toISOString() ?? null,
});

const keyView = (r: ApiKeyRow) => ({
  id: r.id,
  officeId: r.officeId,
  name: r.name,
  scopes: r.scopes,
  createdBy: r.createdBy,
  createdAt: r.createdAt.toISOString(),
  revokedAt: r.revokedAt?.toISOString() ?? null,
  lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
  expiresAt: r.expiresAt?.toISOString() ?? null,
});

/** Longest an API key may be made to last: a forgotten integration stops by itself within that. */
const MAX_API_KEY_LIFETIME_MS = 2 * 365 * 86_400_000;

export class OfficeService {
  private readonly store: OfficeStore;

  constructor(
    db: Db,
    private readonly temporal: Client,
    private readonly config: Config,
  ) {
    this.store = new OfficeStore(db);
  }

  /** Everyone sees accredited offices (applicants choose among them); staff see their own; the municipality all. */
  private visible(p: Principal, o: OfficeRow): boolean {
    return isMunicipality(p) || p.officeId === o.id || o.status === OfficeStatus.accredited;
  }

  /** Acting for an office (its file, its keys) is for its own staff, or an administrator. */
  private actsFor(p: Principal, officeId: string): boolean {
    return p.officeId === officeId || (p.kind === 'user' && p.roles.includes('administrator'));
  }

  private async office(id: string, p: Principal): Promise<OfficeRow> {
    const o = await this.store.office(id);
    if (!o || !this.visible(p, o)) throw notFound(`no office ${id}`);
    return o;
  }

  async list(q: OfficeListQuery, p: Principal) {
    const rows = await this.store.offices({ status: q.status, visibleTo: isMunicipality(p) ? undefined : { officeId: p.officeId }, limit: q.limit });
    return { items: rows.map(officeSummary) };
  }

  async get(id: string, p: Principal) {
    const o = await this.office(id, p);
    const inside = isMunicipality(p) || p.officeId === id;
    if (!inside) return officeSummary(o);
    const { staff, events, openApplications } = await this.store.inside(id);
    return {
      ...officeSummary(o),
      crNumber: o.crNumber,
      waitingOn: o.waitingOn,
      statusReason: o.statusReason,
      deficiencies: o.deficiencies,
      documents: o.data.documents,
      openApplications,
      staff: staff.map((m) => ({ userId: m.userId, name: m.name, role: m.role })),
      timeline: events.map((e) => ({ seq: e.seq, event: e.event, status: e.status, actor: e.actor, details: e.details, at: e.at.toISOString() })),
    };
  }

  /**
   * A firm applies for accreditation in the round open today. The firm license
   * number is unique: applying twice finds the first file (and starts its
   * workflow if an earlier attempt stored it but could not reach Temporal).
   */
  async apply(body: OfficeApplicationBody, p: Principal): Promise<{ id: string; status: OfficeStatus; replayed: boolean }> {
    const today = riyadhDate(new Date());
    const round = await this.store.openRound(today);
    if (!round) throw conflict('no accreditation round is open today', 'no_open_round');
    const application: OfficeApplication = body;
    const now = new Date();
    const id = newOfficeId(randomBytes(6));
    const inserted = await this.store.insertOffice({ id, roundId: round.id, application, at: now });
    if (!inserted) {
      const existing = await this.store.officeByFirmLicense(body.firmLicenseNumber);
      if (!existing || existing.transitionSeq > 0) {
        throw conflict(`firm license ${body.firmLicenseNumber} already has an office file${existing ? ` (${existing.id})` : ''}`, 'office_exists');
      }
      await this.startAccreditation({ officeId: existing.id, roundId: existing.roundId, application: existing.data, actor: p.id });
      return { id: existing.id, status: existing.status, replayed: true };
    }
    await this.startAccreditation({ officeId: id, roundId: round.id, application, actor: p.id });
    return { id, status: 'applying', replayed: false };
  }

  async startAccreditation(input: Omit<AccreditationInput, 'timing'>): Promise<void> {
    await this.temporal.workflow
      .start(ACCREDITATION_WORKFLOW_TYPE, {
        workflowId: officeWorkflowId(input.officeId),
        taskQueue: this.config.temporal.taskQueue,
        args: [{ ...input, timing: { amendmentDeadlineMs: this.config.officeAmendmentDeadlineMs } } satisfies AccreditationInput],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      })
      .catch((err: unknown) => {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      });
  }

  private handle(officeId: string) {
    return this.temporal.workflow.getHandle(officeWorkflowId(officeId));
  }

  async amend(id: string, body: OfficeAmendmentBody, p: Principal): Promise<OfficeUpdateResult & { id: string }> {
    await this.office(id, p);
    if (!this.actsFor(p, id)) throw notFound(`no office ${id}`);
    const result = await this.handle(id).executeUpdate(amendOfficeUpdate, { args: [{ ...body, by: p.id }] });
    return { id, ...result };
  }

  async decide(id: string, body: DecisionBody, p: Principal): Promise<OfficeUpdateResult & { id: string }> {
    if (body.decision === 'refuse' && !body.reason) throw badRequest('body/reason', 'body/reason: a refusal needs a reason');
    await this.office(id, p);
    const result = await this.handle(id).executeUpdate(decideAccreditationUpdate, { args: [{ ...body, by: p.id }] });
    return { id, ...result };
  }

  async changeStanding(id: string, body: StandingBody, p: Principal): Promise<OfficeUpdateResult & { id: string }> {
    await this.office(id, p);
    const result = await this.handle(id).executeUpdate(changeStandingUpdate, { args: [{ ...body, by: p.id }] });
    return { id, ...result };
  }

  /**
   * Moves every open case of an office to another accredited office (the one
   * named, or the one with the least open work). Each case moves by its own
   * Update, so a case that closes meanwhile is reported, not forced.
   */
  async reassignCases(id: string, body: ReassignCasesBody, p: Principal) {
    await this.office(id, p);
    if (body.toOfficeId === id) throw badRequest('body/toOfficeId', 'body/toOfficeId: the cases are already with this office');
    const targets = await this.store.candidateOffices(body.toOfficeId ? { named: body.toOfficeId } : { except: id });
    const open = await this.store.openCaseIds(id);
    if (body.toOfficeId && targets[0]?.status !== 'accredited') {
      throw badRequest('body/toOfficeId', `body/toOfficeId: ${body.toOfficeId} is not an accredited service office`);
    }
    if (targets.length === 0) throw conflict('no other accredited office can take these cases', 'no_office_available');
    // Spread over the accredited offices by their open work, least first, one case at a time.
    const load = new Map<string, number>();
    const counts = await this.store.openCaseCounts(targets.map((t) => t.id));
    for (const t of targets) load.set(t.id, counts.find((c) => c.officeId === t.id)?.n ?? 0);
    const moved: { id: string; officeId: string }[] = [];
    const failed: { id: string; reason: string }[] = [];
    for (const c of open) {
      const to = [...load.entries()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))[0]![0];
      try {
        await this.temporal.workflow
          .getHandle(workflowIdFor(c.id))
          .executeUpdate(reassignOfficeUpdate, { args: [{ officeId: to, reason: body.reason, by: p.id }] });
        moved.push({ id: c.id, officeId: to });
        load.set(to, (load.get(to) ?? 0) + 1);
      } catch (err) {
        failed.push({ id: c.id, reason: (err as { cause?: Error }).cause?.message ?? (err as Error).message });
      }
    }
    return { moved, failed };
  }

  async rounds() {
    const rows = await this.store.rounds();
    return { items: rows.map((r) => ({ id: r.id, name: r.name, cap: r.cap, opensOn: r.opensOn, closesOn: r.closesOn, accredited: r.accredited })) };
  }

  async createRound(body: RoundBody) {
    if (body.closesOn < body.opensOn) throw badRequest('body/closesOn', 'body/closesOn: a round closes after it opens');
    if (!(await this.store.insertRound(body))) throw conflict(`round ${body.id} already exists`, 'round_exists');
    return { ...body, accredited: 0 };
  }

  async createApiKey(officeId: string, body: ApiKeyBody, p: Principal) {
    const o = await this.office(officeId, p);
    if (!this.actsFor(p, officeId)) throw notFound(`no office ${officeId}`);
    // A key delegates its creator's rights for the office, never more: an administrator (who files nothing) cannot mint a filing key.
    const unearned = body.scopes.filter((op) => !can(p, op));
    if (unearned.length > 0) throw forbidden(`body/scopes: you may not ${unearned.join(', ')} yourself, so no key you make may`, 'body/scopes');
    if (o.status !== OfficeStatus.accredited) throw conflict(`office ${officeId} is ${o.status}: only an accredited office gets API keys`, 'office_not_accepting');
    const expiresAt = body.expiresAt === undefined ? null : new Date(body.expiresAt);
    if (expiresAt && (expiresAt.getTime() <= Date.now() || expiresAt.getTime() > Date.now() + MAX_API_KEY_LIFETIME_MS)) {
      throw badRequest('body/expiresAt', 'body/expiresAt: must be in the future and within two years');
    }
    const issued = newApiKey();
    const row = await this.store.insertApiKey({ id: issued.id, officeId, name: body.name, secretHash: issued.secretHash, scopes: body.scopes, createdBy: p.id, expiresAt });
    return { ...keyView(row), key: issued.key };
  }

  async listApiKeys(officeId: string, p: Principal) {
    await this.office(officeId, p);
    if (!this.actsFor(p, officeId) && !isMunicipality(p)) throw notFound(`no office ${officeId}`);
    return { items: (await this.store.apiKeys(officeId)).map(keyView) };
  }

  async revokeApiKey(officeId: string, keyId: string, p: Principal) {
    await this.office(officeId, p);
    if (!this.actsFor(p, officeId)) throw notFound(`no office ${officeId}`);
    const row = await this.store.revokeApiKey(officeId, keyId, p.id);
    if (!row) throw notFound(`no API key ${keyId}`);
    return keyView(row);
  }
}
