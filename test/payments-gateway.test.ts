// The payment gateway's side of fees: the HTTP client Tarkhees calls it with,
// the simulator standing in for it, and the signature on the notifications it
// POSTs back. No Temporal, no database: the simulator on a free port, and a
// small receiver in place of Tarkhees's POST /payments/notifications.
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createHttpGateway,
} from '../integrations/payments/http';
import {
  PaymentGatewayRequestError,
  PaymentGatewayUnavailableError,
  type BillRequest,
  type PaymentGateway,
  type PaymentNotification,
} from '../integrations/payments/gateway';
import { createPaymentGateway } from '../integrations/payments';
import {
  checkNotificationSignature,
  NOTIFICATION_TIMESTAMP_TOLERANCE_S,
  NotificationHeader,
  signedNotificationHeaders,
  signNotification,
} from '../integrations/payments/signature';
import { DEVELOPMENT_PAYMENT_NOTIFICATION_SECRET, loadConfig } from '../config';
import { buildSimulator } from '../simulator/app';
import type { PaymentMade, PaymentsControlState } from '../simulator/payments';
import { waitFor } from './support/env';

const SECRET = 'the-payment-notification-secret-of-32-or-more';
const TOKEN = 'the-gateway-token';

describe('notification signature', () => {
  const body = Buffer.from(JSON.stringify({ notificationId: 'NTF-1', paymentId: 'PAY-1', billNumber: '1234567890123', amountHalalas: 30_000, paidAt: '2026-03-01T09:00:00.000Z' }));
  const now = Date.UTC(2026, 2, 1, 9, 0, 0);
  const headers = (h: Record<string, string>): IncomingHttpHeaders => h;

  it('accepts the gateway signing the body now, and a timestamp up to the tolerance either way', () => {
    expect(checkNotificationSignature(headers(signedNotificationHeaders(SECRET, body, now)), body, SECRET, now)).toEqual({ ok: true });
    for (const skew of [-NOTIFICATION_TIMESTAMP_TOLERANCE_S, NOTIFICATION_TIMESTAMP_TOLERANCE_S]) {
      expect(checkNotificationSignature(headers(signedNotificationHeaders(SECRET, body, now + skew * 1000)), body, SECRET, now).ok).toBe(true);
    }
  });

  it('is lowercase hex HMAC-SHA256 of "<timestamp>.<body>"', async () => {
    const { createHmac } = await import('node:crypto');
    const ts = Math.floor(now / 1000);
    expect(signNotification(SECRET, ts, body)).toBe(createHmac('sha256', SECRET).update(`${ts}.${body.toString()}`).digest('hex'));
    expect(signedNotificationHeaders(SECRET, body, now)).toEqual({ [NotificationHeader.timestamp]: String(ts), [NotificationHeader.signature]: signNotification(SECRET, ts, body) });
  });

  it('refuses a notification without its headers, each once', () => {
    const signed = signedNotificationHeaders(SECRET, body, now);
    expect(checkNotificationSignature({}, body, SECRET, now)).toMatchObject({ ok: false, code: 'signature_required' });
    expect(checkNotificationSignature(headers({ 'x-timestamp': signed['x-timestamp']! }), body, SECRET, now)).toMatchObject({ ok: false, code: 'signature_required' });
    expect(checkNotificationSignature(headers({ 'x-signature': signed['x-signature']! }), body, SECRET, now)).toMatchObject({ ok: false, code: 'signature_required' });
    expect(checkNotificationSignature({ ...signed, 'x-signature': [signed['x-signature']!, signed['x-signature']!] } as IncomingHttpHeaders, body, SECRET, now)).toMatchObject({ ok: false, code: 'signature_required' });
  });

  it('refuses a timestamp more than the tolerance away, either way, or not Unix seconds', () => {
    for (const skew of [-(NOTIFICATION_TIMESTAMP_TOLERANCE_S + 1), NOTIFICATION_TIMESTAMP_TOLERANCE_S + 1]) {
      const check = checkNotificationSignature(headers(signedNotificationHeaders(SECRET, body, now + skew * 1000)), body, SECRET, now);
      expect(check).toMatchObject({ ok: false, code: 'stale_timestamp' });
    }
    const bad = { ...signedNotificationHeaders(SECRET, body, now), 'x-timestamp': '2026-03-01T09:00:00Z' };
    expect(checkNotificationSignature(bad, body, SECRET, now)).toMatchObject({ ok: false, code: 'stale_timestamp' });
  });

  it('refuses another secret, a malformed signature, a tampered body and a timestamp changed after signing', () => {
    const signed = signedNotificationHeaders(SECRET, body, now);
    expect(checkNotificationSignature(headers(signedNotificationHeaders(`${SECRET}-other`, body, now)), body, SECRET, now)).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(checkNotificationSignature({ ...signed, 'x-signature': 'not-hex' }, body, SECRET, now)).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(checkNotificationSignature({ ...signed, 'x-signature': signed['x-signature']!.toUpperCase() }, body, SECRET, now)).toMatchObject({ ok: false, code: 'bad_signature' });
    const tampered = Buffer.from(body.toString().replace('30000', '3000'));
    expect(checkNotificationSignature(signed, tampered, SECRET, now)).toMatchObject({ ok: false, code: 'bad_signature' });
    const later = { ...signed, 'x-timestamp': String(Number(signed['x-timestamp']) + 1) };
    expect(checkNotificationSignature(later, body, SECRET, now)).toMatchObject({ ok: false, code: 'bad_signature' });
  });
});

