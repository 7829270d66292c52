// Issuing a case's license: a number drawn once, whatever retries.
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'drizzle-orm';
import type { IssuedLicense } from '../../domain/application';
import { addMonths, riyadhDate } from '../../domain/calendar';
import type { LicenseKind } from '../../domain/status';
import { executeNamed, type Db } from '../../db/client';

export function createLicenseActivities(deps: { db: Db; licenseNumberPrefix: string; now: () => Date }) {
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
      let rows = await executeNamed<Row>(deps.db, 'issue_license', statement);
      // A concurrent attempt inserted first: its row is committed now, read it.
      if (rows.length === 0) rows = await executeNamed<Row>(deps.db, 'issue_license', statement);
      const row = rows[0];
      if (!row) throw ApplicationFailure.nonRetryable(`application ${input.applicationId} has no row`, 'MissingApplicationRow');
      return { number: row.number, issuedOn: row.issued_on, expiresOn: row.expires_on };
    },
  };
}
