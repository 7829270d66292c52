// Stand-in for the payment gateway (SADAD-style bills paid at any bank by
// number). Tarkhees reaches it over real HTTP through integrations/payments, and
// it POSTs signed payment notifications back to Tarkhees as the real gateway
// would: retried until taken, and, when a test says so, late, repeated, out of
// order or lost. The /_control/payments routes play the bank customer paying
// and steer the deliveries.
import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Bill, BillRequest, GatewayPayment, GatewayRefund, PaymentNotification, RefundRequest } from '../integrations/payments/gateway';
import { signedNotificationHeaders } from '../integrations/payments/signature';

/** Where the gateway's notifications go and how it signs them; `token`, when set, is what Tarkhees must present. */
export interface PaymentsTarget {
  /** Tarkhees's base URL: notifications go to `<notifyUrl>/payments/notifications`. */
  notifyUrl: string;
  secret: string;
  token?: string;
}

export interface PaymentsSwitches {
  /** How long after a payment its notification is first sent (a bank's settlement lag). */
  delayMs: number;
  /** Extra deliveries of each notification after the first one is taken (same notificationId, each signed afresh). */
  duplicates: number;
  /** Notifications are queued instead of sent; POST /_control/payments/flush sends them, newest first. */
  outOfOrder: boolean;
  /** The next this-many notifications are never sent (their payments stay on the statement). */
  lose: number;
  /** The bills, statements and refunds routes answer 503. */
  outage: boolean;
}

/** A bill as the simulator keeps it: what the gateway answers, and who owes it. */
export interface SimulatedBill extends Bill {
  payer: BillRequest['payer'];
  description: string;
  createdAt: string;
}

/** One POST of a notification to Tarkhees. */
export interface DeliveryAttempt {
  notificationId: string;
  paymentId: string;
  /** 1 for the first POST of this notification, counting retries and duplicates. */
  attempt: number;
  /** Tarkhees's HTTP status, 0 for no answer. */
  status: number;
  at: string;
}

export interface PaymentsControlState {
  switches: PaymentsSwitches;
  bills: SimulatedBill[];
  payments: GatewayPayment[];
  refunds: GatewayRefund[];
  deliveries: DeliveryAttempt[];
  /** Waiting for POST /_control/payments/flush (outOfOrder). */
  queued: PaymentNotification[];
  /** Notifications `lose` swallowed. */
  lost: PaymentNotification[];
}

/** What POST /_control/payments/pay answers. */
export interface PaymentMade {
  payment: GatewayPayment;
  notificationId: string;
}

export interface PaymentsErrorBody {
  error: string;
  message: string;
  field?: string;
}

// Backoff of a notification Tarkhees did not take: quick enough for a test to
// see the retry within a second, capped so a long outage is not hammered.
export const NOTIFY_RETRY_INITIAL_MS = 500;
export const NOTIFY_RETRY_MAX_MS = 10_000;
/** About four minutes of attempts (500 ms doubling to 10 s): a restart of the API is outlived, a missing route is not retried forever. */
export const NOTIFY_MAX_ATTEMPTS = 30;
/** Tarkhees records a notification and answers at once; longer means it is not there. */
const NOTIFY_TIMEOUT_MS = 10_000;
// Beyond these a switch is almost certainly a typo (and setTimeout turns delays above 2^31 ms into 1 ms).
const MAX_DELAY_MS = 600_000;
const MAX_DUPLICATES = 100;
const RIYADH_OFFSET_MS = 3 * 3_600_000;
const BILL_NUMBER_MIN = 1_000_000_000_000; // 13 digits, never a leading zero
const BILL_NUMBER_MAX = 10_000_000_000_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const isAmount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const isCount = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
const isInstant = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v));
const isDay = (v: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(v) && new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) === v;
/** The Riyadh (UTC+3, no daylight saving) date an instant falls on. */
export const riyadhDay = (iso: string): string => new Date(Date.parse(iso) + RIYADH_OFFSET_MS).toISOString().slice(0, 10);