describe('configuration', () => {
  it('defaults to the simulator with a public development secret, which production refuses', () => {
    const config = loadConfig({});
    expect(config.payments).toEqual({ gatewayUrl: 'http://127.0.0.1:4010/payments', gatewayToken: undefined, notificationSecret: DEVELOPMENT_PAYMENT_NOTIFICATION_SECRET, timeoutMs: 10_000 });
    expect(loadConfig({ PAYMENT_GATEWAY_URL: 'https://pay.example.sa/v2/', PAYMENT_GATEWAY_TOKEN: 't', PAYMENT_GATEWAY_TIMEOUT: '3s', PAYMENT_NOTIFICATION_SECRET: SECRET }).payments).toEqual({
      gatewayUrl: 'https://pay.example.sa/v2',
      gatewayToken: 't',
      notificationSecret: SECRET,
      timeoutMs: 3000,
    });
    expect(() => loadConfig({ PAYMENT_NOTIFICATION_SECRET: 'short' })).toThrow(/^PAYMENT_NOTIFICATION_SECRET: must be at least 32/);
    expect(() => loadConfig({ PAYMENT_GATEWAY_TIMEOUT: 'soon' })).toThrow(/^PAYMENT_GATEWAY_TIMEOUT/);
  });
});

/** Stands in for Tarkhees's POST /payments/notifications: keeps each delivery's raw body and headers, and answers as told. */
interface Delivery {
  headers: IncomingHttpHeaders;
  body: Buffer;
  notification: PaymentNotification;
  receivedMs: number;
}

let receiver: FastifyInstance;
let receiverUrl: string;
const deliveries: Delivery[] = [];
/** Statuses the receiver answers the next deliveries with, in order; then 200. */
const answers: number[] = [];

let simulator: FastifyInstance;
let simulatorUrl: string;
let gateway: PaymentGateway;

const listen = async (app: FastifyInstance) => {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  receiver = Fastify();
  receiver.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  receiver.post('/payments/notifications', async (req, reply) => {
    const body = req.body as Buffer;
    deliveries.push({ headers: req.headers, body, notification: JSON.parse(body.toString()) as PaymentNotification, receivedMs: Date.now() });
    return reply.code(answers.shift() ?? 200).send({ ok: true });
  });
  // A gateway answering 200 with a body that is not JSON.
  receiver.post('/broken/bills', async (_req, reply) => reply.code(200).type('text/plain').send('<html>maintenance</html>'));
  receiverUrl = await listen(receiver);
  simulator = buildSimulator({ payments: { notifyUrl: receiverUrl, secret: SECRET } });
  simulatorUrl = await listen(simulator);
  gateway = createHttpGateway({ url: `${simulatorUrl}/payments`, timeoutMs: 5000 });
});

afterAll(async () => {
  await simulator?.close();
  await receiver?.close();
});

beforeEach(async () => {
  await control('POST', '/_control/payments/reset');
  deliveries.length = 0;
  answers.length = 0;
});

