// On whose behalf a caller files, and whether a caller may see a case: the two
// questions the applications and the documents they carry both ask.
import { caseScope, OFFICE_ROLES, Role, type Principal } from '../domain/access';
import { forbidden } from './errors';

/** Whose a filing (or an upload for one) is: an office's, or one applicant's own. */
export type FilingAuthority = { officeId: string } | { nationalId: string };

/**
 * On whose behalf a caller may file: an office (its staff, its keys) or one
 * applicant (their own national ID). A caller whose token lacks the claim
 * that says which (staff without `office_id`, an applicant without
 * `national_id`) may not file at all: filing fails closed.
 */
export function filingAuthority(p: Principal): FilingAuthority {
  const staff = p.kind === 'api_key' || p.roles.some((r) => OFFICE_ROLES.has(r));
  if (staff) {
    if (p.officeId) return { officeId: p.officeId };
    throw forbidden('this token names no office (office_id): office staff file for their own office only', 'body/officeId');
  }
  if (p.nationalId && p.roles.includes(Role.applicant)) return { nationalId: p.nationalId };
  throw forbidden('this token names no national ID (national_id): an applicant files under their own only', 'body/applicant/nationalId');
}

/** Whether the caller may see a case: the municipality every one, an office its own, an applicant theirs. */
export function seesCase(p: Principal, row: { officeId: string | null; applicantNationalId: string }): boolean {
  const scope = caseScope(p);
  if ('all' in scope) return true;
  if ('officeId' in scope) return row.officeId === scope.officeId;
  if ('nationalId' in scope) return row.applicantNationalId === scope.nationalId;
  return false;
}
