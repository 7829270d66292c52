// The license as its workflow holds it: its state and rules, the one queue
// through which people and agencies reach it, its deadlines, and the one way a
// change is written. Handlers only queue; the workflow's own loop takes each
// request in turn, so changes are written in order, one at a time.
import { allHandlersFinished, ApplicationFailure, condition, workflowInfo } from '@temporalio/workflow';
import type { LicenseTransition } from '../../activities';
import { FINAL_LICENSE_STATUSES, type LicenseRules, type LicenseState } from '../../domain/license';
import type { LicenseEvent } from '../../domain/status';
import type { PaymentReceipt } from '../../domain/payments';
import type { TaskChange } from '../application/contract';
import { db } from './activities';
import { inspectionDueAt } from './inspection';
import type {
  AgencyReport,
  CancellationInput,
  InspectionInput,
  LicenseTaskInput,
  LicenseTaskReassignment,
  LicenseUpdateResult,
  ObjectionDecisionInput,
  ObjectionInput,
  RenewalInput,
  RenewalReviewDecisionInput,
} from './contract';

/** An Update waiting for the loop: answered once written, or refused if the license moved on meanwhile. */
type Pending<K extends string, I, A = LicenseUpdateResult> = { kind: K; input: I; answer?: A; refused?: string };

/** What reached the license from outside, waiting for the loop. */
export type Request =
  | { kind: 'report'; report: AgencyReport }
  | { kind: 'payment'; receipt: PaymentReceipt }
  | Pending<'renewal' | 'correction', RenewalInput>
  | Pending<'cancellation', CancellationInput>
  | Pending<'objection', ObjectionInput>
  | Pending<'objectionDecision', ObjectionDecisionInput>
  | Pending<'inspection', InspectionInput>
  | Pending<'renewalReview', RenewalReviewDecisionInput>
  | Pending<'claim' | 'release', LicenseTaskInput, TaskChange>
  | Pending<'reassign', LicenseTaskReassignment, TaskChange>;

/** A time the license acts on by itself. */
export type Deadline =
  | { kind: 'windowOpens' | 'expiry' | 'graceEnds' | 'objectionEnds' | 'renewalLapses' | 'renewalRecheck' | 'renewalPaymentDue' | 'cancellationRecheck' | 'cancellationLapses'; at: number }
  | { kind: 'reminder'; at: number; offsetMs: number }
  | { kind: 'taskReminder' | 'taskOverdue'; at: number; taskId: string }
  | { kind: 'inspectionDue'; at: number };

/** Report ids kept to recognise a repeat: far more than an agency resends. */
const REPORT_IDS_KEPT = 200;

export class License {
  readonly state: LicenseState;
  rules?: LicenseRules;
  readonly inbox: Request[] = [];
  /** Set by a renewal: the new term starts on a fresh history. */
  renewed = false;

  constructor(state: LicenseState) {
    this.state = state;
  }

  get final(): boolean {
    return FINAL_LICENSE_STATUSES.has(this.state.status) || this.closed;
  }

  /** The grace period passed unrenewed: the license stays expired and its workflow ends. */
  closed = false;

  queued(kind: Request['kind']): boolean {
    return this.inbox.some((r) => r.kind === kind);
  }

  /** An Update's way in: queue it, and answer once the loop has written it. */
  submit(r: Extract<Request, { answer?: LicenseUpdateResult }>): Promise<LicenseUpdateResult>;
  submit(r: Extract<Request, { answer?: TaskChange }>): Promise<TaskChange>;
  async submit(r: Extract<Request, { answer?: unknown }>): Promise<unknown> {
    this.inbox.push(r);
    await condition(() => r.answer !== undefined);
    // Accepted, then overtaken before the loop reached it (a suspension came first): refused after all.
    if (r.refused) throw ApplicationFailure.create({ message: r.refused, type: 'LicenseRequestRefused', nonRetryable: true });
    return r.answer;
  }

  /** A signal's way in: the same report id twice is one report. */
  report(report: AgencyReport): void {
    if (this.state.reportIds.includes(report.reportId) || this.inbox.some((r) => r.kind === 'report' && r.report.reportId === report.reportId)) return;
    this.inbox.push({ kind: 'report', report });
  }

  /** A signal's way in: a receipt for the invoice the renewal waits for, once. */
  paid(receipt: PaymentReceipt): void {
    if (this.state.renewal?.invoice?.id !== receipt.invoiceId || this.inbox.some((r) => r.kind === 'payment')) return;
    this.inbox.push({ kind: 'payment', receipt });
  }

