// The contract of an import of licenses from before Tarkhees (workflow.ts): one
// workflow per import, started once its file is staged. Safe to import from the sandbox.

export const LICENSE_IMPORT_WORKFLOW_TYPE = 'licenseImport';

export const licenseImportWorkflowId = (importId: string): string => `license-import:${importId}`;

export interface LicenseImportInput {
  importId: string;
  /** The last row done: a new run (continue-as-new) goes on after it. */
  afterRow: number;
}
