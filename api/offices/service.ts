// Service offices: their accreditation files (an accreditation workflow each),
// their standing, their API keys, the rounds they are admitted in, and moving
// an office's open cases elsewhere. One method per route, like service.ts.
import { randomBytes } from 'node:crypto';
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
import { can, isMunicipality, OfficeStatus, type Principal } from '../../domain/access';
import { riyadhDate } from '../../domain/calendar';
import type { OfficeApplication } from '../../domain/office';
import type { Config } from '../../config';
import type { Db } from '../../db/client';
import { accreditationRounds, apiKeys, applications, officeEvents, offices, officeStaff } from '../../db/schema';
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

type OfficeRow = typeof offices.$inferSelect;


const officeSummary = (o: OfficeRow) => ({
  id: o.id,
  name: o.name,
  status: o.status,
  firmLicenseNumber: o.firmLicenseNumber,
  roundId: o.roundId,
  appliedAt: o.appliedAt.toISOString(),
  accreditedAt: o.accreditedAt?.toISOString() ?? null,
});

/** Longest an API key may be made to last: a forgotten integration stops by itself within that. */
const MAX_API_KEY_LIFETIME_MS = 2 * 365 * 86_400_000;

export class OfficeService {
  constructor(
    private readonly db: Db,
    private readonly temporal: Client,
    private readonly config: Config,
  ) {}

  /** Everyone sees accredited offices (applicants choose among them); staff see their own; the municipality all. */
  private visible(p: Principal, o: OfficeRow): boolean {
    return isMunicipality(p) || p.officeId === o.id || o.status === OfficeStatus.accredited;
  }

  /** Acting for an office (its file, its keys) is for its own staff, or an administrator. */
  private actsFor(p: Principal, officeId: string): boolean {
    return p.officeId === officeId || (p.kind === 'user' && p.roles.includes('administrator'));
  }

  private async office(id: string, p: Principal): Promise<OfficeRow> {
    const [o] = await this.db.select().from(offices).where(eq(offices.id, id));
    if (!o || !this.visible(p, o)) throw notFound(`no office ${id}`);
    return o;
  }

  async list(q: OfficeListQuery, p: Principal) {
    const where: SQL[] = [];
    if (q.status) where.push(eq(offices.status, q.status));
    if (!isMunicipality(p)) {
      where.push(p.officeId ? sql`(${offices.status} = 'accredited' or ${offices.id} = ${p.officeId})` : eq(offices.status, 'accredited'));
    }
    const rows = await this.db.select().from(offices).where(and(...where)).orderBy(asc(offices.name)).limit(q.limit);
    return { items: rows.map(officeSummary) };
  }

