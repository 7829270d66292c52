// The ledger: invoices, the payments against them, what did not fit and what
// went back. One module because three callers write it — the invoicing
// activities, the API's notifications and an administrator's decisions, and
// the daily reconciliation — and each must reach the same rows the same way:
// a payment is recorded once by the gateway's id, an invoice is paid once, and
// the invoice row's status is the one arbiter between a payment and the due
// date arriving together.
import { sql } from 'drizzle-orm';
import type { FeeSchedule, InvoiceLine } from '../domain/fees';
import {
  InvoiceStatus,
  MismatchReason,
  PaymentStatus,
  type InvoiceBasis,
  type InvoiceRef,
  type MismatchStatus,
  type PaymentReceipt,
  type PaymentSource,
  type RefundReason,
} from '../domain/payments';
import type { LicenseKind } from '../domain/status';
import { rowsOf } from './client';
import type { Db } from './db';

export interface InvoiceRow {
  id: string;
  basis: InvoiceBasis;
  application_id: string | null;
  license_number: string | null;
  bill_number: string | null;
  amount_halalas: number;
  lines: InvoiceLine[];
  schedule_version: number;
  status: InvoiceStatus;
  due_at: string;
  created_at: string;
  closed_at: string | null;
  payment_id: string | null;
  receipt_number: string | null;
  paid_at: string | null;
  license_kind: LicenseKind;
  isic_code: string;
  office_id: string | null;
  payer_national_id: string;
  payer_name: string;
  mobile: string;
  trade_name: string;
}

const INVOICE_COLUMNS = sql`id, basis::text as basis, application_id, license_number, bill_number, amount_halalas, lines, schedule_version,
  status::text as status, to_json(due_at) #>> '{}' as due_at, to_json(created_at) #>> '{}' as created_at, to_json(closed_at) #>> '{}' as closed_at,
  payment_id, receipt_number, to_json(paid_at) #>> '{}' as paid_at, license_kind::text as license_kind, isic_code, office_id,
  payer_national_id, payer_name, mobile, trade_name`;

export const invoiceRef = (r: InvoiceRow): InvoiceRef => ({
  id: r.id,
  basis: r.basis,
  billNumber: r.bill_number ?? '',
  amountHalalas: r.amount_halalas,
  dueAt: r.due_at,
  status: r.status,
  ...(r.receipt_number ? { receiptNumber: r.receipt_number } : {}),
  ...(r.paid_at ? { paidAt: r.paid_at } : {}),
});

export async function currentFeeSchedule(db: Db): Promise<FeeSchedule> {
  const [row] = await rowsOf<FeeSchedule>(db, sql`
    select version, bands, settings, to_json(created_at) #>> '{}' as "createdAt", created_by as "createdBy", reason
    from fee_schedules order by version desc limit 1`);
  if (!row) throw new Error('fee_schedules is empty: the rules seed did not run');
  return row;
}

export async function feeScheduleVersions(db: Db, limit: number): Promise<FeeSchedule[]> {
  return rowsOf<FeeSchedule>(db, sql`
    select version, bands, settings, to_json(created_at) #>> '{}' as "createdAt", created_by as "createdBy", reason
    from fee_schedules order by version desc limit ${limit}`);
}

/** A new version, numbered after `after`: two administrators saving at once cannot both be the next one. */
export async function saveFeeSchedule(db: Db, after: number, s: Omit<FeeSchedule, 'version' | 'createdAt'>): Promise<FeeSchedule | undefined> {
  const [row] = await rowsOf<FeeSchedule>(db, sql`
    insert into fee_schedules (version, bands, settings, created_by, reason)
    select ${after + 1}, ${JSON.stringify(s.bands)}::jsonb, ${JSON.stringify(s.settings)}::jsonb, ${s.createdBy}, ${s.reason}
    where (select coalesce(max(version), 0) from fee_schedules) = ${after}
    on conflict (version) do nothing
    returning version, bands, settings, to_json(created_at) #>> '{}' as "createdAt", created_by as "createdBy", reason`);
  return row;
}

export type NewInvoice = Omit<InvoiceRow, 'status' | 'created_at' | 'closed_at' | 'payment_id' | 'receipt_number' | 'paid_at' | 'bill_number'>;