  remember(reportId: string): void {
    this.state.reportIds = [...this.state.reportIds, reportId].slice(-REPORT_IDS_KEPT);
  }

  answer(): LicenseUpdateResult {
    const s = this.state;
    return { status: s.status, renewal: s.renewal, cancellation: s.cancellation, suspension: s.suspension, at: new Date().toISOString() };
  }

  /** The next request, or the next deadline once it is due; waits for whichever comes first. */
  async next(): Promise<Request | Deadline | 'continueAsNew'> {
    for (;;) {
      const request = this.inbox.shift();
      if (request) return request;
      const due = nextDeadline(this);
      if (due && due.at <= Date.now()) return due;
      if (workflowInfo().continueAsNewSuggested) return 'continueAsNew';
      await condition(() => this.inbox.length > 0 || workflowInfo().continueAsNewSuggested, due ? due.at - Date.now() : undefined);
    }
  }

  /** Writes the license as it is now: timeline row, licenses row, SMS (recordLicenseTransition). */
  async record(event: LicenseEvent, extra: { actor?: string; details?: Record<string, unknown>; tasks?: LicenseTransition['tasks'] } = {}): Promise<string> {
    const { data: _data, reportIds: _ids, ...rest } = this.state;
    const t: LicenseTransition = {
      seq: ++this.state.seq,
      event,
      at: new Date().toISOString(),
      state: JSON.parse(JSON.stringify(rest)) as LicenseTransition['state'],
      ...extra,
    };
    await db.recordLicenseTransition(t);
    return t.at;
  }

  /**
   * Before the run ends (continue-as-new, or the license's end): every Update
   * accepted gets its answer. Requests still queued are taken first, since
   * their handlers wait on the loop.
   */
  async settle(take: (r: Request) => Promise<void>): Promise<void> {
    for (;;) {
      for (let r = this.inbox.shift(); r; r = this.inbox.shift()) await take(r);
      if (allHandlersFinished()) return;
      await condition(() => allHandlersFinished() || this.inbox.length > 0);
    }
  }
}

/** The earliest thing the clock will do to the license, given its state. */
export function nextDeadline(l: License): Deadline | undefined {
  const s = l.state;
  const rules = l.rules!;
  const expiresAt = Date.parse(s.expiresAt);
  const candidates: Deadline[] = [];
  if (s.status === 'active') candidates.push({ kind: 'windowOpens', at: expiresAt - rules.renewalWindowMs });
  if (s.status === 'renewal_open') {
    for (const offsetMs of rules.remindersMs) {
      if (offsetMs < rules.renewalWindowMs && !s.remindersSent.includes(offsetMs)) candidates.push({ kind: 'reminder', at: expiresAt - offsetMs, offsetMs });
    }
    candidates.push({ kind: 'expiry', at: expiresAt });
  }
  // A renewal asked for within the grace period may finish: its own deadline governs it.
  if (s.status === 'expired' && !s.renewal) candidates.push({ kind: 'graceEnds', at: expiresAt + rules.gracePeriodMs });
  // An objection made in time waits for its supervisor, however long the window was.
  if (s.status === 'suspended' && s.suspension && !s.suspension.objection) candidates.push({ kind: 'objectionEnds', at: Date.parse(s.suspension.objectionDueAt) });
  for (const [taskId, t] of Object.entries(s.tasks ?? {})) {
    if (!t.reminded) candidates.push({ kind: 'taskReminder', at: Date.parse(t.remindAt), taskId });
    else if (!t.overdue) candidates.push({ kind: 'taskOverdue', at: Date.parse(t.dueAt), taskId });
  }
  if (s.renewal?.correctionDueAt) candidates.push({ kind: 'renewalLapses', at: Date.parse(s.renewal.correctionDueAt) });
  if (s.renewal?.recheckAt) candidates.push({ kind: 'renewalRecheck', at: Date.parse(s.renewal.recheckAt) });
  if (s.renewal?.stage === 'awaiting_payment' && s.renewal.invoice) candidates.push({ kind: 'renewalPaymentDue', at: Date.parse(s.renewal.invoice.dueAt) });
  if (s.cancellation) {
    if (s.cancellation.recheckAt) candidates.push({ kind: 'cancellationRecheck', at: Date.parse(s.cancellation.recheckAt) });
    candidates.push({ kind: 'cancellationLapses', at: Date.parse(s.cancellation.dueAt) });
  }
  const inspection = inspectionDueAt(l);
  if (inspection !== undefined) candidates.push({ kind: 'inspectionDue', at: inspection });
  return candidates.reduce<Deadline | undefined>((a, b) => (!a || b.at < a.at ? b : a), undefined);
}
