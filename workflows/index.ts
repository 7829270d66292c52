// The worker bundles this file: every workflow the task queue runs.
export { licenseApplication } from './application/workflow';
export { officeAccreditation } from './accreditation/workflow';
