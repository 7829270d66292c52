// A license as anyone may verify it by its number, and the one view of a
// license row (the case's detail shows the same); its timeline for those who
// may see it; the holder's renewal and cancellation, sent to its workflow.
import type { Client } from '@temporalio/client';
import { asc, eq } from 'drizzle-orm';
import { caseScope, isMunicipality, type Principal } from '../../domain/access';
import { LICENSE_STAFF_EVENTS, LicenseStatus } from '../../domain/status';
import type { DocumentRef } from '../../domain/application';
import type { Db } from '../../db/client';
import { licenseEvents, licenses } from '../../db/schema';
import { correctRenewalUpdate, licenseWorkflowId, objectUpdate, requestCancellationUpdate, requestRenewalUpdate, type RenewalInput } from '../../workflows/license/contract';
import type { Claimant, DocumentService } from '../documents/service';
import { filingAuthority } from '../filing';
import { conflict, notFound } from '../errors';
import type { CancellationBody, ObjectionBody, RenewalBody } from './requests';

type LicenseRow = typeof licenses.$inferSelect;

export const licenseView = (l: LicenseRow) => ({
  number: l.number,
  status: l.status,
  licenseKind: l.licenseKind,
  tradeName: l.tradeName,
  crNumber: l.crNumber,
  isicCode: l.isicCode,
  issuedOn: l.issuedOn,
  expiresOn: l.expiresOn,
  applicationId: l.applicationId,
  renewals: l.renewals,
  lastRenewedOn: l.lastRenewedOn,
  lastRenewalLate: l.lastRenewalLate,
  statusReason: l.statusReason,
  objectionDueAt: l.objectionDueAt?.toISOString() ?? null,
});

/** The holder, their office's staff and the municipality; anyone else is told there is no such license. */
function seesLicense(p: Principal, row: LicenseRow): boolean {
  const scope = caseScope(p);
  if ('all' in scope) return true;
  if ('officeId' in scope) return row.officeId === scope.officeId;
  if ('nationalId' in scope) return row.holderNationalId === scope.nationalId;
  return false;
}

export class LicenseService {
  constructor(
    private readonly db: Db,
    private readonly temporal?: Client,
    private readonly documents?: DocumentService,
  ) {}

  async verify(number: string) {
    return licenseView(await this.row(number));
  }

  async timeline(number: string, p: Principal) {
    const row = await this.visible(number, p);
    const events = await this.db.select().from(licenseEvents).where(eq(licenseEvents.licenseNumber, number)).orderBy(asc(licenseEvents.seq));
    // Who holds the municipality's tasks on it is the municipality's business.
    const shown = isMunicipality(p) ? events : events.filter((e) => !LICENSE_STAFF_EVENTS.has(e.event));
    return {
      number,
      status: row.status,
      pending: row.pending ?? null,
      events: shown.map((e) => ({ seq: e.seq, event: e.event, status: e.status, actor: e.actor, details: e.details, at: e.at.toISOString() })),
    };
  }

  /** A renewal, or its correction: the uploads it names must be the caller's own, as in a filing. */
  async renew(number: string, body: RenewalBody, p: Principal, correction = false) {
    const row = await this.visible(number, p);
    return this.withUploads(row, body.documents, p, (documents) =>
      this.handle(number).executeUpdate(correction ? correctRenewalUpdate : requestRenewalUpdate, {
        args: [{ by: p.id, ...(documents ? { documents } : {}), ...(body.workers ? { workers: body.workers } : {}) } satisfies RenewalInput],
      }),
    );
  }

  /** The holder's objection, within the suspension's window (the workflow judges; the row answers a closed license at once). */
  async object(number: string, body: ObjectionBody, p: Principal) {
    const row = await this.visible(number, p);
    if (row.status !== LicenseStatus.suspended) throw conflict(`the license is ${row.status}, not suspended`, 'refused');
    if (row.objectionDueAt && row.objectionDueAt.getTime() <= Date.now()) throw conflict(`the objection window closed at ${row.objectionDueAt.toISOString()}`, 'refused');
    return this.withUploads(row, body.documents, p, (documents) => this.handle(number).executeUpdate(objectUpdate, { args: [{ by: p.id, grounds: body.grounds, documents }] }));
  }

  /**
   * Sends a request that names uploads: they must be the caller's own, as in
   * a filing, and are claimed by the license (and its case, when it has one;
   * a license imported from before Tarkhees has none), released again if the
   * license refuses the request.
   */
  private async withUploads<T extends object>(row: LicenseRow, entries: RenewalBody['documents'], p: Principal, send: (documents?: DocumentRef[]) => Promise<T>) {
    const claimant: Claimant = row.applicationId ? { applicationId: row.applicationId, licenseNumber: row.number } : { licenseNumber: row.number };
    const filed = entries?.length ? await this.documents!.forFiling(entries, filingAuthority(p), 'body/documents', claimant) : undefined;
    const claimed = filed ? await this.documents!.claim(claimant, filed.ids) : [];
    try {
      return { number: row.number, ...(await send(filed?.documents)) };
    } catch (err) {
      await this.documents!.release(claimant, claimed);
      throw err;
    }
  }

  private handle(number: string) {
    return this.temporal!.workflow.getHandle(licenseWorkflowId(number));
  }

  async cancel(number: string, body: CancellationBody, p: Principal) {
    await this.visible(number, p);
    const result = await this.handle(number).executeUpdate(requestCancellationUpdate, { args: [{ by: p.id, reason: body.reason }] });
    return { number, ...result };
  }

  private async row(number: string): Promise<LicenseRow> {
    const [row] = await this.db.select().from(licenses).where(eq(licenses.number, number));
    if (!row) throw notFound(`no license ${number}`);
    return row;
  }

  private async visible(number: string, p: Principal): Promise<LicenseRow> {
    const row = await this.row(number);
    if (!seesLicense(p, row)) throw notFound(`no license ${number}`);
    return row;
  }
}