async function control<T = unknown>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(simulatorUrl + path, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const state = async () => (await control<PaymentsControlState>('GET', '/_control/payments')).body;
const pay = async (body: { billNumber: string; amountHalalas?: number; paidAt?: string; again?: boolean }) => control<PaymentMade>('POST', '/_control/payments/pay', body);
const switches = (body: Record<string, unknown>) => control('PUT', '/_control/payments', body);

let invoices = 0;
const billRequest = (over: Partial<BillRequest> = {}): BillRequest => ({
  invoiceId: `INV-${process.pid}-${++invoices}`,
  amountHalalas: 30_000,
  dueAt: '2026-03-31T20:59:59.000Z',
  payer: { nationalId: '1000000008', name: 'Sara Al-Mubarak', mobile: '0551234567' },
  description: 'Commercial license fee',
  ...over,
});

const deliveriesOf = (paymentId: string) => deliveries.filter((d) => d.notification.paymentId === paymentId);
const rejection = async (p: Promise<unknown>): Promise<Error> => {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
};

describe('bills', () => {
  it('registers a bill by a 13-digit number, the same one again for the same invoice, another for another', async () => {
    const req = billRequest();
    const bill = await gateway.createBill(req);
    expect(bill).toEqual({ billNumber: expect.stringMatching(/^[1-9]\d{12}$/), invoiceId: req.invoiceId, amountHalalas: 30_000, dueAt: req.dueAt, status: 'open' });
    expect(await gateway.createBill(req)).toEqual(bill);
    const other = await gateway.createBill(billRequest());
    expect(other.billNumber).not.toBe(bill.billNumber);
    expect(other.billNumber).toMatch(/^\d{13}$/);
    // Created once, answered twice: 201 then 200.
    const raw = await fetch(`${simulatorUrl}/payments/bills`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(req) });
    expect(raw.status).toBe(200);
    expect((await state()).bills).toHaveLength(2);
    expect((await control('GET', `/payments/bills/${bill.billNumber}`)).body).toEqual(bill);
  });

  it('answers bad input with 400 naming the field, which the client raises as a refused request', async () => {
    for (const [bad, field] of [
      [{ amountHalalas: 300.5 }, 'amountHalalas'],
      [{ amountHalalas: 0 }, 'amountHalalas'],
      [{ invoiceId: '' }, 'invoiceId'],
      [{ dueAt: 'tomorrow' }, 'dueAt'],
      [{ payer: { nationalId: '12', name: 'x', mobile: '0551234567' } }, 'payer.nationalId'],
    ] as const) {
      const res = await fetch(`${simulatorUrl}/payments/bills`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(billRequest(bad as Partial<BillRequest>)) });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'bad_request', field });
      const err = await rejection(gateway.createBill(billRequest(bad as Partial<BillRequest>)));
      expect(err).toBeInstanceOf(PaymentGatewayRequestError);
      expect(err.message).toContain(field);
    }
    expect(await rejection(gateway.statement('2026-02-30'))).toBeInstanceOf(PaymentGatewayRequestError);
    expect(await rejection(gateway.cancelBill('9999999999999'))).toBeInstanceOf(PaymentGatewayRequestError);
  });

  it('cancels an open bill (idempotently), which banks then refuse; a paid bill stays paid', async () => {
    const open = await gateway.createBill(billRequest());
    expect(await gateway.cancelBill(open.billNumber)).toEqual({ ...open, status: 'cancelled' });
    expect(await gateway.cancelBill(open.billNumber)).toEqual({ ...open, status: 'cancelled' });
    expect(await pay({ billNumber: open.billNumber })).toMatchObject({ status: 409, body: { error: 'bill_cancelled' } });

    const paid = await gateway.createBill(billRequest());
    expect((await pay({ billNumber: paid.billNumber })).status).toBe(201);
    expect(await gateway.cancelBill(paid.billNumber)).toEqual({ ...paid, status: 'paid' });
  });
});

