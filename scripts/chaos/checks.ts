// What the chaos run checks once every case has closed (or its deadline has
// passed), from PostgreSQL, Temporal and the SMS gateway: each count is a
// figure of the run, and those marked `violation` must be 0.
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { SMS_EVENTS, type CaseEvent } from '../../domain/status';
import type { SmsMessage, SmsRequest } from '../../simulator/app';
import { SA_STAGE, SA_STATUS, WORKFLOW_TYPE, type CaseOutcome } from '../../workflows/application/contract';
import { pool } from '../bots';
import type { Plan } from './load';

export interface Count {
  group: string;
  what: string;
  value: number;
  /** Anything but 0 fails the run. */
  violation?: boolean;
}

export interface CheckInput {
  db: pg.Pool;
  temporal: Client;
  simulatorUrl: string;
  plans: Plan[];
  acknowledged: Map<string, Plan>;
  /** Figures the harness itself gathered, appended as they are. */
  harness: Count[];
}

const TERMINAL_EVENTS: ReadonlySet<CaseEvent> = new Set<CaseEvent>(['issued', 'excluded', 'rejected', 'cancelled']);
/** Workflow results fetched at once: each is one small history read. */
const RESULT_CONCURRENCY = 8;

interface AppRow {
  id: string;
  status: string;
  stage: string;
  exclusion_reason: string | null;
  license_number: string | null;
  transition_seq: number;
}

const countBy = <T>(items: Iterable<T>, key: (t: T) => string) => {
  const out = new Map<string, number>();
  for (const t of items) out.set(key(t), (out.get(key(t)) ?? 0) + 1);
  return out;
};

