// Completeness and conditions checks as pure functions over the rules data.
// The activities load the rules from PostgreSQL and pass "today" in, so these
// are unit-testable and the same answer comes out for the same input.
import type { ApplicationData, CompletenessResult, ConditionsResult, Deficiency } from './application';
import type { FileKind } from './files';
import { DocumentState, ExpiryRule, type DocumentType, type LicenseKind, type ReviewKind } from './status';

export interface KindRule {
  kind: LicenseKind;
  requiredDocuments: DocumentType[];
  minTermYears: number;
  maxTermYears: number;
  defaultTermYears: number;
}

export interface ActivityRule {
  isicPrefix: string;
  nameAr: string;
  nameEn: string;
  healthReview: boolean;
  allowedKinds: LicenseKind[];
  extraDocuments: DocumentType[];
  requiresWorkerCertificates: boolean;
  minAreaSqm: number;
  maxAreaSqm: number | null;
  termMonths: number | null;
  /** Public-health activities: the risk class that sets how often its shops are inspected (inspection_rules); null, never inspected. */
  riskClass: string | null;
  /** The reviews a renewal needs once its checks pass (health, technical), as an application's are done; empty, none. */
  renewalReviews: ReviewKind[];
}

/** What a document of one type must be: the files accepted, how big, whether it lapses, how long it is kept. */
export interface DocumentRule {
  type: DocumentType;
  acceptedKinds: FileKind[];
  maxBytes: number;
  expiry: ExpiryRule;
  /** How long a filed case's files are kept after it closes (an issued one: after its license lapses), as PostgreSQL writes an interval. */
  retention: string;
}

export interface RuleSet {
  kinds: Partial<Record<LicenseKind, KindRule>>;
  activities: ActivityRule[];
  documents: Partial<Record<DocumentType, DocumentRule>>;
}

/** What a filing of this kind and activity must carry: the documents (the kind's and the activity's own), and whether workers' certificates. */
export function requirementsOf(rules: RuleSet, kind: LicenseKind, isicCode: string): { documents: DocumentType[]; workers: boolean } {
  const activity = findActivity(rules, isicCode);
  const documents = new Set<DocumentType>([...(rules.kinds[kind]?.requiredDocuments ?? []), ...(activity?.extraDocuments ?? [])]);
  return { documents: [...documents], workers: activity?.requiresWorkerCertificates ?? false };
}

/** What the completeness check knows of an uploaded file, from the documents table. */
export interface StoredDocumentFacts {
  type: DocumentType;
  state: DocumentState;
  fileKind: FileKind;
  expiresOn: string | null;
}

/** Owners of this many establishments are served at home (see the brief). */
export const HOME_VISIT_THRESHOLD = 5;

export const DOCUMENT_NAMES: Record<DocumentType, [ar: string, en: string]> = {
  storefront_photo: ['صورة واجهة المحل', 'storefront photo'],
  lease_or_deed: ['عقد الإيجار أو صك الملكية', 'lease contract or title deed'],
  building_permit: ['رخصة البناء', 'building permit'],
  civil_defense: ['شهادة الدفاع المدني', 'civil-defense certificate'],
  cleaning_contract: ['عقد النظافة', 'cleaning contract'],
};

export function findActivity(rules: RuleSet, isicCode: string): ActivityRule | undefined {
  let best: ActivityRule | undefined;
  for (const a of rules.activities) {
    if (isicCode.startsWith(a.isicPrefix) && (!best || a.isicPrefix.length > best.isicPrefix.length)) best = a;
  }
  return best;
}

function deficiency(code: string, field: string, messageAr: string, messageEn: string): Deficiency {
  return { code, field, messageAr, messageEn };
}

/**
 * Documents and fields each kind and activity needs, from the rules table. A
 * renewal's check (`renewal`) asks only for what can have changed or lapsed
 * since issuance: the documents and the workers' certificates, not the
 * establishment's location (a license imported from before Tarkhees has
 * none on record, and no renewal would give one).
 */
