// The worker bundles this file: every workflow the task queue runs.
export { licenseApplication } from './application/workflow';
export { officeAccreditation } from './accreditation/workflow';
export { documentSweep } from './documents/workflow';
export { agencyReportDispatch } from './agency-reports/workflow';
export { licenseLifecycle } from './license/workflow';
export { licenseImport } from './license-import/workflow';
export { paymentReconciliation } from './payments/workflow';
