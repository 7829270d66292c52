// The contract of the document sweep: a Temporal Schedule starts it every
// DOCUMENT_SWEEP_EVERY; each run removes uploads no filed case named in time
// and filed cases' files past their retention. Safe to import from the sandbox.

export const DOCUMENT_SWEEP_WORKFLOW_TYPE = 'documentSweep';

/** One schedule per task queue: a deployment's workers all keep the same one up to date. */
export const documentSweepScheduleId = (taskQueue: string): string => `document-sweep:${taskQueue}`;

export interface DocumentSweepInput {
  /** An upload no filed case names is removed once this old. */
  orphanAfterMs: number;
}

export type { SweepBatch } from '../../activities/documents/sweep';
