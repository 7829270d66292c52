// Every side effect of the workflows, assembled from one room per concern.
// Each activity is idempotent: a workflow may run it again after a crash or a
// timeout, and the result must be the same rows, the same license number and
// the same SMS as the first time.
import type { Agency } from '../domain/status';
import { SUNDAY_TO_THURSDAY } from '../domain/calendar';
import type { Db } from '../db/client';
import type { AgencyClient, ClearanceClient } from '../integrations/agencies';
import type { FileStore } from '../integrations/files/store';
import { createOfficeActivities } from './accreditation/offices';
import { createAgencyReportActivities } from './agency-reports/dispatch';
import { createDocumentActivities } from './documents/sweep';
import { createAgencyActivities } from './application/agencies';
import { createCheckActivities } from './application/checks';
import { createLicenseActivities, type LicenseWorkflowTarget } from './application/licenses';
import { createSlaActivities } from './application/sla';
import { createTransitionActivities } from './application/transitions';
import { createLicenseLifecycleActivities } from './license';
import { activityClient, createInvoiceActivities } from './payments/invoices';
import { createReconciliationActivities } from './payments/reconciliation';
import type { PaymentGateway } from '../integrations/payments/gateway';

export type { OfficeTransition } from './accreditation/offices';
export type { TaskSchedule } from './application/sla';
export type { TaskChanges, Transition } from './application/transitions';
export type { LicenseTransition } from './license';
export type { InvoiceRequest, RaisedInvoice, SettledInvoice } from './payments/invoices';

export interface ActivityDeps {
  db: Db;
  agencies: Record<Agency, AgencyClient>;
  /** The agencies' clearance for a license's cancellation, and the notice that it is cancelled. */
  clearances?: Record<Agency, ClearanceClient>;
  licenseNumberPrefix: string;
  /** Working days of the week for SLAs (0 = Sunday); Sunday to Thursday unless told. */
  workDays?: ReadonlySet<number>;
  /** How long loaded rules are reused; edits to the rules tables show up after this. */
  rulesCacheMs?: number;
  /** Where uploads are kept: the document sweep removes from it. */
  files?: FileStore;
  /** The API's public URL: each SMS links to its case's page in the console. */
  consoleBase?: string;
  /** Where issuance starts a license's workflow; unset, the worker's own client and queue (an activity's context). A test that calls issueLicense outside a worker names them. */
  licenseWorkflows?: LicenseWorkflowTarget;
  /** Where bills are registered, withdrawn and refunded, and the day's statement read. */
  payments?: PaymentGateway;
  /** The municipality charges its fees through Tarkhees (FEES_CHARGED); off, no invoice is raised. */
  feesCharged?: boolean;
  now?: () => Date;
}

/** Loaded rules and SLA tables are reused this long: an edit shows up within it. */
const RULES_CACHE_MS = 10_000;

export function createActivities(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  const rulesCacheMs = deps.rulesCacheMs ?? RULES_CACHE_MS;
  const sla = createSlaActivities(deps.db, deps.workDays ?? SUNDAY_TO_THURSDAY, rulesCacheMs);
  return {
    ...createTransitionActivities(deps.db, deps.consoleBase),
    ...createCheckActivities({ db: deps.db, rulesCacheMs, taskSchedules: sla.taskSchedules, now }),
    ...createAgencyActivities({ agencies: deps.agencies, now }),
    ...createLicenseActivities({ db: deps.db, licenseNumberPrefix: deps.licenseNumberPrefix, now, licenseWorkflows: deps.licenseWorkflows }),
    notifyOffice: sla.notifyOffice,
    // The license's tasks take their SLA as they open (a case's come with its conditions check).
    taskSchedules: sla.taskSchedules,
    notifySupervisors: sla.notifySupervisors,
    notifyLicenseOffice: sla.notifyLicenseOffice,
    ...createOfficeActivities(deps.db),
    ...createDocumentActivities({ db: deps.db, files: deps.files, now }),
    ...createAgencyReportActivities(deps.db),
    ...createLicenseLifecycleActivities({ db: deps.db, clearances: deps.clearances, now }),
    ...createInvoiceActivities({ db: deps.db, gateway: deps.payments, charged: deps.feesCharged ?? false, now }),
    ...createReconciliationActivities({ db: deps.db, gateway: deps.payments, client: () => deps.licenseWorkflows?.client ?? activityClient() }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