describe('payments and their notifications', () => {
  it('a payment is on the statement of its Riyadh day, and its notification arrives signed', async () => {
    const bill = await gateway.createBill(billRequest());
    // 22:30 UTC is 01:30 the next day in Riyadh.
    const made = await pay({ billNumber: bill.billNumber, paidAt: '2026-03-01T22:30:00Z' });
    expect(made.status).toBe(201);
    const { payment, notificationId } = made.body;
    expect(payment).toEqual({ paymentId: expect.stringMatching(/^PAY-/), billNumber: bill.billNumber, amountHalalas: 30_000, paidAt: '2026-03-01T22:30:00.000Z' });
    expect(await gateway.statement('2026-03-02')).toEqual([payment]);
    expect(await gateway.statement('2026-03-01')).toEqual([]);
    expect((await state()).bills[0]).toMatchObject({ billNumber: bill.billNumber, status: 'paid' });

    const [delivery] = await waitFor('the notification', () => deliveriesOf(payment.paymentId).length === 1 && deliveriesOf(payment.paymentId));
    expect(delivery!.notification).toEqual({ notificationId, ...payment });
    expect(checkNotificationSignature(delivery!.headers, delivery!.body, SECRET, Date.now())).toEqual({ ok: true });
    expect(checkNotificationSignature(delivery!.headers, delivery!.body, 'another-secret-of-32-characters-or-more', Date.now())).toMatchObject({ ok: false, code: 'bad_signature' });
    await waitFor('the attempt logged', async () => (await state()).deliveries.length === 1);
    expect((await state()).deliveries).toEqual([{ notificationId, paymentId: payment.paymentId, attempt: 1, status: 200, at: expect.any(String) }]);
  });

  it('a bill paid twice: refused, unless the customer really pays again, and then both are settled', async () => {
    const bill = await gateway.createBill(billRequest());
    const first = (await pay({ billNumber: bill.billNumber, paidAt: '2026-03-05T08:00:00Z' })).body.payment;
    expect(await pay({ billNumber: bill.billNumber })).toMatchObject({ status: 409, body: { error: 'bill_paid' } });
    // An amount other than the bill's is the bank's, taken as given.
    const again = await pay({ billNumber: bill.billNumber, paidAt: '2026-03-05T09:00:00Z', amountHalalas: 12_345, again: true });
    expect(again.status).toBe(201);
    expect(again.body.payment).toMatchObject({ billNumber: bill.billNumber, amountHalalas: 12_345 });
    expect(again.body.payment.paymentId).not.toBe(first.paymentId);
    expect((await gateway.statement('2026-03-05')).map((p) => p.paymentId)).toEqual([first.paymentId, again.body.payment.paymentId]);
    await waitFor('both notifications', () => deliveriesOf(first.paymentId).length === 1 && deliveriesOf(again.body.payment.paymentId).length === 1);
    expect(await pay({ billNumber: '0000000000000' })).toMatchObject({ status: 404 });
    expect(await pay({ billNumber: bill.billNumber, amount: 5 } as never)).toMatchObject({ status: 400, body: { field: 'amount' } });
  });

  it('a notification Tarkhees does not take is sent again, backing off, each attempt signed afresh', async () => {
    answers.push(500, 500);
    const bill = await gateway.createBill(billRequest());
    const { payment, notificationId } = (await pay({ billNumber: bill.billNumber })).body;
    const sent = await waitFor('the third attempt', () => deliveriesOf(payment.paymentId).length === 3 && deliveriesOf(payment.paymentId), { timeoutMs: 10_000 });
    for (const d of sent) {
      expect(d.notification.notificationId).toBe(notificationId);
      // Signed when sent, not when the payment was made.
      const ts = Number(d.headers['x-timestamp']);
      expect(Math.floor(d.receivedMs / 1000) - ts).toBeGreaterThanOrEqual(0);
      expect(Math.floor(d.receivedMs / 1000) - ts).toBeLessThanOrEqual(1);
      expect(checkNotificationSignature(d.headers, d.body, SECRET, d.receivedMs)).toEqual({ ok: true });
    }
    // 500 ms then 1 s apart: the third is signed at least a second after the first.
    expect(sent[2]!.receivedMs - sent[0]!.receivedMs).toBeGreaterThanOrEqual(1400);
    expect(Number(sent[2]!.headers['x-timestamp'])).toBeGreaterThan(Number(sent[0]!.headers['x-timestamp']));
    expect(sent[2]!.headers['x-signature']).not.toBe(sent[0]!.headers['x-signature']);
    await waitFor('the attempts logged', async () => (await state()).deliveries.length === 3);
    expect((await state()).deliveries.map((d) => [d.attempt, d.status])).toEqual([[1, 500], [2, 500], [3, 200]]);
  });

  it('with no one answering, the attempts are logged with status 0 and stop when the simulator closes', async () => {
    const lonely = buildSimulator({ payments: { notifyUrl: 'http://127.0.0.1:9', secret: SECRET } });
    const url = await listen(lonely);
    const client = createHttpGateway({ url: `${url}/payments`, timeoutMs: 5000 });
    const bill = await client.createBill(billRequest());
    await fetch(`${url}/_control/payments/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ billNumber: bill.billNumber }) });
    const log = await waitFor('two attempts', async () => {
      const s = (await (await fetch(`${url}/_control/payments`)).json()) as PaymentsControlState;
      return s.deliveries.length >= 2 && s.deliveries;
    });
    expect(log.slice(0, 2).map((d) => [d.attempt, d.status])).toEqual([[1, 0], [2, 0]]);
    // Closing waits for the deliveries, which stop at once rather than wait out their backoff.
    const started = Date.now();
    await lonely.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('duplicates: the same notification again after the first is taken, each signed', async () => {
    await switches({ duplicates: 2 });
    const bill = await gateway.createBill(billRequest());
    const { payment, notificationId } = (await pay({ billNumber: bill.billNumber })).body;
    const sent = await waitFor('three deliveries', () => deliveriesOf(payment.paymentId).length >= 3 && deliveriesOf(payment.paymentId));
    expect(sent).toHaveLength(3);
    for (const d of sent) {
      expect(d.notification).toEqual({ notificationId, ...payment });
      expect(checkNotificationSignature(d.headers, d.body, SECRET, d.receivedMs)).toEqual({ ok: true });
    }
    await waitFor('the attempts logged', async () => (await state()).deliveries.length === 3);
    expect((await state()).deliveries.map((d) => d.attempt)).toEqual([1, 2, 3]);
  });

  it('lose: the next notification never arrives, though its payment is on the statement', async () => {
    await switches({ lose: 1 });
    const lostBill = await gateway.createBill(billRequest());
    const lost = (await pay({ billNumber: lostBill.billNumber, paidAt: '2026-03-10T10:00:00Z' })).body;
    const keptBill = await gateway.createBill(billRequest());
    const kept = (await pay({ billNumber: keptBill.billNumber, paidAt: '2026-03-10T11:00:00Z' })).body;
    await waitFor('the next notification', () => deliveriesOf(kept.payment.paymentId).length === 1);
    expect(deliveriesOf(lost.payment.paymentId)).toEqual([]);
    expect((await gateway.statement('2026-03-10')).map((p) => p.paymentId)).toEqual([lost.payment.paymentId, kept.payment.paymentId]);
    const s = await state();
    expect(s.lost.map((n) => n.notificationId)).toEqual([lost.notificationId]);
    expect(s.switches.lose).toBe(0);
  });

  it('outOfOrder: notifications wait for the flush, then arrive newest first', async () => {
    await switches({ outOfOrder: true });
    const paid: string[] = [];
    for (let i = 0; i < 3; i++) {
      const bill = await gateway.createBill(billRequest());
      paid.push((await pay({ billNumber: bill.billNumber })).body.payment.paymentId);
    }
    expect((await state()).queued.map((n) => n.paymentId)).toEqual(paid);
    expect(deliveries).toEqual([]);
    const flushed = await control<{ flushed: string[] }>('POST', '/_control/payments/flush');
    expect(flushed.body.flushed).toHaveLength(3);
    await waitFor('three deliveries', () => deliveries.length === 3);
    expect(deliveries.map((d) => d.notification.paymentId)).toEqual([...paid].reverse());
    expect((await state()).queued).toEqual([]);
  });

  it('refuses a bad switch naming it', async () => {
    expect(await switches({ duplicates: -1 })).toMatchObject({ status: 400, body: { field: 'duplicates' } });
    expect(await switches({ delay: 5 })).toMatchObject({ status: 400, body: { field: 'delay' } });
    expect(await switches({ outage: 'yes' })).toMatchObject({ status: 400, body: { field: 'outage' } });
  });
});

describe('refunds', () => {
  it('refunds up to the payment, idempotently on the refund id', async () => {
    const bill = await gateway.createBill(billRequest());
    const { payment } = (await pay({ billNumber: bill.billNumber })).body;
    const refund = await gateway.refund({ refundId: 'REF-1', paymentId: payment.paymentId, amountHalalas: 10_000, reason: 'paid twice' });
    expect(refund).toEqual({ refundId: 'REF-1', paymentId: payment.paymentId, amountHalalas: 10_000, refundedAt: expect.any(String) });
    expect(await gateway.refund({ refundId: 'REF-1', paymentId: payment.paymentId, amountHalalas: 10_000, reason: 'paid twice' })).toEqual(refund);
    // 20,000 of 30,000 are left: 20,001 is more than the payment.
    const over = await rejection(gateway.refund({ refundId: 'REF-2', paymentId: payment.paymentId, amountHalalas: 20_001, reason: 'too much' }));
    expect(over).toBeInstanceOf(PaymentGatewayRequestError);
    expect(over.message).toMatch(/409/);
    expect(await gateway.refund({ refundId: 'REF-3', paymentId: payment.paymentId, amountHalalas: 20_000, reason: 'the rest' })).toMatchObject({ amountHalalas: 20_000 });
    expect(await rejection(gateway.refund({ refundId: 'REF-4', paymentId: 'PAY-unknown', amountHalalas: 1, reason: 'x' }))).toBeInstanceOf(PaymentGatewayRequestError);
    expect(await rejection(gateway.refund({ refundId: 'REF-5', paymentId: payment.paymentId, amountHalalas: -1, reason: 'x' }))).toBeInstanceOf(PaymentGatewayRequestError);
    expect((await state()).refunds.map((r) => r.refundId)).toEqual(['REF-1', 'REF-3']);
  });
});

describe('the gateway unavailable', () => {
  it('outage: every gateway route answers 503, which the client raises as unavailable', async () => {
    const bill = await gateway.createBill(billRequest());
    await switches({ outage: true });
    expect(await rejection(gateway.createBill(billRequest()))).toBeInstanceOf(PaymentGatewayUnavailableError);
    expect(await rejection(gateway.cancelBill(bill.billNumber))).toBeInstanceOf(PaymentGatewayUnavailableError);
    expect(await rejection(gateway.statement('2026-03-01'))).toBeInstanceOf(PaymentGatewayUnavailableError);
    expect(await rejection(gateway.refund({ refundId: 'R', paymentId: 'P', amountHalalas: 1, reason: 'x' }))).toBeInstanceOf(PaymentGatewayUnavailableError);
    await switches({ outage: false });
    expect((await gateway.cancelBill(bill.billNumber)).status).toBe('cancelled');
  });

  it('no answer, or an answer that is not JSON, is unavailable too', async () => {
    const nobody = createHttpGateway({ url: 'http://127.0.0.1:9/payments', timeoutMs: 2000 });
    expect(await rejection(nobody.statement('2026-03-01'))).toBeInstanceOf(PaymentGatewayUnavailableError);
    const broken = createHttpGateway({ url: `${receiverUrl}/broken`, timeoutMs: 2000 });
    expect(await rejection(broken.createBill(billRequest()))).toBeInstanceOf(PaymentGatewayUnavailableError);
  });
});

describe('the gateway token', () => {
  it('with a token set, the gateway answers only a caller presenting it', async () => {
    const guarded = buildSimulator({ payments: { notifyUrl: receiverUrl, secret: SECRET, token: TOKEN } });
    const url = await listen(guarded);
    try {
      const anonymous = createHttpGateway({ url: `${url}/payments`, timeoutMs: 5000 });
      const wrong = createHttpGateway({ url: `${url}/payments`, token: 'another', timeoutMs: 5000 });
      const right = createPaymentGateway({ gatewayUrl: `${url}/payments`, gatewayToken: TOKEN, notificationSecret: SECRET, timeoutMs: 5000 });
      for (const client of [anonymous, wrong]) {
        const err = await rejection(client.createBill(billRequest()));
        expect(err).toBeInstanceOf(PaymentGatewayRequestError);
        expect(err.message).toMatch(/401/);
        expect(await rejection(client.statement('2026-03-01'))).toBeInstanceOf(PaymentGatewayRequestError);
      }
      const bill = await right.createBill(billRequest());
      expect(await right.cancelBill(bill.billNumber)).toMatchObject({ status: 'cancelled' });
      expect(await right.statement('2026-03-01')).toEqual([]);
    } finally {
      await guarded.close();
    }
  });
});
