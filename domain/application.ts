// Plain data shapes of a license application. Pure types: imported by the
// workflow sandbox, the activities and the API alike.
import type {
  AgencyState,
  ApplicantRole,
  DocumentType,
  LicenseKind,
  ReviewDecision,
  ReviewerRole,
  ReviewKind,
} from './status';

export interface Applicant {
  /** National ID (starts with 1) or iqama (starts with 2), 10 digits. */
  nationalId: string;
  name: string;
  /** Normalised to +9665XXXXXXXX by the API. */
  mobile: string;
  role: ApplicantRole;
}

export interface Establishment {
  crNumber: string;
  tradeName: string;
  /** Main activity, ISIC rev. 4, 6 digits. */
  isicCode: string;
  district: string;
  location?: { lat: number; lng: number };
  areaSqm: number;
  /** How many establishments the owner runs; 5+ means the inspector visits. */
  establishmentsOwned?: number;
}

/**
 * One document an application carries: an uploaded file, named by its id
 * (POST /documents), or, while the transition lasts, a bare reference string
 * from before uploads existed (see docs/architecture.md, "Documents").
 */
export interface DocumentRef {
  type: DocumentType;
  /** The uploaded file (its expiry, if any, was entered with it). */
  documentId?: string;
  /** Deprecated: a reference to a file kept elsewhere; the transition's end is DOCUMENT_REFERENCES_UNTIL. */
  reference?: string;
  /** ISO date; with a reference only (an uploaded file carries its own). */
  expiresOn?: string;
}

export interface Worker {
  name: string;
  healthCertificateNumber: string;
  /** ISO date. */
  healthCertificateExpiry: string;
}

/** What the applicant files; corrections replace parts of it. */
export interface ApplicationData {
  applicant: Applicant;
  establishment: Establishment;
  licenseKind: LicenseKind;
  /** Commercial licenses: 1 to 5 years as requested; others follow the rules. */
  requestedTermYears?: number;
  documents: DocumentRef[];
  workers?: Worker[];
  officeId?: string;
  homeVisitRequested?: boolean;
}

/** A correction replaces the parts it names; what it leaves out stays. */
export interface Correction {
  applicant?: Partial<Applicant>;
  establishment?: Partial<Establishment>;
  requestedTermYears?: number;
  documents?: DocumentRef[];
  workers?: Worker[];
  note?: string;
  submittedBy?: string;
}

export interface Deficiency {
  code: string;
  /** JSON-pointer-like path to what is missing or wrong, e.g. documents/civil_defense. */
  field: string;
  messageAr: string;
  messageEn: string;
}

export interface CompletenessResult {
  complete: boolean;
  deficiencies: Deficiency[];
}

export interface ConditionsResult {
  met: boolean;
  reasons: Deficiency[];
  healthReviewRequired: boolean;
  /** How long the license runs once issued. */
  termMonths: number;
  homeVisit: boolean;
}

export interface ReviewDecisionInput {
  kind: ReviewKind;
  reviewer: { id: string; role: ReviewerRole; name?: string };
  decision: ReviewDecision;
  reasons?: string[];
  comment?: string;
  /** Required when returning for correction: what the applicant must fix. */
  deficiencies?: Deficiency[];
}

export interface ReviewRecord extends ReviewDecisionInput {
  round: number;
  decidedAt: string;
}

export interface AgencyResult {
  state: AgencyState;
  reference?: string;
  reasons?: string[];
  checkedAt?: string;
  lastError?: string;
}

export interface IssuedLicense {
  number: string;
  issuedOn: string;
  expiresOn: string;
}
