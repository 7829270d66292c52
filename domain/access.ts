import type { TaskKind } from './status';

// Who may do what. The roles come from the identity provider's token (or an API
// key's scope); the operations are what the routes ask for. One table, read by
// the API's authorization hook, the tests' access matrix and the docs.

export { Role, ROLES } from './roles';
import { Role } from './roles';

/** Roles whose holder works for one service office and sees only its cases. */
export const OFFICE_ROLES: ReadonlySet<Role> = new Set<Role>([
  Role.officeClerk,
  Role.healthSpecialist,
  Role.technicalInspector,
  Role.officeManager,
]);

/** Roles that see every case and office (the municipality's own staff). */
export const MUNICIPALITY_ROLES: ReadonlySet<Role> = new Set<Role>([Role.supervisor, Role.municipalInspector, Role.administrator, Role.auditor]);

export const Operation = {
  applicationSubmit: 'application.submit',
  applicationRead: 'application.read',
  applicationCorrect: 'application.correct',
  reviewHealth: 'review.health',
  reviewTechnical: 'review.technical',
  applicationReassign: 'application.reassign',
  officeRead: 'office.read',
  officeApply: 'office.apply',
  officeAmend: 'office.amend',
  officeDecide: 'office.decide',
  officeStanding: 'office.standing',
  roundManage: 'round.manage',
  apiKeyManage: 'api_key.manage',
  apiKeyRead: 'api_key.read',
  auditRead: 'audit.read',
  taskRead: 'task.read',
  taskClaim: 'task.claim',
  taskReassign: 'task.reassign',
  commentRead: 'comment.read',
  commentWrite: 'comment.write',
  notificationRead: 'notification.read',
  /** Saying an escalation has been seen to: a change, so not a reader's right. */
  notificationAcknowledge: 'notification.acknowledge',
  reportRead: 'report.read',
  operationsRead: 'operations.read',
  operationsRepair: 'operations.repair',
  /** An agency's report against an establishment (POST /agency-reports): agencies only, by their signature. */
  agencyReportSubmit: 'agency_report.submit',
  /** A license's timeline (its state is public: GET /licenses/:number). */
  licenseRead: 'license.read',
  licenseRenew: 'license.renew',
  licenseCancel: 'license.cancel',
  /** The holder's objection to a suspension (POST /licenses/:number/objection). */
  licenseObject: 'license.object',
  /** Deciding an objection from the inbox: the municipality's supervisors. */
  objectionDecide: 'objection.decide',
  /** Recording a periodic inspection's result from the inbox: the municipal inspectors. */
  inspectionRecord: 'inspection.record',
  /** Deciding a renewal's review of a license with no office (imported so): the municipal inspectors. An office's reviewers decide theirs by review.health / review.technical. */
  renewalReview: 'renewal.review',
  /** Bringing in licenses issued before Tarkhees, and following an import's progress. */
  licenseImport: 'license.import',
  /** The payment gateway's notification of a payment (POST /payments/notifications): the gateway only, by its signature. */
  paymentNotify: 'payment.notify',
  /** The ledger: invoices, payments, mismatches, the days reconciled. */
  paymentRead: 'payment.read',
  /** Deciding a mismatch (accept, refund, dismiss) and reconciling a day on demand. */
  paymentReconcile: 'payment.reconcile',
  /** Replacing the fee schedule (reading it is public). */
  feeManage: 'fee.manage',
} as const;
export type Operation = (typeof Operation)[keyof typeof Operation];
export const OPERATIONS = Object.values(Operation) as [Operation, ...Operation[]];

const O = Operation;
const R = Role;

/**
 * The policy. Reviews belong to the office's reviewers alone: neither a
 * supervisor nor an administrator decides one (separation of duties; escalation
 * is the workbench's job). Supervisors claim and decide the municipality's own
 * tasks (objections), municipal inspectors theirs (inspections): a task is
 * claimed only with its role (TASK_ROLE). A renewal's review is its license's
 * office's reviewers' as an application's is; a license with no office has its
 * renewal reviewed by the municipal inspectors. Auditors read everything and change nothing.
 */
export const ROLE_OPERATIONS: Record<Role, ReadonlySet<Operation>> = {
  [R.applicant]: new Set([O.applicationSubmit, O.applicationRead, O.applicationCorrect, O.officeRead, O.licenseRead, O.licenseRenew, O.licenseCancel, O.licenseObject]),
  [R.officeClerk]: new Set([
    O.applicationSubmit,
    O.applicationRead,
    O.applicationCorrect,
    O.officeRead,
    O.taskRead,
    O.commentRead,
    O.commentWrite,
    O.licenseRead,
    O.licenseRenew,
    O.licenseCancel,
    O.licenseObject,
  ]),
  [R.healthSpecialist]: new Set([O.applicationRead, O.reviewHealth, O.officeRead, O.taskRead, O.taskClaim, O.commentRead, O.commentWrite, O.licenseRead]),
  [R.technicalInspector]: new Set([O.applicationRead, O.reviewTechnical, O.officeRead, O.taskRead, O.taskClaim, O.commentRead, O.commentWrite, O.licenseRead]),
  [R.officeManager]: new Set([
    O.applicationSubmit,
    O.applicationRead,
    O.applicationCorrect,
    O.officeRead,
    O.officeApply,
    O.officeAmend,
    O.apiKeyManage,
    O.apiKeyRead,
    O.taskRead,
    O.commentRead,
    O.commentWrite,
    O.notificationRead,
    O.notificationAcknowledge,
    O.licenseRead,
    O.licenseRenew,
    O.licenseCancel,
    O.licenseObject,
  ]),
  [R.supervisor]: new Set([
    O.applicationRead,
    O.applicationReassign,
    O.officeRead,
    O.officeDecide,
    O.officeStanding,
    O.roundManage,
    O.apiKeyRead,
    O.auditRead,
    O.taskRead,
    O.taskClaim,
    O.taskReassign,
    O.objectionDecide,
    O.commentRead,
    O.commentWrite,
    O.notificationRead,
    O.notificationAcknowledge,
    O.reportRead,
    O.operationsRead,
    O.licenseRead,
    O.paymentRead,
  ]),
  [R.municipalInspector]: new Set([O.applicationRead, O.officeRead, O.taskRead, O.taskClaim, O.inspectionRecord, O.renewalReview, O.licenseRead]),
  [R.administrator]: new Set([
    O.applicationRead,
    O.applicationReassign,
    O.officeRead,
    O.officeApply,
    O.officeAmend,
    O.roundManage,
    O.apiKeyManage,
    O.apiKeyRead,
    O.auditRead,
    O.taskRead,
    O.commentRead,
    O.commentWrite,
    O.reportRead,
    O.operationsRead,
    O.operationsRepair,
    O.licenseRead,
    O.licenseImport,
    O.paymentRead,
    O.paymentReconcile,
    O.feeManage,
  ]),
  [R.auditor]: new Set([O.applicationRead, O.officeRead, O.apiKeyRead, O.auditRead, O.taskRead, O.commentRead, O.reportRead, O.licenseRead, O.paymentRead]),
};