/** Inserts the invoice unless it is there: a retried raise gets the first one, its amount and due date as they were. */
export async function createInvoice(db: Db, i: NewInvoice): Promise<InvoiceRow> {
  await db.execute(sql`
    insert into invoices (id, basis, application_id, license_number, amount_halalas, lines, schedule_version, due_at, license_kind, isic_code,
                          office_id, payer_national_id, payer_name, mobile, trade_name)
    values (${i.id}, ${i.basis}::invoice_basis, ${i.application_id}, ${i.license_number}, ${i.amount_halalas}, ${JSON.stringify(i.lines)}::jsonb,
            ${i.schedule_version}, ${i.due_at}::timestamptz, ${i.license_kind}::license_kind, ${i.isic_code}, ${i.office_id},
            ${i.payer_national_id}, ${i.payer_name}, ${i.mobile}, ${i.trade_name})
    on conflict (id) do nothing`);
  return (await invoiceById(db, i.id))!;
}

export async function invoiceById(db: Db, id: string): Promise<InvoiceRow | undefined> {
  const [row] = await rowsOf<InvoiceRow>(db, sql`select ${INVOICE_COLUMNS} from invoices where id = ${id}`);
  return row;
}

export async function invoicesOf(db: Db, subject: { applicationId?: string; licenseNumber?: string }): Promise<InvoiceRow[]> {
  const where = subject.applicationId ? sql`application_id = ${subject.applicationId}` : sql`license_number = ${subject.licenseNumber ?? ''}`;
  return rowsOf<InvoiceRow>(db, sql`select ${INVOICE_COLUMNS} from invoices where ${where} order by created_at`);
}

export async function setBillNumber(db: Db, id: string, billNumber: string): Promise<void> {
  await db.execute(sql`update invoices set bill_number = ${billNumber} where id = ${id} and bill_number is null`);
}

/**
 * Closes an open invoice (its due date passed, or its case was cancelled) and
 * answers it as it now stands: a payment that got there first leaves it paid,
 * and the caller goes on as paid.
 */
export async function closeInvoice(db: Db, id: string, status: typeof InvoiceStatus.expired | typeof InvoiceStatus.cancelled): Promise<InvoiceRow> {
  await db.execute(sql`update invoices set status = ${status}::invoice_status, closed_at = now() where id = ${id} and status = 'open'`);
  return (await invoiceById(db, id))!;
}

/** A payment as the gateway reports it (its notification, or its statement). */
export interface IncomingPayment {
  paymentId: string;
  billNumber: string;
  amountHalalas: number;
  paidAt: string;
}

export interface PaymentOutcome {
  /** Recorded now, or seen before (a duplicate notification, a statement line already notified). */
  duplicate: boolean;
  status: PaymentStatus;
  mismatch?: MismatchReason;
  /** The invoice it paid, with its receipt: the workflow to tell. */
  receipt?: PaymentReceipt;
  invoice?: Pick<InvoiceRow, 'id' | 'application_id' | 'license_number'>;
}

type PaymentRow = { payment_id: string; status: PaymentStatus; invoice_id: string | null; receipt_number: string | null; amount_halalas: number; paid_at: string };

const receiptOf = (p: PaymentRow, invoiceId: string): PaymentReceipt => ({
  invoiceId,
  paymentId: p.payment_id,
  receiptNumber: p.receipt_number!,
  amountHalalas: p.amount_halalas,
  paidAt: p.paid_at,
});

/**
 * Records one payment, once. Its invoice (by bill number) is paid by it when
 * it is open and the amount is the invoice's; otherwise the payment is held
 * and a mismatch opened for an administrator. The same payment again answers
 * what was decided the first time.
 */
