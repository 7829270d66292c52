// What a service office files to be accredited, and the check of it. Pure:
// the accreditation workflow and the API import it alike.
import type { Deficiency } from './application';
import { OFFICE_DOCUMENT_TYPES, Role, type OfficeDocumentType, type StaffRole } from './access';

export interface OfficeDocument {
  type: OfficeDocumentType;
  reference: string;
  /** ISO date: licenses and insurance lapse. */
  expiresOn?: string;
}

export interface StaffMember {
  /** The person's subject at the identity provider: their tokens carry it. */
  userId: string;
  name: string;
  role: StaffRole;
}

export interface OfficeApplication {
  /** The engineering consulting firm. */
  name: string;
  /** The firm's license from the Saudi Council of Engineers. */
  firmLicenseNumber: string;
  crNumber: string;
  /** +9665XXXXXXXX; the office hears about its accreditation here. */
  mobile: string;
  documents: OfficeDocument[];
  staff: StaffMember[];
}

/** Changes an office sends while its application waits for them; what it leaves out stays. */
export interface OfficeAmendment {
  documents?: OfficeDocument[];
  staff?: StaffMember[];
  note?: string;
}

const d = (code: string, field: string, en: string, ar: string): Deficiency => ({ code, field, messageEn: en, messageAr: ar });

const DOCUMENT_NAMES: Record<OfficeDocumentType, [en: string, ar: string]> = {
  firm_license: ['the firm license from the Saudi Council of Engineers', 'ترخيص المكتب الهندسي من الهيئة السعودية للمهندسين'],
  commercial_registration: ['the commercial registration', 'السجل التجاري'],
  professional_indemnity: ['professional indemnity insurance', 'تأمين المسؤولية المهنية'],
};

/**
 * The municipality's conditions: every document present and valid on `today`,
 * at least one health specialist (health review) and one technical inspector.
 */
export function checkOfficeApplication(app: OfficeApplication, today: string): Deficiency[] {
  const out: Deficiency[] = [];
  for (const type of OFFICE_DOCUMENT_TYPES) {
    const doc = app.documents.find((x) => x.type === type);
    const [en, ar] = DOCUMENT_NAMES[type];
    if (!doc) out.push(d('OFFICE_DOCUMENT_MISSING', `documents/${type}`, `Missing: ${en}`, `مستند ناقص: ${ar}`));
    else if (doc.expiresOn && doc.expiresOn < today) {
      out.push(d('OFFICE_DOCUMENT_EXPIRED', `documents/${type}`, `Expired: ${en}`, `مستند منتهي: ${ar}`));
    }
  }
  if (!app.staff.some((s) => s.role === Role.healthSpecialist)) {
    out.push(d('NO_HEALTH_SPECIALIST', 'staff', 'The office needs at least one health specialist', 'يجب أن يضم المكتب أخصائي صحة واحداً على الأقل'));
  }
  if (!app.staff.some((s) => s.role === Role.technicalInspector)) {
    out.push(d('NO_TECHNICAL_INSPECTOR', 'staff', 'The office needs at least one technical inspector', 'يجب أن يضم المكتب مراقباً فنياً واحداً على الأقل'));
  }
  return out;
}

export function amendOfficeApplication(app: OfficeApplication, a: OfficeAmendment): OfficeApplication {
  const documents = new Map(app.documents.map((x) => [x.type, x]));
  for (const doc of a.documents ?? []) documents.set(doc.type, doc);
  return { ...app, documents: [...documents.values()], staff: a.staff ?? app.staff };
}