export async function runChecks(input: CheckInput): Promise<Count[]> {
  const { db, plans, acknowledged } = input;
  const q = async <T extends pg.QueryResultRow>(text: string) => (await db.query<T>(text)).rows;
  const apps = await q<AppRow>('select id, status::text, stage::text, exclusion_reason::text, license_number, transition_seq from applications');
  const events = await q<{ application_id: string; seq: number; event: CaseEvent }>('select application_id, seq, event::text as event from application_events order by application_id, seq');
  const licenses = await q<{ number: string; application_id: string }>('select number, application_id from licenses');
  const outbox = await q<{ dedupe_key: string; event: string; status: string }>('select dedupe_key, event::text as event, status::text as status from sms_outbox');
  const gateway = (await (await fetch(`${input.simulatorUrl}/_control/sms`)).json()) as { messages: SmsMessage[]; requests: SmsRequest[] };

  const appById = new Map(apps.map((a) => [a.id, a]));
  const counts: Count[] = [];
  const add = (group: string, what: string, value: number, violation = false) => counts.push({ group, what, value, violation });

  // ── Cases ──
  const acked = [...acknowledged.keys()];
  add('cases', 'planned', plans.length);
  add('cases', 'acknowledged (201)', acked.length);
  add('cases', 'never acknowledged (no 201 through every retry)', plans.filter((p) => !p.id).length, true);
  add('cases', 'lost (a 201 id not in PostgreSQL)', acked.filter((id) => !appById.has(id)).length, true);
  add('cases', 'duplicate (a case no 201 named: a retry filed it twice)', apps.filter((a) => !acknowledged.has(a.id)).length, true);
  const final = acked.filter((id) => appById.get(id) && appById.get(id)!.status !== 'in_progress');
  add('cases', 'in a final state', final.length);
  add('cases', 'not in a final state', acked.length - final.length, true);
  const byOutcome = countBy(final, (id) => {
    const a = appById.get(id)!;
    return a.exclusion_reason ? `${a.status} (${a.exclusion_reason})` : a.status;
  });
  for (const outcome of ['issued', 'excluded (incomplete)', 'excluded (conditions)', 'excluded (unpaid)', 'rejected', 'cancelled']) add('cases', outcome, byOutcome.get(outcome) ?? 0);
  add(
    'cases',
    'ended other than planned',
    final.filter((id) => {
      const a = appById.get(id)!;
      const e = acknowledged.get(id)!.expect;
      return a.status !== e.status || (a.exclusion_reason ?? undefined) !== e.exclusionReason;
    }).length,
    true,
  );

  // ── Licenses ──
  const licensesByCase = countBy(licenses, (l) => l.application_id);
  const licenseOf = new Map(licenses.map((l) => [l.application_id, l.number]));
  const issued = apps.filter((a) => a.status === 'issued');
  add('licenses', 'licenses', licenses.length);
  add('licenses', 'issued cases without a license', issued.filter((a) => !licensesByCase.has(a.id)).length, true);
  add('licenses', 'cases with more than one license', [...licensesByCase.values()].filter((n) => n > 1).length, true);
  add('licenses', 'licenses of cases not issued', licenses.filter((l) => appById.get(l.application_id)?.status !== 'issued').length, true);
  add('licenses', "case's license number is not its license's", issued.filter((a) => licenseOf.has(a.id) && a.license_number !== licenseOf.get(a.id)).length, true);

  // ── Payments ──
  const invoices = await q<{ id: string; application_id: string | null; status: string; amount_halalas: number; receipt_number: string | null }>(
    'select id, application_id, status::text as status, amount_halalas, receipt_number from invoices',
  );
  const payments = await q<{ payment_id: string; invoice_id: string | null; amount_halalas: number; status: string; source: string }>(
    'select payment_id, invoice_id, amount_halalas, status::text as status, source::text as source from payments',
  );
  const atGateway = ((await (await fetch(`${input.simulatorUrl}/_control/payments`)).json()) as { payments: { paymentId: string }[] }).payments;
  const invoiceOf = new Map(invoices.filter((i) => i.application_id).map((i) => [i.application_id!, i]));
  const applied = payments.filter((p) => p.status === 'applied');
  const appliedByInvoice = countBy(applied, (p) => p.invoice_id ?? '');
  const recorded = new Set(payments.map((p) => p.payment_id));
  const amountOf = new Map(invoices.map((i) => [i.id, i.amount_halalas]));
  add('payments', 'invoices raised', invoices.length);
  add('payments', 'payments at the gateway', atGateway.length);
  add('payments', 'payments recorded', payments.length);
  add('payments', 'applied late by the reconciliation (a notification lost)', payments.filter((p) => p.source === 'reconciliation').length);
  add('payments', 'payments at the gateway never recorded (lost)', atGateway.filter((p) => !recorded.has(p.paymentId)).length, true);
  add('payments', 'issued cases without a paid invoice', issued.filter((a) => invoiceOf.get(a.id)?.status !== 'paid').length, true);
  add('payments', 'paid invoices of cases not issued', invoices.filter((i) => i.status === 'paid' && i.application_id && appById.get(i.application_id)?.status !== 'issued').length, true);
  add('payments', 'invoices paid by more than one payment (double-counted)', [...appliedByInvoice.values()].filter((n) => n > 1).length, true);
  add('payments', "applied payments not of their invoice's amount", applied.filter((p) => amountOf.get(p.invoice_id ?? '') !== p.amount_halalas).length, true);
  add('payments', 'payments held for an administrator (none was planned)', payments.filter((p) => p.status === 'held').length, true);
  add('payments', 'receipt numbers given twice', invoices.length - new Set(invoices.map((i) => i.receipt_number ?? i.id)).size, true);
  const receivedEvents = countBy(events.filter((e) => e.event === 'payment_received'), (e) => e.application_id);
  add('payments', "issued cases whose payment is not on the timeline exactly once", issued.filter((a) => invoiceOf.has(a.id) && receivedEvents.get(a.id) !== 1).length, true);

  // ── Timeline ──
  const eventsByCase = new Map<string, { seq: number; event: CaseEvent }[]>();
  for (const e of events) eventsByCase.set(e.application_id, [...(eventsByCase.get(e.application_id) ?? []), e]);
  let gaps = 0;
  let duplicates = 0;
  let behind = 0;
  for (const a of apps) {
    const list = eventsByCase.get(a.id) ?? [];
    if (list.some((e, i) => e.seq !== i + 1)) gaps++;
    const terminal = list.filter((e) => TERMINAL_EVENTS.has(e.event));
    const submitted = list.filter((e) => e.event === 'submitted');
    // A transition made twice shows as a second submission or ending, or as a step after the end.
    if (submitted.length > 1 || terminal.length > 1 || (terminal[0] && list.at(-1) !== terminal[0])) duplicates++;
    if (a.status !== 'in_progress' && a.transition_seq !== (list.at(-1)?.seq ?? 0)) behind++;
  }
  add('timeline', 'transitions', events.length);
  add('timeline', 'cases missing a transition (a gap in seq)', gaps, true);
  add('timeline', 'cases with a transition made twice', duplicates, true);
  add('timeline', 'closed cases whose row is behind their timeline', behind, true);

  // ── SMS ──
  const expected = new Map(events.filter((e) => SMS_EVENTS.has(e.event)).map((e) => [`${e.application_id}:${e.seq}`, e.event]));
  const outboxByKey = new Map(outbox.map((o) => [o.dedupe_key, o]));
  const delivered = countBy(gateway.messages, (m) => m.reference);
  add('sms', 'state changes that send an SMS', expected.size);
  add('sms', 'outbox rows', outbox.length);
  add('sms', 'state changes without an outbox row', [...expected.keys()].filter((k) => !outboxByKey.has(k)).length, true);
  add('sms', 'outbox rows without their state change', outbox.filter((o) => expected.get(o.dedupe_key) !== o.event).length, true);
  const byStatus = countBy(outbox, (o) => o.status);
  add('sms', "outbox rows 'sent'", byStatus.get('sent') ?? 0);
  for (const status of ['pending', 'sending', 'failed']) add('sms', `outbox rows '${status}'`, byStatus.get(status) ?? 0, true);
  add('sms', 'delivered (outbox rows the gateway took)', outbox.filter((o) => delivered.has(o.dedupe_key)).length);
  add('sms', 'undelivered (outbox rows the gateway never took)', outbox.filter((o) => !delivered.has(o.dedupe_key)).length, true);
  add('sms', 'delivered more than once', [...delivered.values()].filter((n) => n > 1).length, true);
  add('sms', 'delivered but not in the outbox', [...delivered.keys()].filter((k) => !outboxByKey.has(k)).length, true);
  add('sms', 'send requests at the gateway', gateway.requests.length);
  add('sms', 'requests refused (outage, failure)', gateway.requests.filter((r) => r.status >= 500).length);
  add('sms', 'repeats the gateway deduped (sent again after a lost answer)', gateway.requests.filter((r) => r.repeat).length);

  // ── Workflows ──
  const workflows = new Map<string, { status: string; saStatus?: string; saStage?: string }>();
  for await (const w of input.temporal.workflow.list({ query: `WorkflowType = '${WORKFLOW_TYPE}'` })) {
    workflows.set(w.workflowId, { status: w.status.name, saStatus: w.typedSearchAttributes.get(SA_STATUS), saStage: w.typedSearchAttributes.get(SA_STAGE) });
  }
  add('workflows', 'workflows', workflows.size);
  add('workflows', 'still running', [...workflows.values()].filter((w) => w.status === 'RUNNING').length, true);
  add('workflows', 'closed other than completed (failed, terminated, timed out)', [...workflows.values()].filter((w) => w.status !== 'RUNNING' && w.status !== 'COMPLETED').length, true);
  add('workflows', 'cases without a workflow', apps.filter((a) => !workflows.has(a.id)).length, true);
  // The read model against the workflow: its result (outcome, license) and its search attributes.
  let differs = 0;
  const completed = apps.filter((a) => workflows.get(a.id)?.status === 'COMPLETED');
  await pool(completed.length, RESULT_CONCURRENCY, async (i) => {
    const a = completed[i]!;
    const w = workflows.get(a.id)!;
    const outcome = await input.temporal.workflow.getHandle<() => Promise<CaseOutcome>>(a.id).result();
    const same =
      outcome.status === a.status &&
      (outcome.exclusionReason ?? null) === a.exclusion_reason &&
      (outcome.license?.number ?? null) === a.license_number &&
      w.saStatus === a.status &&
      w.saStage === a.stage;
    if (!same) differs++;
  });
  add('workflows', 'read model differs from the workflow (outcome, license, stage)', differs, true);

  return [...counts, ...input.harness];
}
