// The operators' vocabulary: why a case counts as stuck, and what a repair may do.

export const StuckReason = {
  /** A task past its SLA, or a correction past its deadline that did not end the case. */
  waitingOnPerson: 'waiting_on_person',
  /** An agency call retrying (or refused, waiting for a recheck signal), or a case on hold for an agency. */
  waitingOnAgency: 'waiting_on_agency',
  /** The fee is invoiced and the applicant has not paid it yet (the due date ends it). */
  waitingOnPayment: 'waiting_on_payment',
  /** Nobody and nothing is waited on, yet the case has not moved: no worker, or a failing workflow task. */
  notMoving: 'not_moving',
  /** The read model shows the case open, but Temporal has closed its workflow (failed, terminated, timed out). */
  inconsistent: 'inconsistent',
} as const;
export type StuckReason = (typeof StuckReason)[keyof typeof StuckReason];

export const RepairAction = {
  /** Ask the agencies again now (after an outage, or once a refused question's cause is fixed). */
  recheckAgencies: 'recheck_agencies',
  /** Close the case as cancelled; the applicant is told by SMS. */
  cancel: 'cancel',
  /** Give the applicant until `until` to correct; they are told by SMS. */
  extendDeadline: 'extend_deadline',
  /**
   * The last resort for a workflow that cannot go on (a bug, a history it can
   * no longer replay): Temporal stops it without running any of its code, and
   * the API closes the case in the read model, since the workflow cannot.
   */
  terminate: 'terminate',
  /**
   * For a workflow task that fails after a bad release ran it: Temporal starts
   * a new run from the last workflow task completed before the first event
   * today's code cannot replay (named by the nondeterminism failure; without
   * one, the last completed task), dropping everything the bad release decided
   * from there on, and today's code decides it again. Signals received since
   * are kept.
   */
  reset: 'reset',
} as const;
export type RepairAction = (typeof RepairAction)[keyof typeof RepairAction];
