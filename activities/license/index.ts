// The license workflow's side effects: its rules, its transitions (projection,
// timeline, SMS), and the agencies' clearance for a cancellation.
import type { LicenseRules } from '../../domain/license';
import type { Agency, LicenseKind, ReviewKind } from '../../domain/status';
import type { Db } from '../../db/client';
import { loadActivityLicenseRules, loadLicenseRules } from '../../db/rules';
import type { ClearanceClient } from '../../integrations/agencies';
import { createClearanceActivities } from './agencies';
import { createLicenseImportActivities } from './imports';
import { createLicenseTransitionActivities } from './transitions';

export type { LicenseTransition } from './transitions';

export function createLicenseLifecycleActivities(deps: { db: Db; clearances?: Record<Agency, ClearanceClient>; now: () => Date }) {
  return {
    ...createLicenseTransitionActivities(deps.db),
    ...createClearanceActivities(deps),
    ...createLicenseImportActivities(deps),
    /** Read fresh each run (a primary-key row, the activity's inspection interval): a test or an operator's edit applies at the next run. */
    async licenseRules(kind: LicenseKind, isicCode: string): Promise<LicenseRules> {
      const [rules, { inspectionIntervalMs }] = await Promise.all([loadLicenseRules(deps.db, kind), loadActivityLicenseRules(deps.db, isicCode)]);
      return inspectionIntervalMs === undefined ? rules : { ...rules, inspectionIntervalMs };
    },
    /** The reviews a renewal of this activity needs, read when its checks pass: an edit to activity_rules applies to the next renewal checked. */
    async renewalReviews(isicCode: string): Promise<ReviewKind[]> {
      return (await loadActivityLicenseRules(deps.db, isicCode)).renewalReviews;
    },
  };
}