class Invalid extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function parseBillRequest(b: unknown): BillRequest {
  if (!isObject(b)) throw new Invalid('body', 'body must be a JSON object');
  if (!nonEmptyString(b.invoiceId)) throw new Invalid('invoiceId', 'invoiceId must be a non-empty string');
  if (!isAmount(b.amountHalalas)) throw new Invalid('amountHalalas', 'amountHalalas must be a positive whole number of halalas');
  if (!isInstant(b.dueAt)) throw new Invalid('dueAt', 'dueAt must be an ISO instant, e.g. 2026-12-31T20:59:59Z');
  if (!isObject(b.payer)) throw new Invalid('payer', 'payer must be { nationalId, name, mobile }');
  const { nationalId, name, mobile } = b.payer;
  if (typeof nationalId !== 'string' || !/^\d{10}$/.test(nationalId)) throw new Invalid('payer.nationalId', 'payer.nationalId must be 10 digits');
  if (!nonEmptyString(name)) throw new Invalid('payer.name', 'payer.name must be a non-empty string');
  if (!nonEmptyString(mobile)) throw new Invalid('payer.mobile', 'payer.mobile must be a non-empty string');
  if (!nonEmptyString(b.description)) throw new Invalid('description', 'description must be a non-empty string');
  return { invoiceId: b.invoiceId, amountHalalas: b.amountHalalas, dueAt: new Date(b.dueAt).toISOString(), payer: { nationalId, name, mobile }, description: b.description };
}

function parseRefundRequest(b: unknown): RefundRequest {
  if (!isObject(b)) throw new Invalid('body', 'body must be a JSON object');
  if (!nonEmptyString(b.refundId)) throw new Invalid('refundId', 'refundId must be a non-empty string');
  if (!nonEmptyString(b.paymentId)) throw new Invalid('paymentId', 'paymentId must be a non-empty string');
  if (!isAmount(b.amountHalalas)) throw new Invalid('amountHalalas', 'amountHalalas must be a positive whole number of halalas');
  if (!nonEmptyString(b.reason)) throw new Invalid('reason', 'reason must be a non-empty string');
  return { refundId: b.refundId, paymentId: b.paymentId, amountHalalas: b.amountHalalas, reason: b.reason };
}

interface PayRequest {
  billNumber: string;
  amountHalalas?: number;
  paidAt?: string;
  again: boolean;
}

function parsePay(b: unknown): PayRequest {
  if (!isObject(b)) throw new Invalid('body', 'body must be a JSON object');
  // Rejecting unknown fields turns a typo such as "amount" into an error instead of a silent no-op.
  const unknown = Object.keys(b).find((k) => !['billNumber', 'amountHalalas', 'paidAt', 'again'].includes(k));
  if (unknown !== undefined) throw new Invalid(unknown, `unknown field "${unknown}"`);
  if (!nonEmptyString(b.billNumber)) throw new Invalid('billNumber', 'billNumber must be a non-empty string');
  if (b.amountHalalas !== undefined && !isAmount(b.amountHalalas)) throw new Invalid('amountHalalas', 'amountHalalas, when given, must be a positive whole number of halalas');
  if (b.paidAt !== undefined && !isInstant(b.paidAt)) throw new Invalid('paidAt', 'paidAt, when given, must be an ISO instant');
  if (b.again !== undefined && typeof b.again !== 'boolean') throw new Invalid('again', 'again, when given, must be a boolean');
  return {
    billNumber: b.billNumber,
    amountHalalas: b.amountHalalas as number | undefined,
    paidAt: b.paidAt === undefined ? undefined : new Date(b.paidAt as string).toISOString(),
    again: b.again === true,
  };
}

function parseSwitches(b: unknown): Partial<PaymentsSwitches> {
  if (!isObject(b)) throw new Invalid('body', 'body must be a JSON object');
  const out: Partial<PaymentsSwitches> = {};
  for (const [key, v] of Object.entries(b)) {
    if (key === 'delayMs') {
      if (!isCount(v, MAX_DELAY_MS)) throw new Invalid(key, `delayMs must be an integer from 0 to ${MAX_DELAY_MS}`);
      out.delayMs = v;
    } else if (key === 'duplicates') {
      if (!isCount(v, MAX_DUPLICATES)) throw new Invalid(key, `duplicates must be an integer from 0 to ${MAX_DUPLICATES}`);
      out.duplicates = v;
    } else if (key === 'lose') {
      if (!isCount(v, Number.MAX_SAFE_INTEGER)) throw new Invalid(key, 'lose must be a non-negative integer (0 turns it off)');
      out.lose = v;
    } else if (key === 'outOfOrder' || key === 'outage') {
      if (typeof v !== 'boolean') throw new Invalid(key, `${key} must be a boolean`);
      out[key] = v;
    } else {
      throw new Invalid(key, `unknown field "${key}"`);
    }
  }
  return out;
}

