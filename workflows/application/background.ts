import { isCancellation } from '@temporalio/workflow';

/**
 * Runs a side line of the case (a clock, a reminder) beside its path. It ends
 * quietly when the case is cancelled: the path closes the case, and an
 * unhandled rejection would fail the workflow task.
 */
export function inBackground(work: () => Promise<void>): void {
  void work().catch((err: unknown) => {
    if (!isCancellation(err)) throw err;
  });
}