  async get(id: string, p: Principal) {
    const o = await this.office(id, p);
    const inside = isMunicipality(p) || p.officeId === id;
    if (!inside) return officeSummary(o);
    const [staff, events, open] = await Promise.all([
      this.db.select().from(officeStaff).where(eq(officeStaff.officeId, id)).orderBy(asc(officeStaff.role), asc(officeStaff.userId)),
      this.db.select().from(officeEvents).where(eq(officeEvents.officeId, id)).orderBy(asc(officeEvents.seq)),
      this.db.select({ n: sql<number>`count(*)::int` }).from(applications).where(and(eq(applications.officeId, id), eq(applications.status, 'in_progress'))),
    ]);
    return {
      ...officeSummary(o),
      crNumber: o.crNumber,
      waitingOn: o.waitingOn,
      statusReason: o.statusReason,
      deficiencies: o.deficiencies,
      documents: o.data.documents,
      openApplications: open[0]?.n ?? 0,
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
    const [round] = await this.db
      .select()
      .from(accreditationRounds)
      .where(and(sql`${accreditationRounds.opensOn} <= ${today}::date`, sql`${accreditationRounds.closesOn} >= ${today}::date`))
      .orderBy(asc(accreditationRounds.closesOn))
      .limit(1);
    if (!round) throw conflict('no accreditation round is open today', 'no_open_round');
    const application: OfficeApplication = body;
    const now = new Date();
    const id = newOfficeId(randomBytes(6));
    const inserted = await this.db
      .insert(offices)
      .values({
        id,
        name: body.name,
        firmLicenseNumber: body.firmLicenseNumber,
        crNumber: body.crNumber,
        status: 'applying',
        roundId: round.id,
        data: application,
        appliedAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing({ target: offices.firmLicenseNumber })
      .returning({ id: offices.id });
    if (inserted.length === 0) {
      const [existing] = await this.db.select().from(offices).where(eq(offices.firmLicenseNumber, body.firmLicenseNumber));
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
    const targets = await this.db
      .select({ id: offices.id, status: offices.status })
      .from(offices)
      .where(body.toOfficeId ? eq(offices.id, body.toOfficeId) : and(eq(offices.status, 'accredited'), sql`${offices.id} <> ${id}`));
    const open = await this.db
      .select({ id: applications.id })
      .from(applications)
      .where(and(eq(applications.officeId, id), eq(applications.status, 'in_progress')))
      .orderBy(asc(applications.submittedAt));
    if (body.toOfficeId && targets[0]?.status !== 'accredited') {
      throw badRequest('body/toOfficeId', `body/toOfficeId: ${body.toOfficeId} is not an accredited service office`);
    }
    if (targets.length === 0) throw conflict('no other accredited office can take these cases', 'no_office_available');
    // Spread over the accredited offices by their open work, least first, one case at a time.
    const load = new Map<string, number>();
    const counts = await this.db
      .select({ officeId: applications.officeId, n: sql<number>`count(*)::int` })
      .from(applications)
      .where(and(inArray(applications.officeId, targets.map((t) => t.id)), eq(applications.status, 'in_progress')))
      .groupBy(applications.officeId);
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
    const rows = await this.db.select().from(accreditationRounds).orderBy(desc(accreditationRounds.opensOn));
    const taken = await this.db
      .select({ roundId: offices.roundId, n: sql<number>`count(*)::int` })
      .from(offices)
      .where(sql`${offices.accreditedAt} is not null`)
      .groupBy(offices.roundId);
    return {
      items: rows.map((r) => ({
        id: r.id,
        name: r.name,
        cap: r.cap,
        opensOn: r.opensOn,
        closesOn: r.closesOn,
        accredited: taken.find((t) => t.roundId === r.id)?.n ?? 0,
      })),
    };
  }

  async createRound(body: RoundBody) {
    if (body.closesOn < body.opensOn) throw badRequest('body/closesOn', 'body/closesOn: a round closes after it opens');
    const inserted = await this.db.insert(accreditationRounds).values(body).onConflictDoNothing().returning();
    if (inserted.length === 0) throw conflict(`round ${body.id} already exists`, 'round_exists');
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
    const [row] = await this.db
      .insert(apiKeys)
      .values({ id: issued.id, officeId, name: body.name, secretHash: issued.secretHash, scopes: body.scopes, createdBy: p.id, expiresAt })
      .returning();
    return { ...this.keyView(row!), key: issued.key };
  }

  async listApiKeys(officeId: string, p: Principal) {
    await this.office(officeId, p);
    if (!this.actsFor(p, officeId) && !isMunicipality(p)) throw notFound(`no office ${officeId}`);
    const rows = await this.db.select().from(apiKeys).where(eq(apiKeys.officeId, officeId)).orderBy(desc(apiKeys.createdAt));
    return { items: rows.map((r) => this.keyView(r)) };
  }

  async revokeApiKey(officeId: string, keyId: string, p: Principal) {
    await this.office(officeId, p);
    if (!this.actsFor(p, officeId)) throw notFound(`no office ${officeId}`);
    const [row] = await this.db
      .update(apiKeys)
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())`, revokedBy: sql`coalesce(${apiKeys.revokedBy}, ${p.id})` })
      .where(and(eq(apiKeys.id, keyId), eq(apiKeys.officeId, officeId)))
      .returning();
    if (!row) throw notFound(`no API key ${keyId}`);
    return this.keyView(row);
  }

  private keyView(r: typeof apiKeys.$inferSelect) {
    return {
      id: r.id,
      officeId: r.officeId,
      name: r.name,
      scopes: r.scopes,
      createdBy: r.createdBy,
      createdAt: r.createdAt.toISOString(),
      revokedAt: r.revokedAt?.toISOString() ?? null,
      lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
      expiresAt: r.expiresAt?.toISOString() ?? null,
    };
  }
}
