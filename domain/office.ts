// What a service office files to be accredited, and the check of it. Pure:
// the accreditation workflow and the API import it alike.
import type { Deficiency } from './application';
import { OFFICE_DOCUMENT_TYPES, Role, type OfficeDocumentType, type OfficeStatus, type StaffRole } from './access';

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

// An office's accreditation workflow, as the workflow holds it (its contract re-exports these).

export const OFFICE_ID_PATTERN = '^OFF-[0-9A-HJKMNP-TV-Z]{6}$';
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newOfficeId(randomBytes: Uint8Array): string {
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += CROCKFORD[(randomBytes[i] ?? 0) % 32];
  return `OFF-${suffix}`;
}

export const OfficeStage = {
  documentCheck: 'document_check',
  awaitingAmendment: 'awaiting_amendment',
  awaitingDecision: 'awaiting_decision',
  /** Accredited or suspended: the office's working life. */
  active: 'active',
  closed: 'closed',
} as const;
export type OfficeStage = (typeof OfficeStage)[keyof typeof OfficeStage];

export interface OfficeTiming {
  /** How long an office has to complete its file before the application lapses. */
  amendmentDeadlineMs: number;
}

export interface OfficeState {
  officeId: string;
  roundId: string;
  status: OfficeStatus;
  stage: OfficeStage;
  deficiencies: Deficiency[];
  application: OfficeApplication;
  amendmentDueAt?: string;
  statusReason?: string;
  accreditedAt?: string;
  /** Transition counter, carried across continue-as-new so (office, seq) stays unique. */
  seq: number;
}