/** What an API key (an office's own software, a portal) may be scoped to. */
export const API_KEY_OPERATIONS = [O.applicationSubmit, O.applicationRead, O.applicationCorrect, O.officeRead] as const;
export type ApiKeyOperation = (typeof API_KEY_OPERATIONS)[number];

/** What an agency (the Labor Office, Zakat & Income) may do: report, and nothing else. */
export const AGENCY_OPERATIONS: ReadonlySet<Operation> = new Set<Operation>([O.agencyReportSubmit]);

/** What the payment gateway may do: notify a payment, and nothing else. */
export const GATEWAY_OPERATIONS: ReadonlySet<Operation> = new Set<Operation>([O.paymentNotify]);

/** The kinds of caller: the audit log's actor_kind (with `anonymous`, nobody identified) and GET /me's kind. */
export const PRINCIPAL_KINDS = ['user', 'api_key', 'agency', 'gateway'] as const;

/**
 * Who is calling: a person from a verified token, an office's system by API
 * key, an agency by the signature over its report (id: the agency, as
 * `Agency` spells it; no roles, no office), or the payment gateway by the
 * signature over its notification.
 */
export interface Principal {
  kind: (typeof PRINCIPAL_KINDS)[number];
  /** Token subject, the API key's id, or the agency. */
  id: string;
  name?: string;
  roles: Role[];
  /** The office a member of staff (or a key) works for. */
  officeId?: string;
  /** An applicant's own national ID or iqama: the cases they may see are theirs. */
  nationalId?: string;
  /** API keys: the operations the key was scoped to. */
  scopes?: readonly Operation[];
  /** Which client software made the call (token azp / client_id, or the key's name). */
  client?: string;
}

/** The municipality's own staff: they see every office and case. */
export function isMunicipality(p: Principal): boolean {
  return p.kind === 'user' && p.roles.some((r) => MUNICIPALITY_ROLES.has(r));
}

export function can(p: Principal, op: Operation): boolean {
  if (p.kind === 'api_key') return p.scopes?.includes(op) ?? false;
  if (p.kind === 'agency') return AGENCY_OPERATIONS.has(op);
  if (p.kind === 'gateway') return GATEWAY_OPERATIONS.has(op);
  return p.roles.some((r) => ROLE_OPERATIONS[r].has(op));
}

/** Which cases a caller may see: all, one office's, or one applicant's own. */
export type CaseScope = { all: true } | { officeId: string } | { nationalId: string } | { none: true };

export function caseScope(p: Principal): CaseScope {
  if (p.kind === 'api_key') return p.officeId ? { officeId: p.officeId } : { none: true };
  if (isMunicipality(p)) return { all: true };
  if (p.officeId && p.roles.some((r) => OFFICE_ROLES.has(r))) return { officeId: p.officeId };
  if (p.nationalId && p.roles.includes(Role.applicant)) return { nationalId: p.nationalId };
  return { none: true };
}

/** Who works a task of each kind. */
export const TASK_ROLE: Record<TaskKind, Role> = {
  health_review: Role.healthSpecialist,
  technical_review: Role.technicalInspector,
  applicant_correction: Role.applicant,
  objection_review: Role.supervisor,
  inspection: Role.municipalInspector,
};

export const OfficeStatus = {
  applying: 'applying',
  accredited: 'accredited',
  suspended: 'suspended',
  revoked: 'revoked',
  /** The municipality turned the application down (or the firm let it lapse). */
  refused: 'refused',
} as const;
export type OfficeStatus = (typeof OfficeStatus)[keyof typeof OfficeStatus];
export const OFFICE_STATUSES = Object.values(OfficeStatus) as [OfficeStatus, ...OfficeStatus[]];

/** Staff an office declares; the accreditation check counts the reviewers among them. */
export const STAFF_ROLES = [Role.officeClerk, Role.healthSpecialist, Role.technicalInspector, Role.officeManager] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const OfficeDocumentType = {
  firmLicense: 'firm_license',
  commercialRegistration: 'commercial_registration',
  professionalIndemnity: 'professional_indemnity',
} as const;
export type OfficeDocumentType = (typeof OfficeDocumentType)[keyof typeof OfficeDocumentType];
export const OFFICE_DOCUMENT_TYPES = Object.values(OfficeDocumentType) as [OfficeDocumentType, ...OfficeDocumentType[]];