export function checkCompleteness(
  rules: RuleSet,
  data: ApplicationData,
  today: string,
  stored: ReadonlyMap<string, StoredDocumentFacts> = new Map(),
  opts: { renewal?: boolean } = {},
): CompletenessResult {
  const out: Deficiency[] = [];
  const activity = findActivity(rules, data.establishment.isicCode);
  const required = requirementsOf(rules, data.licenseKind, data.establishment.isicCode).documents;
  const byType = new Map(data.documents.map((d) => [d.type, d]));

  for (const type of required) {
    const [ar, en] = DOCUMENT_NAMES[type];
    const field = `documents/${type}`;
    const doc = byType.get(type);
    const file = doc?.documentId === undefined ? undefined : stored.get(doc.documentId);
    // A bare reference (the transition) counts as it always did; an uploaded file must be there, whole and of an accepted kind.
    const present = doc?.documentId !== undefined ? file !== undefined && file.state !== DocumentState.removed && file.type === type : !!doc?.reference?.trim();
    if (!doc || !present) {
      out.push(deficiency('DOC_MISSING', field, `المستند مفقود: ${ar}`, `Missing document: ${en}`));
      continue;
    }
    const rule = rules.documents[type];
    if (file && rule && !rule.acceptedKinds.includes(file.fileKind)) {
      const kinds = rule.acceptedKinds.join(', ');
      out.push(deficiency('DOC_TYPE_NOT_ACCEPTED', field, `نوع الملف غير مقبول لـ${ar} (المقبول: ${kinds})`, `The file is not of a kind accepted for the ${en} (accepted: ${kinds})`));
      continue;
    }
    const expiresOn = file ? file.expiresOn : doc.expiresOn;
    if (file && rule?.expiry === ExpiryRule.entered && !expiresOn) {
      out.push(deficiency('DOC_EXPIRY_MISSING', field, `تاريخ انتهاء ${ar} مطلوب`, `The expiry date of the ${en} is required`));
    } else if (expiresOn && expiresOn < today) {
      out.push(deficiency('DOC_EXPIRED', field, `المستند منتهي الصلاحية: ${ar}`, `Document has expired: ${en}`));
    }
  }

  if (!data.establishment.location && !opts.renewal) {
    out.push(
      deficiency(
        'LOCATION_MISSING',
        'establishment/location',
        'موقع المنشأة (الإحداثيات) مطلوب للمعاينة',
        'The establishment location (coordinates) is required for inspection',
      ),
    );
  }

  if (activity?.requiresWorkerCertificates) {
    const workers = data.workers ?? [];
    if (workers.length === 0) {
      out.push(
        deficiency(
          'WORKERS_MISSING',
          'workers',
          'يجب إرفاق بيانات العمالة وشهاداتهم الصحية',
          'Workers and their health certificates are required for this activity',
        ),
      );
    }
    workers.forEach((w, i) => {
      if (w.healthCertificateExpiry < today) {
        out.push(
          deficiency(
            'HEALTH_CERT_EXPIRED',
            `workers/${i}/healthCertificateExpiry`,
            `الشهادة الصحية للعامل ${w.name} منتهية`,
            `Health certificate of worker ${w.name} has expired`,
          ),
        );
      }
    });
  }
  return { complete: out.length === 0, deficiencies: out };
}

/** Saudi CR numbers: 10 digits, the first naming the issuing region (1–7). */
export function isWellFormedCr(cr: string): boolean {
  return /^[1-7]\d{9}$/.test(cr) && !/^(\d)\1{9}$/.test(cr);
}

