// Completeness and conditions checks as pure functions over the rules data.
// The activities load the rules from PostgreSQL and pass "today" in, so these
// are unit-testable and the same answer comes out for the same input.
import type { ApplicationData, CompletenessResult, ConditionsResult, Deficiency } from './application';
import type { DocumentType, LicenseKind } from './status';

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
}

export interface RuleSet {
  kinds: Partial<Record<LicenseKind, KindRule>>;
  activities: ActivityRule[];
}

/** Owners of this many establishments are served at home (see the brief). */
export const HOME_VISIT_THRESHOLD = 5;

const DOCUMENT_NAMES: Record<DocumentType, [ar: string, en: string]> = {
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

/** Documents and fields each kind and activity needs, from the rules table. */
export function checkCompleteness(rules: RuleSet, data: ApplicationData, today: string): CompletenessResult {
  const out: Deficiency[] = [];
  const kind = rules.kinds[data.licenseKind];
  const activity = findActivity(rules, data.establishment.isicCode);
  const required = new Set<DocumentType>([...(kind?.requiredDocuments ?? []), ...(activity?.extraDocuments ?? [])]);
  const byType = new Map(data.documents.map((d) => [d.type, d]));

  for (const type of required) {
    const [ar, en] = DOCUMENT_NAMES[type];
    const doc = byType.get(type);
    if (!doc || !doc.reference.trim()) {
      out.push(deficiency('DOC_MISSING', `documents/${type}`, `المستند مفقود: ${ar}`, `Missing document: ${en}`));
    } else if (doc.expiresOn && doc.expiresOn < today) {
      out.push(
        deficiency('DOC_EXPIRED', `documents/${type}`, `المستند منتهي الصلاحية: ${ar}`, `Document has expired: ${en}`),
      );
    }
  }

  if (!data.establishment.location) {
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
