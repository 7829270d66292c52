// The intake of agency reports: refuse what the signer may not say, keep the
// report once per id (a repeat with the same body is a replay, with another a
// conflict), and hand it to its dispatch workflow. The report is stored before
// Temporal is asked, so an outage loses nothing: the sweep starts it later.
import type { Principal } from '../../domain/access';
import type { AgencyReport } from '../../domain/agency-reports';
import type { Db } from '../../db/client';
import type { AgencyReportDispatcher } from '../../integrations/agency-reports/dispatch';
import { canonicalHash } from '../canonical';
import { conflict, HttpError } from '../errors';
import type { AgencyReportAnswer, AgencyReportBody } from './schemas';
import { AgencyReportStore, type AgencyReportRow } from './store';

const answerOf = (row: AgencyReportRow): AgencyReportAnswer => ({
  id: row.reportId,
  agency: row.agency,
  crNumber: row.crNumber,
  kind: row.kind,
  receivedAt: row.receivedAt.toISOString(),
});

export class AgencyReportService {
  private readonly store: AgencyReportStore;

  constructor(
    db: Db,
    private readonly dispatcher: AgencyReportDispatcher,
  ) {
    this.store = new AgencyReportStore(db);
  }

  async receive(signer: Principal, body: AgencyReportBody): Promise<{ answer: AgencyReportAnswer; replayed: boolean }> {
    if (body.agency !== signer.id) {
      throw new HttpError(403, 'agency_mismatch', `body/agency: "${body.agency}", but the report is signed by ${signer.id}: an agency reports only as itself`, 'body/agency');
    }
    const report: AgencyReport = { ...body, reportedAt: new Date(body.reportedAt).toISOString() };
    const hash = canonicalHash(report);
    const inserted = await this.store.insert(report, hash);
    const row = inserted ?? (await this.store.find(report));
    if (!row) throw new Error(`agency report ${report.agency}/${report.id} neither inserted nor found`);
    if (row.bodyHash !== hash) {
      throw conflict(`report ${report.id} of ${report.agency} was received before with another body: a new report needs a new id`, 'report_id_reused');
    }
    // A replay nudges a dispatch that never started (Temporal was down when the report first came).
    if (!row.workflowStartedAt) await this.dispatcher.start(report);
    return { answer: answerOf(row), replayed: !inserted };
  }
}