/** Whether the activity may be licensed as asked; decides the review path and term. */
export function checkConditions(rules: RuleSet, data: ApplicationData): ConditionsResult {
  const reasons: Deficiency[] = [];
  const kind = rules.kinds[data.licenseKind];
  const activity = findActivity(rules, data.establishment.isicCode);
  const est = data.establishment;

  if (!isWellFormedCr(est.crNumber)) {
    reasons.push(
      deficiency(
        'CR_MALFORMED',
        'establishment/crNumber',
        'رقم السجل التجاري غير صحيح',
        'The commercial registration number is not well formed',
      ),
    );
  }
  if (!activity) {
    reasons.push(
      deficiency(
        'ACTIVITY_NOT_LICENSABLE',
        'establishment/isicCode',
        'النشاط غير مدرج في الأنشطة المرخصة من الأمانة',
        'The activity is not one the municipality licenses',
      ),
    );
  } else {
    if (!activity.allowedKinds.includes(data.licenseKind)) {
      reasons.push(
        deficiency(
          'ACTIVITY_NOT_ALLOWED_FOR_KIND',
          'licenseKind',
          `نشاط "${activity.nameAr}" لا يرخص بهذا النوع من الرخص`,
          `"${activity.nameEn}" cannot be licensed as a ${data.licenseKind} license`,
        ),
      );
    }
    if (est.areaSqm < activity.minAreaSqm) {
      reasons.push(
        deficiency(
          'AREA_TOO_SMALL',
          'establishment/areaSqm',
          `المساحة أقل من الحد الأدنى للنشاط (${activity.minAreaSqm} م²)`,
          `The area is below the minimum for this activity (${activity.minAreaSqm} m²)`,
        ),
      );
    }
    if (activity.maxAreaSqm !== null && est.areaSqm > activity.maxAreaSqm) {
      reasons.push(
        deficiency(
          'AREA_TOO_LARGE',
          'establishment/areaSqm',
          `المساحة تتجاوز الحد الأعلى للنشاط (${activity.maxAreaSqm} م²)`,
          `The area exceeds the maximum for this activity (${activity.maxAreaSqm} m²)`,
        ),
      );
    }
  }
  const years = data.requestedTermYears ?? kind?.defaultTermYears ?? 1;
  if (kind && (years < kind.minTermYears || years > kind.maxTermYears)) {
    reasons.push(
      deficiency(
        'TERM_OUT_OF_RANGE',
        'requestedTermYears',
        `مدة الرخصة المطلوبة يجب أن تكون بين ${kind.minTermYears} و${kind.maxTermYears} سنوات`,
        `The requested term must be between ${kind.minTermYears} and ${kind.maxTermYears} years`,
      ),
    );
  }
  return {
    met: reasons.length === 0,
    reasons,
    healthReviewRequired: activity?.healthReview ?? false,
    termMonths: activity?.termMonths ?? years * 12,
    homeVisit: (est.establishmentsOwned ?? 1) >= HOME_VISIT_THRESHOLD || data.homeVisitRequested === true,
  };
}

/** A draft: an application as far as it has been typed. */
export type ApplicationDraft = Partial<Omit<ApplicationData, 'applicant' | 'establishment'>> & {
  applicant?: Partial<ApplicationData['applicant']>;
  establishment?: Partial<ApplicationData['establishment']>;
};

/** The fields a filing cannot go without, with their names for the form. */
const REQUIRED_FIELDS: [path: string, ar: string, en: string][] = [
  ['applicant/nationalId', 'رقم الهوية أو الإقامة', 'national ID or iqama number'],
  ['applicant/name', 'اسم مقدم الطلب', "applicant's name"],
  ['applicant/mobile', 'رقم الجوال', 'mobile number'],
  ['applicant/role', 'صفة مقدم الطلب', "applicant's capacity"],
  ['establishment/crNumber', 'رقم السجل التجاري', 'commercial registration number'],
  ['establishment/tradeName', 'الاسم التجاري', 'trade name'],
  ['establishment/isicCode', 'النشاط', 'activity (ISIC code)'],
  ['establishment/district', 'الحي', 'district'],
  ['establishment/areaSqm', 'المساحة', 'area'],
  ['licenseKind', 'نوع الرخصة', 'license kind'],
];

function valueAt(draft: ApplicationDraft, path: string): unknown {
  return path.split('/').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), draft);
}

/**
 * What filing this draft would run into, without filing it: the fields still
 * missing, then (once the kind and the activity are known) the completeness
 * deficiencies, then (once the establishment is whole) the conditions the
 * case would be excluded on. `fileable`: nothing of the three is left.
 */
export function validateDraft(
  rules: RuleSet,
  draft: ApplicationDraft,
  today: string,
  stored: ReadonlyMap<string, StoredDocumentFacts>,
): { fileable: boolean; deficiencies: Deficiency[] } {
  const out: Deficiency[] = [];
  for (const [path, ar, en] of REQUIRED_FIELDS) {
    const v = valueAt(draft, path);
    if (v === undefined || v === '') out.push(deficiency('FIELD_REQUIRED', path, `الحقل مطلوب: ${ar}`, `Required: ${en}`));
  }
  const est = draft.establishment ?? {};
  if (draft.licenseKind && est.isicCode) {
    // Enough to know which documents and workers are needed; blanks stand in for what is not typed yet.
    const data = {
      ...draft,
      applicant: { nationalId: '', name: '', mobile: '', role: 'owner', ...draft.applicant },
      establishment: { crNumber: '', tradeName: '', district: '', areaSqm: 0, ...est, isicCode: est.isicCode },
      licenseKind: draft.licenseKind,
      documents: draft.documents ?? [],
    } as ApplicationData;
    out.push(...checkCompleteness(rules, data, today, stored).deficiencies);
    if (est.crNumber && est.areaSqm !== undefined) out.push(...checkConditions(rules, data).reasons);
  }
  return { fileable: out.length === 0, deficiencies: out };
}