export async function recordPayment(db: Db, p: IncomingPayment, source: PaymentSource): Promise<PaymentOutcome> {
  return db.transaction(async (tx) => {
    const inserted = await rowsOf<PaymentRow>(tx as unknown as Db, sql`
      insert into payments (payment_id, bill_number, amount_halalas, paid_at, source, status)
      values (${p.paymentId}, ${p.billNumber}, ${p.amountHalalas}, ${p.paidAt}::timestamptz, ${source}::payment_source, 'held')
      on conflict (payment_id) do nothing
      returning payment_id`);
    if (inserted.length === 0) return existingOutcome(tx as unknown as Db, p.paymentId);

    const [invoice] = await rowsOf<InvoiceRow>(tx as unknown as Db, sql`select ${INVOICE_COLUMNS} from invoices where bill_number = ${p.billNumber} for update`);
    const mismatch = !invoice
      ? MismatchReason.unknownBill
      : invoice.status === InvoiceStatus.paid
        ? MismatchReason.alreadyPaid
        : invoice.status !== InvoiceStatus.open
          ? MismatchReason.invoiceClosed
          : invoice.amount_halalas !== p.amountHalalas
            ? MismatchReason.amountDiffers
            : undefined;
    if (mismatch) {
      await tx.execute(sql`update payments set invoice_id = ${invoice?.id ?? null} where payment_id = ${p.paymentId}`);
      await openMismatch(tx as unknown as Db, { paymentId: p.paymentId, billNumber: p.billNumber, invoiceId: invoice?.id, reason: mismatch, expected: invoice?.amount_halalas, received: p.amountHalalas, source });
      return { duplicate: false, status: PaymentStatus.held, mismatch, ...(invoice ? { invoice } : {}) };
    }
    const applied = await applyToInvoice(tx as unknown as Db, p.paymentId, invoice!.id);
    return { duplicate: false, status: PaymentStatus.applied, receipt: receiptOf(applied, invoice!.id), invoice: invoice! };
  });
}

/** Pays the invoice with the payment, a receipt number drawn for it. Both rows are the caller's to have locked. */
async function applyToInvoice(tx: Db, paymentId: string, invoiceId: string): Promise<PaymentRow> {
  const [row] = await rowsOf<PaymentRow>(tx, sql`
    with receipt as (
      select 'RCT-' || to_char(now() at time zone 'Asia/Riyadh', 'YYYYMMDD') || '-' || lpad(nextval('receipt_number_seq')::text, 6, '0') as number
    ), pay as (
      update payments set status = 'applied', invoice_id = ${invoiceId}, receipt_number = (select number from receipt)
      where payment_id = ${paymentId}
      returning payment_id, status::text as status, invoice_id, receipt_number, amount_halalas, to_json(paid_at) #>> '{}' as paid_at, paid_at as paid_ts
    ), inv as (
      update invoices set status = 'paid', payment_id = ${paymentId}, receipt_number = (select number from receipt), paid_at = (select paid_ts from pay), closed_at = now()
      where id = ${invoiceId}
    )
    select payment_id, status, invoice_id, receipt_number, amount_halalas, paid_at from pay`);
  return row!;
}

async function existingOutcome(db: Db, paymentId: string): Promise<PaymentOutcome> {
  const [p] = await rowsOf<PaymentRow & { mismatch: MismatchReason | null; application_id: string | null; license_number: string | null }>(db, sql`
    select p.payment_id, p.status::text as status, p.invoice_id, p.receipt_number, p.amount_halalas, to_json(p.paid_at) #>> '{}' as paid_at,
           (select m.reason::text from payment_mismatches m where m.payment_id = p.payment_id order by m.id limit 1) as mismatch,
           i.application_id, i.license_number
    from payments p left join invoices i on i.id = p.invoice_id where p.payment_id = ${paymentId}`);
  const invoice = p!.invoice_id ? { id: p!.invoice_id, application_id: p!.application_id, license_number: p!.license_number } : undefined;
  return {
    duplicate: true,
    status: p!.status,
    ...(p!.mismatch ? { mismatch: p!.mismatch } : {}),
    ...(invoice ? { invoice } : {}),
    ...(p!.status === PaymentStatus.applied && invoice ? { receipt: receiptOf(p!, invoice.id) } : {}),
  };
}

export async function openMismatch(
  db: Db,
  m: { paymentId: string; billNumber: string; invoiceId?: string; reason: MismatchReason; expected?: number; received: number; source: PaymentSource },
): Promise<void> {
  await db.execute(sql`
    insert into payment_mismatches (payment_id, bill_number, invoice_id, reason, expected_halalas, received_halalas, source)
    values (${m.paymentId}, ${m.billNumber}, ${m.invoiceId ?? null}, ${m.reason}::mismatch_reason, ${m.expected ?? null}, ${m.received}, ${m.source}::payment_source)
    on conflict (payment_id, reason) do nothing`);
}

export interface MismatchRow {
  id: number;
  payment_id: string;
  bill_number: string;
  invoice_id: string | null;
  reason: MismatchReason;
  expected_halalas: number | null;
  received_halalas: number;
  source: PaymentSource;
  status: MismatchStatus;
  created_at: string;
  resolved_by: string | null;
  resolved_at: string | null;
  resolution: string | null;
  application_id: string | null;
  license_number: string | null;
  invoice_status: InvoiceStatus | null;
  payment_status: PaymentStatus | null;
}

