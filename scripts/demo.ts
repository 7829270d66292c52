// The demonstration case the single-machine start and `npm run seed` file: a
// café for the built-in issuer's applicant `sara`, filed by Al-Ahsa's clerk
// with the real sample files of docs/samples, so the inbox has a case whose
// documents can be opened. Idempotent: every upload and the filing carry an
// Idempotency-Key, so a restart answers with the same documents and case.
import { readFileSync } from 'node:fs';
import type { Principal } from '../domain/access';
import type { DocumentType } from '../domain/status';
import type { ApplicationService } from '../api/applications/service';
import type { DocumentService } from '../api/documents/service';

const SAMPLES = new URL('../docs/samples/', import.meta.url);

/** The clerk as the built-in issuer's token would name him. */
const CLERK: Principal = { kind: 'user', id: 'clerk.ahsa', name: 'Fahad Al-Mulla', roles: ['office_clerk'], officeId: 'OFF-000001' };

const FILES: { type: DocumentType; file: string; expiresOn?: string }[] = [
  { type: 'storefront_photo', file: 'storefront.png' },
  { type: 'lease_or_deed', file: 'lease.pdf', expiresOn: '2027-11-30' },
  { type: 'building_permit', file: 'building-permit.pdf' },
  { type: 'civil_defense', file: 'civil-defense.pdf', expiresOn: '2027-10-31' },
  { type: 'cleaning_contract', file: 'cleaning-contract.pdf', expiresOn: '2027-09-30' },
];

export async function fileDemoCase(services: { applications: ApplicationService; documents: DocumentService }): Promise<string> {
  const documents = [];
  for (const f of FILES) {
    const bytes = readFileSync(new URL(f.file, SAMPLES));
    const { document } = await services.documents.upload({ type: f.type, expiresOn: f.expiresOn, file: { bytes, filename: f.file } }, CLERK, `demo-upload-${f.type}`);
    documents.push({ type: f.type, documentId: document.id });
  }
  const { id } = await services.applications.submit(
    {
      applicant: { nationalId: '1000000008', name: 'Sara Al-Mubarak', mobile: '0551234567', role: 'owner' },
      establishment: {
        crNumber: '2250777121',
        tradeName: 'قهوة الحي',
        isicCode: '563001',
        district: 'Al-Malaz',
        location: { lat: 24.66, lng: 46.73 },
        areaSqm: 64,
      },
      licenseKind: 'health',
      documents,
      workers: [{ name: 'Ahmed Karim', healthCertificateNumber: 'HC-7654321', healthCertificateExpiry: '2027-08-31' }],
    },
    CLERK,
    'demo-case-0001',
  );
  return id;
}
