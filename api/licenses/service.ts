// A license as anyone may verify it by its number, and the one view of a
// license row (the case's detail shows the same).
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { licenses } from '../../db/schema';
import { notFound } from '../errors';

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
});

export class LicenseService {
  constructor(private readonly db: Db) {}

  async verify(number: string) {
    const [row] = await this.db.select().from(licenses).where(eq(licenses.number, number));
    if (!row) throw notFound(`no license ${number}`);
    return licenseView(row);
  }
}
