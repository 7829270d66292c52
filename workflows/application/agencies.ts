// Linkage with the Labor Office and the Zakat & Income authority, both at
// once. An agency that does not answer is retried with backoff (and shown as
// waited on); one that refuses the question waits for an operator's recheck;
// a non-compliant establishment puts the case on hold, rechecked until it
// complies or the hold deadline passes.
import { ActivityFailure, ApplicationFailure, CancellationScope, condition, isCancellation } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { AgencyResult, Deficiency } from '../../domain/application';
import type { CaseState } from '../../domain/case';
import { Agency, AGENCIES, CaseEvent, Stage } from '../../domain/status';
import type { agencyCalls } from './activities';
import type { ApplicationCase } from './case';

type AgencyCalls = ReturnType<typeof agencyCalls>;

/** An operator (or an agency's report) asks the case to check again now. */
export function recheck(c: ApplicationCase): void {
  c.rechecks += 1;
}

/** Both agencies in parallel; true when both are satisfied, false when the hold deadline passed first. */
export async function linkAgencies(c: ApplicationCase, calls: AgencyCalls): Promise<boolean> {
  const s = c.state;
  s.stage = Stage.agencyLinkage;
  s.waitingOn = [];
  s.agencies = Object.fromEntries(AGENCIES.map((a) => [a, { state: 'pending' } satisfies AgencyResult]));
  // Not indexed here: agencies usually answer at once; one that does not is indexed as it fails.
  await c.record(CaseEvent.agencyLinkageStarted);
  await Promise.all(AGENCIES.map((a) => checkAgency(c, calls, a)));

  const failing = () => AGENCIES.filter((a) => s.agencies[a]?.state !== 'compliant');
  if (failing().length === 0) return true;

  s.stage = Stage.onHold;
  s.waitingOn = failing();
  const holdEnds = Date.now() + c.timing.agencyHoldDeadlineMs;
  s.holdDueAt = new Date(holdEnds).toISOString();
  await c.record(CaseEvent.onHold, { details: { agencies: failing() } });
  while (failing().length > 0) {
    const left = holdEnds - Date.now();
    if (left <= 0) return false;
    const asked = c.rechecks;
    c.index();
    await condition(() => c.rechecks > asked, Math.min(left, c.timing.agencyRecheckIntervalMs));
    if (Date.now() >= holdEnds && c.rechecks === asked) return false;
    await Promise.all(failing().map((a) => checkAgency(c, calls, a)));
    s.waitingOn = failing();
  }
  s.holdDueAt = undefined;
  return true;
}

/**
 * Checks one agency. One that does not answer is shown as waited on and asked
 * again, with backoff, until it does; an operator's recheck cuts that backoff
 * short. One that refuses the question (4xx) will not change its mind by
 * itself: the case waits, flagged as needing attention, until an operator
 * fixes the cause and signals a recheck.
 */
async function checkAgency(c: ApplicationCase, calls: AgencyCalls, agency: Agency): Promise<AgencyResult> {
  const s = c.state;
  const cr = s.data.establishment.crNumber;
  let answer: Awaited<ReturnType<Activities['checkAgency']>> | undefined;
  let patient = false;
  while (!answer) {
    // A recheck from here on answers this attempt, even one that arrives as the attempt fails.
    const asked = c.rechecks;
    try {
      answer = patient ? await untilRecheck(c, () => calls.patient.checkAgency(agency, cr)) : await calls.quick.checkAgency(agency, cr);
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const refused = isNonRetryable(err);
      const error = err.cause?.message ?? err.message;
      s.agencies[agency] = { state: 'unavailable', lastError: error };
      if (!s.waitingOn.includes(agency)) s.waitingOn = [...s.waitingOn, agency];
      c.index();
      await c.record(CaseEvent.agencyUnavailable, { agency, details: { error, refused } });
      if (refused) await condition(() => c.rechecks > asked);
      patient = !refused;
    }
  }
  const result: AgencyResult = {
    state: answer.compliant ? 'compliant' : 'non_compliant',
    reference: answer.reference,
    reasons: answer.reasons,
    checkedAt: answer.checkedAt,
  };
  s.agencies[agency] = result;
  // On hold, a still non-compliant agency is still what the case waits on.
  const stillWaited = result.state !== 'compliant' && s.stage === Stage.onHold;
  s.waitingOn = s.waitingOn.filter((w) => w !== agency).concat(stillWaited ? [agency] : []);
  await c.record(CaseEvent.agencyChecked, { agency, details: { state: result.state } });
  return result;
}

/**
 * Runs a retrying call until it settles or an operator asks for a recheck;
 * on a recheck the call (waiting out its backoff) is cancelled and nothing
 * is returned, so the caller asks again at once.
 */
async function untilRecheck<T>(c: ApplicationCase, call: () => Promise<T>): Promise<T | undefined> {
  const asked = c.rechecks;
  let settled = false;
  const scope = new CancellationScope();
  const attempt = scope.run(call).finally(() => {
    settled = true;
  });
  // Handled here too: when the case itself is cancelled, the wait below throws first and nobody awaits the
  // cancelled call, whose rejection would then fail the workflow task as unhandled. Adds no command.
  attempt.catch(() => undefined);
  await condition(() => settled || c.rechecks > asked);
  if (settled) return attempt;
  scope.cancel();
  await attempt.catch((err: unknown) => {
    if (!isCancellation(err)) throw err;
  });
  return undefined;
}

function isNonRetryable(err: ActivityFailure): boolean {
  return err.cause instanceof ApplicationFailure && err.cause.nonRetryable === true;
}

/** Why the agencies' answers exclude the case, for the applicant. */
export function agencyReasons(agencies: CaseState['agencies']): Deficiency[] {
  return AGENCIES.flatMap((a) =>
    agencies[a]?.state === 'non_compliant'
      ? (agencies[a]?.reasons?.length ? agencies[a]!.reasons! : ['NON_COMPLIANT']).map((code) => ({
          code,
          field: `agencies/${a}`,
          messageAr: a === Agency.laborOffice ? 'عدم الالتزام لدى مكتب العمل' : 'عدم الالتزام لدى هيئة الزكاة والدخل',
          messageEn: a === Agency.laborOffice ? 'Not compliant with the Labor Office' : 'Not compliant with Zakat & Income',
        }))
      : [],
  );
}
