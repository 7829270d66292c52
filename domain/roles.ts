// The roles a person holds, as the identity provider's token names them. Their
// own module: the status vocabulary spells reviewers and waits with them, and
// the access policy (access.ts) says what each may do.

export const Role = {
  applicant: 'applicant',
  officeClerk: 'office_clerk',
  healthSpecialist: 'health_specialist',
  technicalInspector: 'technical_inspector',
  officeManager: 'office_manager',
  supervisor: 'supervisor',
  /** Municipality staff, not an office's: the periodic inspection of licensed public-health shops. */
  municipalInspector: 'municipal_inspector',
  administrator: 'administrator',
  auditor: 'auditor',
} as const;
export type Role = (typeof Role)[keyof typeof Role];
export const ROLES = Object.values(Role) as [Role, ...Role[]];
