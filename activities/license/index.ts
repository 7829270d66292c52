// The license workflow's side effects: its rules, its transitions (projection,
// timeline, SMS), and the agencies' clearance for a cancellation.
import type { LicenseRules } from '../../domain/license';
import type { Agency, LicenseKind } from '../../domain/status';
import type { Db } from '../../db/client';
import { loadLicenseRules } from '../../db/rules';
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
    /** Read fresh each run (one primary-key row): a test or an operator's edit applies at the next run. */
    licenseRules: (kind: LicenseKind): Promise<LicenseRules> => loadLicenseRules(deps.db, kind),
  };
}
