// A license as anyone may verify it by its number, and the one view of a
// license row (the case's detail shows the same); its timeline for those who
// may see it; the holder's renewal and cancellation, sent to its workflow.
import type { Client } from '@temporalio/client';
import { asc, eq } from 'drizzle-orm';
import { caseScope, type Principal } from '../../domain/access';
import type { Db } from '../../db/client';
import { licenseEvents, licenses } from '../../db/schema';
import { correctRenewalUpdate, licenseWorkflowId, requestCancellationUpdate, requestRenewalUpdate, type RenewalInput } from '../../workflows/license/contract';
import type { DocumentService } from '../documents/service';
import { filingAuthority } from '../filing';
import { HttpError, notFound } from '../errors';
import type { CancellationBody, RenewalBody } from './requests';

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
    return {
      number,
      status: row.status,
      pending: row.pending ?? null,
      events: events.map((e) => ({ seq: e.seq, event: e.event, status: e.status, actor: e.actor, details: e.details, at: e.at.toISOString() })),
    };
  }

  /** A renewal, or its correction: the uploads it names must be the caller's own, as in a filing. */
  async renew(number: string, body: RenewalBody, p: Principal, correction = false) {
    const row = await this.visible(number, p);
    // Uploads are claimed by a case; a license imported from before Tarkhees has none to claim them yet (Known gaps).
    if (row.applicationId === null && body.documents?.length) {
      throw new HttpError(409, 'imported_license_documents', 'body/documents: a license imported from before Tarkhees cannot take uploads with its renewal yet', 'body/documents');
    }
    const filed = body.documents?.length ? await this.documents!.forFiling(body.documents, filingAuthority(p), 'body/documents', row.applicationId!) : undefined;
    const input: RenewalInput = { by: p.id, ...(filed ? { documents: filed.documents } : {}), ...(body.workers ? { workers: body.workers } : {}) };
    const claimed = filed ? await this.documents!.claim(row.applicationId!, filed.ids) : [];
    try {
      const result = await this.temporal!.workflow.getHandle(licenseWorkflowId(number)).executeUpdate(correction ? correctRenewalUpdate : requestRenewalUpdate, { args: [input] });
      return { number, ...result };
    } catch (err) {
      await this.documents!.release(row.applicationId!, claimed);
      throw err;
    }
  }

  async cancel(number: string, body: CancellationBody, p: Principal) {
    await this.visible(number, p);
    const result = await this.temporal!.workflow.getHandle(licenseWorkflowId(number)).executeUpdate(requestCancellationUpdate, { args: [{ by: p.id, reason: body.reason }] });
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