const billView = (b: SimulatedBill): Bill => ({ billNumber: b.billNumber, invoiceId: b.invoiceId, amountHalalas: b.amountHalalas, dueAt: b.dueAt, status: b.status });
const fail = (reply: FastifyReply, status: number, body: PaymentsErrorBody) => reply.code(status).send(body);

/** The gateway's routes and its notifications, on the simulator `app`. Returns what DELETE /_control calls to forget everything. */
export function registerPayments(app: FastifyInstance, target: PaymentsTarget): { reset(): void } {
  // Read at each send: a test's API starts listening after the simulator, and names its address then.
  const notifyUrl = () => `${target.notifyUrl.replace(/\/$/, '')}/payments/notifications`;
  const fresh = () => ({
    switches: { delayMs: 0, duplicates: 0, outOfOrder: false, lose: 0, outage: false } as PaymentsSwitches,
    bills: new Map<string, SimulatedBill>(),
    billByInvoice: new Map<string, string>(),
    payments: [] as GatewayPayment[],
    refunds: new Map<string, GatewayRefund>(),
    deliveries: [] as DeliveryAttempt[],
    queued: [] as PaymentNotification[],
    lost: [] as PaymentNotification[],
    attempts: new Map<string, number>(),
    // A reset or the simulator's close stops this state's deliveries, so none lands in the next test's log.
    stop: new AbortController(),
  });
  let s = fresh();
  const running = new Set<Promise<void>>();

  app.addHook('onClose', async () => {
    s.stop.abort();
    await Promise.allSettled([...running]);
  });

  /** One POST of `n`, signed now; its status (0 for no answer) is logged. */
  async function post(state: typeof s, n: PaymentNotification, body: string): Promise<boolean> {
    const attempt = (state.attempts.get(n.notificationId) ?? 0) + 1;
    state.attempts.set(n.notificationId, attempt);
    let status = 0;
    try {
      const res = await fetch(notifyUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signedNotificationHeaders(target.secret, body) },
        body,
        signal: AbortSignal.any([state.stop.signal, AbortSignal.timeout(NOTIFY_TIMEOUT_MS)]),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch {
      // No answer: logged as 0 and retried like a refusal.
    }
    state.deliveries.push({ notificationId: n.notificationId, paymentId: n.paymentId, attempt, status, at: new Date().toISOString() });
    return status >= 200 && status < 300;
  }

  /** Sends `n` until Tarkhees takes it, backing off; false when it gave up or was stopped. `onFirst` runs after the first attempt. */
  async function sendUntilTaken(state: typeof s, n: PaymentNotification, body: string, onFirst: () => void): Promise<boolean> {
    let wait = NOTIFY_RETRY_INITIAL_MS;
    for (let i = 1; i <= NOTIFY_MAX_ATTEMPTS; i++) {
      if (state.stop.signal.aborted) return false;
      const taken = await post(state, n, body);
      onFirst();
      if (taken) return true;
      if (i === NOTIFY_MAX_ATTEMPTS) break;
      const stopped = await sleep(wait, false, { signal: state.stop.signal }).catch(() => true);
      if (stopped) return false;
      wait = Math.min(wait * 2, NOTIFY_RETRY_MAX_MS);
    }
    app.log.warn({ notificationId: n.notificationId }, `payment notification not taken after ${NOTIFY_MAX_ATTEMPTS} attempts`);
    return false;
  }

  /**
   * Delivers `n` in the background: after `delayMs`, until taken, then its
   * duplicates. Resolves once the first attempt is done (the flush sends in
   * order by waiting on it); never rejects.
   */
  function deliver(n: PaymentNotification, { delayMs, duplicates }: Pick<PaymentsSwitches, 'delayMs' | 'duplicates'>): Promise<void> {
    const state = s;
    const body = JSON.stringify(n);
    let firstDone: () => void = () => undefined;
    const first = new Promise<void>((resolve) => (firstDone = resolve));
    const run = (async () => {
      if (delayMs > 0 && (await sleep(delayMs, false, { signal: state.stop.signal }).catch(() => true))) return;
      if (!(await sendUntilTaken(state, n, body, firstDone))) return;
      for (let d = 0; d < duplicates; d++) {
        if (!(await sendUntilTaken(state, n, body, () => undefined))) return;
      }
    })()
      .catch((err: unknown) => app.log.error({ err, notificationId: n.notificationId }, 'payment notification delivery failed'))
      .finally(() => {
        firstDone();
        running.delete(run);
      });
    running.add(run);
    return first;
  }

  /** A payment's notification, as the switches say: swallowed, queued, or sent. */
  function notify(n: PaymentNotification): void {
    const { switches } = s;
    if (switches.lose > 0) {
      switches.lose -= 1;
      s.lost.push(n);
    } else if (switches.outOfOrder) {
      s.queued.push(n);
    } else {
      void deliver(n, switches);
    }
  }

  /** The gateway's own routes pass here first: down when `outage`, and closed to a caller without the token. */
  function refused(req: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
    if (s.switches.outage) return fail(reply, 503, { error: 'unavailable', message: 'the payment gateway is down (outage switch)' });
    if (target.token !== undefined && req.headers.authorization !== `Bearer ${target.token}`) {
      return fail(reply, 401, { error: 'unauthorized', message: 'authorization must be "Bearer <the gateway token>"' });
    }
    return undefined;
  }

  /** Runs `handle`, answering its Invalid as 400 naming the field. */
  const validated = async (reply: FastifyReply, handle: () => unknown): Promise<unknown> => {
    try {
      return await handle();
    } catch (err) {
      if (err instanceof Invalid) return fail(reply, 400, { error: 'bad_request', message: err.message, field: err.field });
      throw err;
    }
  };

  const newBillNumber = (): string => {
    for (;;) {
      const n = String(randomInt(BILL_NUMBER_MIN, BILL_NUMBER_MAX));
      if (!s.bills.has(n)) return n;
    }
  };

  app.post('/payments/bills', async (req, reply) =>
    refused(req, reply) ??
    validated(reply, () => {
      const r = parseBillRequest(req.body);
      const known = s.billByInvoice.get(r.invoiceId);
      if (known) return reply.code(200).send(billView(s.bills.get(known)!));
      const bill: SimulatedBill = { billNumber: newBillNumber(), invoiceId: r.invoiceId, amountHalalas: r.amountHalalas, dueAt: r.dueAt, status: 'open', payer: r.payer, description: r.description, createdAt: new Date().toISOString() };
      s.bills.set(bill.billNumber, bill);
      s.billByInvoice.set(bill.invoiceId, bill.billNumber);
      return reply.code(201).send(billView(bill));
    }),
  );

  type BillParams = { Params: { billNumber: string } };
  app.get<BillParams>('/payments/bills/:billNumber', async (req, reply) => {
    if (refused(req, reply)) return reply;
    const bill = s.bills.get(req.params.billNumber);
    return bill ? billView(bill) : fail(reply, 404, { error: 'not_found', message: `no bill ${req.params.billNumber}`, field: 'billNumber' });
  });

  app.post<BillParams>('/payments/bills/:billNumber/cancel', async (req, reply) => {
    if (refused(req, reply)) return reply;
    const bill = s.bills.get(req.params.billNumber);
    if (!bill) return fail(reply, 404, { error: 'not_found', message: `no bill ${req.params.billNumber}`, field: 'billNumber' });
    // A paid bill stays paid: the money is in; undoing it is a refund.
    if (bill.status === 'open') bill.status = 'cancelled';
    return billView(bill);
  });

  app.get<{ Params: { day: string } }>('/payments/statements/:day', async (req, reply) => {
    if (refused(req, reply)) return reply;
    const { day } = req.params;
    if (!isDay(day)) return fail(reply, 400, { error: 'bad_request', message: 'day must be a date like 2026-12-31 (Riyadh)', field: 'day' });
    return { day, payments: s.payments.filter((p) => riyadhDay(p.paidAt) === day).map((p) => ({ ...p })) };
  });

  app.post('/payments/refunds', async (req, reply) =>
    refused(req, reply) ??
    validated(reply, () => {
      const r = parseRefundRequest(req.body);
      const known = s.refunds.get(r.refundId);
      if (known) return reply.code(200).send({ ...known });
      const payment = s.payments.find((p) => p.paymentId === r.paymentId);
      if (!payment) return fail(reply, 404, { error: 'not_found', message: `no payment ${r.paymentId}`, field: 'paymentId' });
      const refunded = [...s.refunds.values()].filter((f) => f.paymentId === r.paymentId).reduce((sum, f) => sum + f.amountHalalas, 0);
      if (refunded + r.amountHalalas > payment.amountHalalas) {
        return fail(reply, 409, { error: 'refund_exceeds_payment', message: `${r.amountHalalas} halalas more than the ${payment.amountHalalas - refunded} left of payment ${payment.paymentId}`, field: 'amountHalalas' });
      }
      const refund: GatewayRefund = { refundId: r.refundId, paymentId: r.paymentId, amountHalalas: r.amountHalalas, refundedAt: new Date().toISOString() };
      s.refunds.set(refund.refundId, refund);
      return reply.code(201).send({ ...refund });
    }),
  );

  // A bank customer pays a bill: the payment goes on the statement and its notification to Tarkhees.
  app.post('/_control/payments/pay', async (req, reply) =>
    validated(reply, () => {
      const p = parsePay(req.body);
      const bill = s.bills.get(p.billNumber);
      if (!bill) return fail(reply, 404, { error: 'not_found', message: `no bill ${p.billNumber}`, field: 'billNumber' });
      if (bill.status === 'cancelled') return fail(reply, 409, { error: 'bill_cancelled', message: `bill ${bill.billNumber} is cancelled: banks refuse it`, field: 'billNumber' });
      // `again`: a customer paying a bill twice (at two banks), which the gateway settles both times.
      if (bill.status === 'paid' && !p.again) return fail(reply, 409, { error: 'bill_paid', message: `bill ${bill.billNumber} is paid; { "again": true } pays it a second time`, field: 'billNumber' });
      // An amount other than the bill's is taken as given: the bank sent it.
      const payment: GatewayPayment = { paymentId: `PAY-${randomUUID()}`, billNumber: bill.billNumber, amountHalalas: p.amountHalalas ?? bill.amountHalalas, paidAt: p.paidAt ?? new Date().toISOString() };
      s.payments.push(payment);
      bill.status = 'paid';
      const notification: PaymentNotification = { notificationId: `NTF-${randomUUID()}`, ...payment };
      notify(notification);
      return reply.code(201).send({ payment: { ...payment }, notificationId: notification.notificationId } satisfies PaymentMade);
    }),
  );

  app.get('/_control/payments', async (): Promise<PaymentsControlState> => ({
    switches: { ...s.switches },
    bills: [...s.bills.values()].map((b) => ({ ...b, payer: { ...b.payer } })),
    payments: s.payments.map((p) => ({ ...p })),
    refunds: [...s.refunds.values()].map((r) => ({ ...r })),
    deliveries: s.deliveries.map((d) => ({ ...d })),
    queued: s.queued.map((n) => ({ ...n })),
    lost: s.lost.map((n) => ({ ...n })),
  }));

  app.put('/_control/payments', async (req, reply) =>
    validated(reply, () => {
      Object.assign(s.switches, parseSwitches(req.body ?? {}));
      return { ...s.switches };
    }),
  );

  // The queue goes newest first, each sent once the one before it was answered, so they arrive in that order.
  app.post('/_control/payments/flush', async () => {
    const queued = s.queued.reverse();
    s.queued = [];
    for (const n of queued) await deliver(n, s.switches);
    return { flushed: queued.map((n) => n.notificationId) };
  });

  const reset = () => {
    s.stop.abort();
    s = fresh();
  };
  app.post('/_control/payments/reset', async () => {
    reset();
    return { ok: true };
  });

  return { reset };
}
