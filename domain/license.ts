// An issued license as its workflow holds it, the rules that time its life,
// and the pure arithmetic of its term. Pure: imported by the workflow sandbox,
// the activities and the API alike.
import type { InvoiceRef } from './payments';
import type { ApplicationData, Deficiency, DocumentRef, Worker } from './application';
import { addMonths } from './calendar';
import type { Role } from './roles';
import type { Agency, LicenseKind, LicenseStatus, ReviewDecision, ReviewKind, TaskKind, ViolationSeverity } from './status';

/** The durations of a license's life, per kind (`license_rules`, seeded from db/rules.json), in milliseconds. */
export interface LicenseRules {
  /** How long before expiry the renewal window opens. */
  renewalWindowMs: number;
  /** How long before expiry each reminder goes; one at or before the window's opening is the opening's own message. */
  remindersMs: number[];
  /** How long after expiry a late renewal is still taken. */
  gracePeriodMs: number;
  /** How long a suspended holder has to object before the suspension becomes a revocation. */
  objectionWindowMs: number;
  /** How long the holder has to correct a renewal's deficiencies. */
  renewalCorrectionMs: number;
  /** How long a cancellation may wait on an agency's outstanding obligation before the request lapses. */
  cancellationDeadlineMs: number;
  /** How often a waiting cancellation (or renewal) asks the agencies again. */
  agencyRecheckMs: number;
  /** Public-health activities: the time between periodic inspections, by the activity's risk class (inspection_rules); absent, none. */
  inspectionIntervalMs?: number;
}

/** What an agency reported against the license, as the license keeps it while suspended. */
export interface Suspension {
  /** The agency's report id, or the inspection task whose closure violation caused it. */
  reportId: string;
  /** Who caused it: only a 'resolved' from the same agency lifts it; none, the municipality's inspection did. */
  agency?: Agency;
  kind: 'violation' | 'closure';
  reason: string;
  since: string;
  objectionDueAt: string;
  /** The status the license goes back to when reinstated (the clock may have moved it on meanwhile). */
  before: LicenseStatus;
  /** The holder's objection, once made: while it waits for a supervisor, the window's end does not revoke. */
  objection?: Objection;
}

/** One violation an inspector recorded, as violation_codes has it, with their note. */
export interface Finding {
  code: string;
  severity: ViolationSeverity;
  textAr: string;
  textEn: string;
  /** A fix: the time to fix it before the re-inspection. */
  fixWithinMs?: number;
  note?: string;
}

/** When the license's next inspection comes due, periodic or the re-inspection of violations to fix. */
export interface InspectionSchedule {
  dueAt: string;
  /** A re-inspection: the codes it checks were fixed. */
  reinspects?: string[];
}

/** What the holder sent against a suspension, and the task that decides it. */
export interface Objection {
  by: string;
  at: string;
  grounds: string;
  documents: DocumentRef[];
  taskId: string;
}

/**
 * A task the municipality works on a license (an objection's review): the
 * inbox's row is its projection. Its SLA is the reviews' own (task_slas):
 * reminded at `remindAt`, escalated at `dueAt`.
 */
export interface LicenseTask {
  kind: TaskKind;
  requiredRole: Role;
  round: number;
  dueAt: string;
  remindAt: string;
  holder?: string;
  reminded?: boolean;
  overdue?: boolean;
  /** An office's task (a renewal's review, by the license's office): in its inbox, its reminders to it. None: the municipality's. */
  officeId?: string;
}

/** One review of a renewal's round: its task, and once decided, by whom and how. */
export interface RenewalReview {
  kind: ReviewKind;
  taskId: string;
  decision?: ReviewDecision;
  by?: string;
  reasons?: string[];
  comment?: string;
  decidedAt?: string;
}

