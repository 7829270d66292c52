// The license workflow's side effects: its rules, its transitions (projection,
// timeline, SMS), and the agencies' clearance for a cancellation.
import type { LicenseRules } from '../../domain/license';
import type { Agency, LicenseKind } from '../../domain/status';
import type { Db } from '../../db/client';
import { loadInspectionInterval, loadLicenseRules } from '../../db/rules';
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
      const [rules, inspectionIntervalMs] = await Promise.all([loadLicenseRules(deps.db, kind), loadInspectionInterval(deps.db, isicCode)]);
      return inspectionIntervalMs === undefined ? rules : { ...rules, inspectionIntervalMs };
    },
  };
}