const MISMATCH_SELECT = sql`
  select m.id::int as id, m.payment_id, m.bill_number, m.invoice_id, m.reason::text as reason, m.expected_halalas, m.received_halalas,
         m.source::text as source, m.status::text as status, to_json(m.created_at) #>> '{}' as created_at, m.resolved_by,
         to_json(m.resolved_at) #>> '{}' as resolved_at, m.resolution, i.application_id, i.license_number,
         i.status::text as invoice_status, p.status::text as payment_status
  from payment_mismatches m left join invoices i on i.id = m.invoice_id left join payments p on p.payment_id = m.payment_id`;

export async function mismatches(db: Db, opts: { status?: MismatchStatus; limit: number }): Promise<MismatchRow[]> {
  return rowsOf<MismatchRow>(db, sql`${MISMATCH_SELECT} ${opts.status ? sql`where m.status = ${opts.status}::mismatch_status` : sql``} order by m.id desc limit ${opts.limit}`);
}

export async function mismatchById(db: Db, id: number): Promise<MismatchRow | undefined> {
  const [row] = await rowsOf<MismatchRow>(db, sql`${MISMATCH_SELECT} where m.id = ${id}`);
  return row;
}

/**
 * An administrator accepts a held payment: it pays its invoice as it is (the
 * bank's amount), when the invoice is still open. Answers why not otherwise.
 */
export async function acceptMismatch(db: Db, id: number, by: string, resolution: string): Promise<{ receipt?: PaymentReceipt; invoice?: InvoiceRow; refused?: string }> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const [m] = await rowsOf<MismatchRow>(t, sql`${MISMATCH_SELECT} where m.id = ${id} for update of m`);
    if (!m || m.status !== 'open') return { refused: 'the mismatch is not open' };
    if (m.payment_status !== PaymentStatus.held) return { refused: `the payment is ${m.payment_status ?? 'not recorded'}, not held` };
    const [invoice] = await rowsOf<InvoiceRow>(t, sql`select ${INVOICE_COLUMNS} from invoices where id = ${m.invoice_id ?? ''} for update`);
    if (!invoice) return { refused: 'no invoice has this bill number: refund the payment' };
    if (invoice.status !== InvoiceStatus.open) return { refused: `the invoice is ${invoice.status}: refund the payment` };
    const applied = await applyToInvoice(t, m.payment_id, invoice.id);
    await t.execute(sql`update payment_mismatches set status = 'accepted', resolved_by = ${by}, resolved_at = now(), resolution = ${resolution}
                        where payment_id = ${m.payment_id} and status = 'open'`);
    return { receipt: receiptOf(applied, invoice.id), invoice };
  });
}

export interface RefundRow {
  id: string;
  payment_id: string;
  invoice_id: string | null;
  amount_halalas: number;
  reason: RefundReason;
  created_by: string;
  created_at: string;
  refunded_at: string | null;
}

/**
 * Records a refund of a payment (at most one), marks the payment refunded and
 * closes its open mismatches. The gateway is asked after, by the refund's id,
 * so a retry sends the same refund.
 */
export async function recordRefund(
  db: Db,
  r: { paymentId: string; amountHalalas: number; reason: RefundReason; by: string; resolution?: string; mismatchStatus?: MismatchStatus },
): Promise<RefundRow> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await t.execute(sql`
      insert into refunds (id, payment_id, invoice_id, amount_halalas, reason, created_by, office_id, license_kind)
      select 'RFD-' || p.payment_id, p.payment_id, p.invoice_id, ${r.amountHalalas}, ${r.reason}::refund_reason, ${r.by}, i.office_id, i.license_kind
      from payments p left join invoices i on i.id = p.invoice_id where p.payment_id = ${r.paymentId}
      on conflict (payment_id) do nothing`);
    await t.execute(sql`update payments set status = 'refunded' where payment_id = ${r.paymentId}`);
    await t.execute(sql`update payment_mismatches set status = ${r.mismatchStatus ?? 'refunded'}::mismatch_status, resolved_by = ${r.by}, resolved_at = now(),
                        resolution = ${r.resolution ?? r.reason} where payment_id = ${r.paymentId} and status = 'open'`);
    const [row] = await rowsOf<RefundRow>(t, sql`
      select id, payment_id, invoice_id, amount_halalas, reason::text as reason, created_by, to_json(created_at) #>> '{}' as created_at,
             to_json(refunded_at) #>> '{}' as refunded_at from refunds where payment_id = ${r.paymentId}`);
    return row!;
  });
}

