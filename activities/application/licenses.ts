// Issuing a case's license: a number drawn once, whatever retries, and the
// license's own workflow started once (docs/architecture.md, "The license
// workflow": an idempotent start here rather than a child of the case).
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'drizzle-orm';
import type { IssuedLicense } from '../../domain/application';
import { addMonths, riyadhDate } from '../../domain/calendar';
import { endOfRiyadhDay } from '../../domain/license';
import type { ApplicationData } from '../../domain/application';
import { startLicenseWorkflow } from '../license/start';
import type { LicenseKind } from '../../domain/status';
import { executeNamed, type Db } from '../../db/client';

/** A Temporal client and the queue a license's workflow runs on. */
export interface LicenseWorkflowTarget {
  client: Client;
  taskQueue: string;
}

export function createLicenseActivities(deps: { db: Db; licenseNumberPrefix: string; now: () => Date; licenseWorkflows?: LicenseWorkflowTarget }) {
  return {
    /**
     * Issues the case's license, or returns the one already issued: the unique
     * index on application_id means a retry can never draw a second number.
     */
    async issueLicense(input: { applicationId: string; licenseKind: LicenseKind; termMonths: number }): Promise<IssuedLicense> {
      const today = riyadhDate(deps.now());
      const expires = addMonths(today, input.termMonths);
      const prefix = `${deps.licenseNumberPrefix}-${today.slice(0, 4)}-`;
      // One round trip: return the existing license, or draw a number and insert it.
      const statement = sql`
        with existing as (
          select number, issued_on::text as issued_on, expires_on::text as expires_on from licenses where application_id = ${input.applicationId}
        ), created as (
          insert into licenses (number, application_id, license_kind, cr_number, trade_name, holder_national_id, isic_code, issued_on, expires_on,
                                office_id, holder_name, holder_mobile)
          select ${prefix} || lpad(nextval('license_number_seq')::text, 6, '0'), a.id, ${input.licenseKind}, a.cr_number, a.trade_name,
                 a.applicant_national_id, a.isic_code, ${today}::date, ${expires}::date, a.office_id, a.applicant_name, a.applicant_mobile
          from applications a
          where a.id = ${input.applicationId} and not exists (select 1 from existing)
          on conflict (application_id) do nothing
          returning number, issued_on::text as issued_on, expires_on::text as expires_on
        )
        select * from existing union all select * from created`;
      type Row = { number: string; issued_on: string; expires_on: string };
      let rows = await executeNamed<Row>(deps.db, 'issue_license', statement);
      // A concurrent attempt inserted first: its row is committed now, read it.
      if (rows.length === 0) rows = await executeNamed<Row>(deps.db, 'issue_license', statement);
      const row = rows[0];
      if (!row) throw ApplicationFailure.nonRetryable(`application ${input.applicationId} has no row`, 'MissingApplicationRow');
      const license = { number: row.number, issuedOn: row.issued_on, expiresOn: row.expires_on };
      await startLicenseOf(deps.db, input, license, deps.licenseWorkflows);
      return license;
    },
  };
}

/**
 * The license's workflow, started from the issued row and its case's data. A
 * retry of the issuance finds it started (or, already over, not started again).
 */
async function startLicenseOf(db: Db, input: { applicationId: string; termMonths: number }, license: IssuedLicense, target?: LicenseWorkflowTarget): Promise<void> {
  const [app] = await executeNamed<{ data: ApplicationData; office_id: string | null }>(
    db,
    'license_case',
    sql`select data, office_id from applications where id = ${input.applicationId}`,
  );
  if (!app) throw ApplicationFailure.nonRetryable(`application ${input.applicationId} has no row`, 'MissingApplicationRow');
  const { data } = app;
  const { client, taskQueue } = target ?? { client: Context.current().client, taskQueue: Context.current().info.taskQueue };
  await startLicenseWorkflow(client, taskQueue, {
    number: license.number,
    applicationId: input.applicationId,
    licenseKind: data.licenseKind,
    crNumber: data.establishment.crNumber,
    tradeName: data.establishment.tradeName,
    isicCode: data.establishment.isicCode,
    officeId: app.office_id ?? undefined,
    holder: { nationalId: data.applicant.nationalId, name: data.applicant.name, mobile: data.applicant.mobile },
    status: 'active',
    issuedOn: license.issuedOn,
    expiresOn: license.expiresOn,
    expiresAt: endOfRiyadhDay(license.expiresOn),
    termMonths: input.termMonths,
    renewals: 0,
    remindersSent: [],
    reportIds: [],
    data,
    seq: 0,
  }, 'issued');
}