/** A renewal the holder asked for, while its checks run, it waits for their correction, or its reviewers decide it. */
export interface RenewalInProgress {
  requestedBy: string;
  requestedAt: string;
  /** Asked for after expiry, within the grace period. */
  late: boolean;
  stage: 'checking' | 'awaiting_correction' | 'awaiting_agency' | 'review' | 'awaiting_payment';
  deficiencies: Deficiency[];
  correctionDueAt?: string;
  /** When an unavailable agency is asked again. */
  recheckAt?: string;
  /** Who sent its corrections: like its requester, none of them reviews it. */
  correctedBy?: string[];
  /** The review round under way (stage review), or the last one (a return); rounds count from 1. */
  round?: number;
  reviews?: RenewalReview[];
  /** Stage awaiting_payment: the renewal's invoice; paid, the license renews. */
  invoice?: InvoiceRef;
}

/** What one agency says about letting the establishment go. */
export interface Clearance {
  cleared: boolean;
  /** What is outstanding, in the agency's own codes (empty when cleared). */
  outstanding: string[];
  /** The agency did not answer: asked again at the next recheck. */
  unavailable?: boolean;
  checkedAt: string;
}

export interface CancellationInProgress {
  requestedBy: string;
  requestedAt: string;
  reason?: string;
  dueAt: string;
  recheckAt?: string;
  clearances: Partial<Record<Agency, Clearance>>;
}

export interface LicenseHolder {
  nationalId: string;
  name: string;
  mobile: string;
}

export interface LicenseState {
  number: string;
  /** The case that issued it; none for a license imported from before Tarkhees. */
  applicationId?: string;
  licenseKind: LicenseKind;
  crNumber: string;
  tradeName: string;
  isicCode: string;
  officeId?: string;
  holder: LicenseHolder;
  status: LicenseStatus;
  issuedOn: string;
  /** The last day in force (Riyadh). */
  expiresOn: string;
  /** The instant it stops being in force: the end of `expiresOn` in Riyadh (tests set it seconds away). */
  expiresAt: string;
  termMonths: number;
  renewals: number;
  /** The last renewal came after expiry, within the grace period. */
  lastRenewalLate?: boolean;
  /** Reminders already sent for this term, by their offset before expiry. */
  remindersSent: number[];
  suspension?: Suspension;
  renewal?: RenewalInProgress;
  cancellation?: CancellationInProgress;
  /** Public-health activities: the next inspection (an open inspection task is in `tasks`). */
  inspection?: InspectionSchedule;
  /** Open tasks by id (objectionTaskId, inspectionTaskId); absent until one opens. */
  tasks?: Record<string, LicenseTask>;
  /** Agency reports already taken: the same report id twice is one report. */
  reportIds: string[];
  /** What a renewal re-checks: the documents and workers on record, merged with each renewal's. */
  data: ApplicationData;
  /** The timeline's counter, carried across continue-as-new so (number, seq) never repeats. */
  seq: number;
}

export const FINAL_LICENSE_STATUSES: ReadonlySet<LicenseStatus> = new Set<LicenseStatus>(['revoked', 'cancelled']);

const DAY_MS = 86_400_000;
const RIYADH_OFFSET_MS = 3 * 3_600_000;

/** A license runs to the end of its expiry day, Riyadh time. */
export function endOfRiyadhDay(isoDate: string): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + DAY_MS - RIYADH_OFFSET_MS).toISOString();
}

/**
 * The next term: the same number of months counted from the old expiry (never
 * from the renewal's day, so renewing early loses nothing and renewing late
 * gains nothing). The instant moves by as much as the date did.
 */
export function nextTerm(s: Pick<LicenseState, 'expiresOn' | 'expiresAt' | 'termMonths'>): { expiresOn: string; expiresAt: string } {
  const expiresOn = addMonths(s.expiresOn, s.termMonths);
  const shift = Date.parse(`${expiresOn}T00:00:00Z`) - Date.parse(`${s.expiresOn}T00:00:00Z`);
  return { expiresOn, expiresAt: new Date(Date.parse(s.expiresAt) + shift).toISOString() };
}

/** A renewal's documents and workers merged into what the license has on record: documents by type, workers replaced when given. */
export function mergeRenewal(data: ApplicationData, change: { documents?: DocumentRef[]; workers?: Worker[] }): ApplicationData {
  const documents = change.documents?.length
    ? [...data.documents.filter((d) => !change.documents!.some((c) => c.type === d.type)), ...change.documents]
    : data.documents;
  return { ...data, documents, ...(change.workers ? { workers: change.workers } : {}) };
}