/** Refunds recorded whose gateway call has not been confirmed (it was down): sent again, by the same id. */
export async function unsentRefunds(db: Db, limit: number): Promise<RefundRow[]> {
  return rowsOf<RefundRow>(db, sql`
    select id, payment_id, invoice_id, amount_halalas, reason::text as reason, created_by, to_json(created_at) #>> '{}' as created_at,
           to_json(refunded_at) #>> '{}' as refunded_at from refunds where refunded_at is null and amount_halalas > 0 order by created_at limit ${limit}`);
}

export async function markRefunded(db: Db, refundId: string, at: string): Promise<void> {
  await db.execute(sql`update refunds set refunded_at = ${at}::timestamptz where id = ${refundId} and refunded_at is null`);
}

export async function dismissMismatch(db: Db, id: number, by: string, resolution: string): Promise<boolean> {
  const rows = await rowsOf<{ id: number }>(db, sql`
    update payment_mismatches set status = 'dismissed', resolved_by = ${by}, resolved_at = now(), resolution = ${resolution}
    where id = ${id} and status = 'open' returning id`);
  return rows.length > 0;
}

/** The payments recorded for a Riyadh day, to hold against the gateway's statement. */
export async function paymentsOfDay(db: Db, day: string): Promise<(IncomingPayment & { status: PaymentStatus; invoiceId: string | null })[]> {
  return rowsOf(db, sql`
    select p.payment_id as "paymentId", p.bill_number as "billNumber", p.amount_halalas as "amountHalalas", to_json(p.paid_at) #>> '{}' as "paidAt",
           p.status::text as status, p.invoice_id as "invoiceId"
    from payments p where (p.paid_at at time zone 'Asia/Riyadh')::date = ${day}::date`);
}

/** A case's or license's invoice paid whose workflow may not have heard (a signal that failed after the payment's commit). */
export async function paidInvoicesOfDay(db: Db, day: string): Promise<{ receipt: PaymentReceipt; invoice: Pick<InvoiceRow, 'id' | 'application_id' | 'license_number'> }[]> {
  const rows = await rowsOf<PaymentRow & { id: string; application_id: string | null; license_number: string | null }>(db, sql`
    select i.id, i.application_id, i.license_number, p.payment_id, p.status::text as status, p.invoice_id, p.receipt_number, p.amount_halalas,
           to_json(p.paid_at) #>> '{}' as paid_at
    from invoices i join payments p on p.payment_id = i.payment_id
    where i.status = 'paid' and (p.paid_at at time zone 'Asia/Riyadh')::date = ${day}::date`);
  return rows.map((r) => ({ receipt: receiptOf(r, r.id), invoice: { id: r.id, application_id: r.application_id, license_number: r.license_number } }));
}

export async function saveReconciliation(
  db: Db,
  r: { day: string; statementCount: number; matched: number; appliedLate: number; mismatches: number; details: Record<string, unknown> },
): Promise<void> {
  await db.execute(sql`
    insert into reconciliation_runs (day, ran_at, statement_count, matched, applied_late, mismatches, details)
    values (${r.day}::date, now(), ${r.statementCount}, ${r.matched}, ${r.appliedLate}, ${r.mismatches}, ${JSON.stringify(r.details)}::jsonb)
    on conflict (day) do update set ran_at = now(), statement_count = excluded.statement_count, matched = excluded.matched,
      applied_late = reconciliation_runs.applied_late + excluded.applied_late, mismatches = excluded.mismatches,
      details = excluded.details || jsonb_build_object('appliedLate', coalesce(reconciliation_runs.details->'appliedLate', '[]'::jsonb) || coalesce(excluded.details->'appliedLate', '[]'::jsonb))`);
}

export interface ReconciliationRow {
  day: string;
  ran_at: string;
  statement_count: number;
  matched: number;
  applied_late: number;
  mismatches: number;
  details: Record<string, unknown>;
}

export async function reconciliations(db: Db, limit: number): Promise<ReconciliationRow[]> {
  return rowsOf<ReconciliationRow>(db, sql`
    select day::text as day, to_json(ran_at) #>> '{}' as ran_at, statement_count, matched, applied_late, mismatches, details
    from reconciliation_runs order by day desc limit ${limit}`);
}
