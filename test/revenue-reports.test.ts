// The fee reports on the real Temporal server and PostgreSQL, with the
// simulator's gateway notifying the API as a bank's payment would. Cases in
// two offices are filed, approved and invoiced; some are paid (one just after
// a Riyadh midnight, by the bank's clock), one is paid the wrong amount,
// refunded, then paid right, two are left open (one of them past its due
// date), and a payment of no known bill is held. GET /reports/revenue counts
// what came in, went back and is left, every breakdown adding up to its
// total; GET /reports/outstanding what is still owed, now and as it stood
// before the last payment; both as CSV; refused to office staff and for
// dates that are not dates.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCsv } from '../api/reports/csv';
import { riyadhDate } from '../domain/calendar';
import { signedNotificationHeaders } from '../integrations/payments/signature';
import { startTestEnv, waitFor, type TestEnv, type Who } from './support/env';
import { call, commercialApplication, crNumber, decide, healthApplication, submit, waitForApp, waitForStage } from './support/fixtures';

let env: TestEnv;

const sim = (path: string, body: unknown) =>
  fetch(`${env.simulatorUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const pay = async (billNumber: string, extra: Record<string, unknown> = {}) => {
  const res = await sim('/_control/payments/pay', { billNumber, ...extra });
  expect(res.status).toBe(201);
  return ((await res.json()) as { payment: { paymentId: string } }).payment;
};

/** A café of 80 m² for 12 months: 900 riyals (the seeded health band). */
const CAFE = 90_000;
/** A clothing shop of 120 m² for three years: 3 × 1,000 riyals. */
const SHOP = 300_000;
/** Short of the café's fee by a riyal: held as another amount. */
const SHORT = CAFE - 100;
/** A payment of a bill no invoice has: held for an administrator. */
const STRAY = 7_000;

const OFFICE: Record<'a' | 'b', { clerk: Who; health: Who; inspector: Who }> = {
  a: { clerk: 'clerk', health: 'health', inspector: 'inspector' },
  b: { clerk: 'clerkB', health: 'healthB', inspector: 'inspectorB' },
};

/** Filed in the office, approved by its own reviewers, and invoiced: its id and bill. */
async function invoiced(office: 'a' | 'b', kind: 'health' | 'commercial') {
  const body = kind === 'health' ? healthApplication() : commercialApplication();
  const res = await submit(env.api, { ...body, establishment: { ...body.establishment, crNumber: crNumber(1) } }, undefined, OFFICE[office].clerk);
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as string;
  await waitForStage(env.api, id, 'review');
  for (const k of kind === 'health' ? (['health', 'technical'] as const) : (['technical'] as const)) {
    const decided = await decide(env.api, id, { kind: k, decision: 'approve' }, OFFICE[office][k === 'health' ? 'health' : 'inspector']);
    expect(decided.statusCode, decided.body).toBe(200);
  }
  const waiting = await waitForApp(env.api, id, 'awaiting payment', (a) => a.stage === 'awaiting_payment' && Boolean(a.invoices?.[0]?.billNumber));
  return { id, invoiceId: waiting.invoices[0].id as string, billNumber: waiting.invoices[0].billNumber as string };
}

const paid = (id: string) => waitForApp(env.api, id, 'issued', (a) => a.status === 'issued');

/** The last instant at 00:30 in Riyadh: the day before by UTC's date, which a report must not go by. */
function justAfterRiyadhMidnight(): Date {
  const today = riyadhDate(new Date());
  const at = new Date(`${today}T00:30:00+03:00`);
  return at.getTime() <= Date.now() ? at : new Date(at.getTime() - 86_400_000);
}

const days = (n: number) => riyadhDate(new Date(Date.now() + n * 86_400_000));
/** Yesterday to tomorrow, Riyadh: today's payments whenever a Riyadh midnight passes during the test. */
const PERIOD = () => `from=${days(-1)}&to=${days(1)}`;

let cafeA: Awaited<ReturnType<typeof invoiced>>;
let shopA: Awaited<ReturnType<typeof invoiced>>;
let overdueA: Awaited<ReturnType<typeof invoiced>>;
let shopB: Awaited<ReturnType<typeof invoiced>>;
let cafeB: Awaited<ReturnType<typeof invoiced>>;
let afterMidnight: Date;
/** Before cafeB's right payment: its invoice was still open then. */
let beforeLastPayment: string;

beforeAll(async () => {
  env = await startTestEnv({ fees: true });
  [cafeA, shopA, overdueA, shopB, cafeB] = await Promise.all([
    invoiced('a', 'health'),
    invoiced('a', 'commercial'),
    invoiced('a', 'health'),
    invoiced('b', 'commercial'),
    invoiced('b', 'health'),
  ]);
  // Its due date passed, and its workflow has not closed it yet (a worker down, say): the ledger as it then stands.
  await env.db.db.execute(sql`update invoices set due_at = now() - interval '2 days' where id = ${overdueA.invoiceId}`);

  afterMidnight = justAfterRiyadhMidnight();
  await pay(cafeA.billNumber);
  await pay(shopA.billNumber, { paidAt: afterMidnight.toISOString() });
  const short = await pay(cafeB.billNumber, { amountHalalas: SHORT });
  const mismatch = await waitFor('the short payment held', async () => {
    const items = (await call(env.api, 'admin', 'GET', '/payments/mismatches?status=open')).json().items as { id: number; paymentId: string }[];
    return items.find((m) => m.paymentId === short.paymentId);
  });
  const refunded = await call(env.api, 'admin', 'POST', `/payments/mismatches/${mismatch.id}/resolve`, { action: 'refund', reason: 'paid short: given back' });
  expect(refunded.statusCode, refunded.body).toBe(200);

  // A bank's notification of a bill Tarkhees never raised: held, not received.
  const stray = JSON.stringify({ notificationId: 'N-STRAY-1', paymentId: 'PAY-STRAY-1', billNumber: '9999999999999', amountHalalas: STRAY, paidAt: new Date().toISOString() });
  const taken = await env.api.inject({
    method: 'POST',
    url: '/payments/notifications',
    payload: stray,
    headers: { 'content-type': 'application/json', ...signedNotificationHeaders(env.config.payments.notificationSecret, stray) },
  });
  expect(taken.json()).toMatchObject({ status: 'held', mismatch: 'unknown_bill' });

  await Promise.all([paid(cafeA.id), paid(shopA.id)]);
  beforeLastPayment = new Date().toISOString();
  // The payer pays in full: the gateway's bill was settled by the short payment, so this is a second one there.
  await pay(cafeB.billNumber, { again: true });
  await paid(cafeB.id);
}, 180_000);
afterAll(async () => env?.close());

const sum = (rows: { halalas: number }[]) => rows.reduce((s, r) => s + r.halalas, 0);
const count = (rows: { count: number }[]) => rows.reduce((s, r) => s + r.count, 0);

describe('GET /reports/revenue', () => {
  it('counts what came in (a payment refunded since included), what went back, the net, and what is held; every breakdown adds up', async () => {
    const res = await call(env.api, 'auditor', 'GET', `/reports/revenue?${PERIOD()}`);
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    const received = CAFE + SHOP + SHORT + CAFE;
    expect(r.received).toEqual({ count: 4, halalas: received });
    expect(r.refunded).toEqual({ count: 1, halalas: SHORT });
    expect(r.netHalalas).toBe(received - SHORT);
    expect(r.held).toEqual({ count: 1, halalas: STRAY });
    expect(r.refundsByReason).toEqual([{ reason: 'mismatch', count: 1, halalas: SHORT }]);

    expect(r.byLicenseKind).toEqual([
      { licenseKind: 'commercial', count: 1, halalas: SHOP },
      { licenseKind: 'health', count: 3, halalas: CAFE + SHORT + CAFE },
    ]);
    expect(r.byOffice).toEqual([
      { officeId: env.offices.a, officeName: expect.any(String), count: 2, halalas: CAFE + SHOP },
      { officeId: env.offices.b, officeName: expect.any(String), count: 2, halalas: SHORT + CAFE },
    ]);
    expect(r.byActivity).toEqual([
      expect.objectContaining({ isicCode: '477101', count: 1, halalas: SHOP, activityEn: expect.any(String), activityAr: expect.any(String) }),
      expect.objectContaining({ isicCode: '563001', count: 3, halalas: CAFE + SHORT + CAFE }),
    ]);
    expect(r.byBasis).toEqual([{ basis: 'issuance', count: 4, halalas: received }]);

    // The bank's day in Riyadh: 00:30 there is the day before by UTC's date.
    const midnight = r.byDay.find((d: { day: string }) => d.day === riyadhDate(afterMidnight));
    expect(midnight.receivedHalalas).toBeGreaterThanOrEqual(SHOP);
    for (const breakdown of [r.byLicenseKind, r.byOffice, r.byActivity, r.byBasis]) {
      expect([count(breakdown), sum(breakdown)]).toEqual([r.received.count, r.received.halalas]);
    }
    const byDay = r.byDay as { receivedCount: number; receivedHalalas: number; refundedCount: number; refundedHalalas: number; netHalalas: number }[];
    expect(byDay.reduce((s, d) => s + d.receivedCount, 0)).toBe(r.received.count);
    expect(byDay.reduce((s, d) => s + d.receivedHalalas, 0)).toBe(r.received.halalas);
    expect(byDay.reduce((s, d) => s + d.refundedHalalas, 0)).toBe(r.refunded.halalas);
    expect(byDay.reduce((s, d) => s + d.netHalalas, 0)).toBe(r.netHalalas);
    expect([count(r.refundsByReason), sum(r.refundsByReason)]).toEqual([r.refunded.count, r.refunded.halalas]);
  });

  it('goes by the Riyadh day: a period of the day after the midnight has the payment just after it, the day before has not', async () => {
    const day = riyadhDate(afterMidnight);
    const previous = riyadhDate(new Date(afterMidnight.getTime() - 86_400_000));
    const on = (await call(env.api, 'supervisor', 'GET', `/reports/revenue?from=${day}&to=${day}`)).json();
    expect(on.byLicenseKind).toContainEqual({ licenseKind: 'commercial', count: 1, halalas: SHOP });
    const before = (await call(env.api, 'supervisor', 'GET', `/reports/revenue?from=${previous}&to=${previous}`)).json();
    expect(before.byLicenseKind.find((k: { licenseKind: string }) => k.licenseKind === 'commercial')).toBeUndefined();
    // A period with nothing in it: zeros, and no lines.
    const empty = (await call(env.api, 'supervisor', 'GET', '/reports/revenue?from=2020-01-01&to=2020-01-31')).json();
    expect(empty).toMatchObject({ received: { count: 0, halalas: 0 }, refunded: { count: 0, halalas: 0 }, netHalalas: 0, byDay: [], byOffice: [] });
  });

  it('exports as CSV: riyals with two decimals, a byte-order mark, the other reports\' layout', async () => {
    const res = await call(env.api, 'auditor', 'GET', `/reports/revenue?${PERIOD()}&format=csv`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toContain(`tarkhees-revenue-${days(-1)}-${days(1)}.csv`);
    expect(res.body.startsWith('\uFEFF')).toBe(true);
    const rows = res.body.slice(1).trimEnd().split('\r\n');
    expect(rows[0]).toBe('scope,key,name,receivedCount,receivedSar,refundedCount,refundedSar,netSar,heldCount,heldSar');
    expect(rows[1]).toBe('total,,,4,5699.00,1,899.00,4800.00,1,70.00');
    expect(rows).toContain('license_kind,commercial,,1,3000.00,,,,,');
    expect(rows).toContain('basis,issuance,,4,5699.00,,,,,');
    expect(rows).toContain('refund_reason,mismatch,,,,1,899.00,,,');
    expect(rows.filter((l) => l.startsWith('office,'))).toHaveLength(2);
    // A net below zero is a number to the spreadsheet, not a formula to neutralise.
    expect(toCsv([{ netSar: '-50.00', name: '-1+1' }])).toBe("\uFEFFnetSar,name\r\n-50.00,'-1+1\r\n");
  });
});

describe('GET /reports/outstanding', () => {
  it('counts the invoices open now, overdue or not, per kind and office, and lists them the longest due first', async () => {
    const res = await call(env.api, 'supervisor', 'GET', '/reports/outstanding');
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r.total).toEqual({ count: 2, halalas: CAFE + SHOP, overdueCount: 1, overdueHalalas: CAFE, notDueCount: 1, notDueHalalas: SHOP });
    expect(r.byLicenseKind).toEqual([
      { licenseKind: 'commercial', count: 1, halalas: SHOP, overdueCount: 0, overdueHalalas: 0, notDueCount: 1, notDueHalalas: SHOP },
      { licenseKind: 'health', count: 1, halalas: CAFE, overdueCount: 1, overdueHalalas: CAFE, notDueCount: 0, notDueHalalas: 0 },
    ]);
    const byOffice = Object.fromEntries(r.byOffice.map((o: { officeId: string }) => [o.officeId, o]));
    expect(byOffice[env.offices.a]).toMatchObject({ count: 1, overdueCount: 1, halalas: CAFE });
    expect(byOffice[env.offices.b]).toMatchObject({ count: 1, overdueCount: 0, halalas: SHOP });
    expect(r.invoices).toEqual([
      expect.objectContaining({ applicationId: overdueA.id, billNumber: overdueA.billNumber, amountHalalas: CAFE, overdue: true, basis: 'issuance', licenseNumber: null }),
      expect.objectContaining({ applicationId: shopB.id, billNumber: shopB.billNumber, amountHalalas: SHOP, overdue: false, officeId: env.offices.b }),
    ]);
    expect(Date.parse(r.invoices[0].dueAt)).toBeLessThan(Date.parse(r.invoices[1].dueAt));
    for (const breakdown of [r.byLicenseKind, r.byOffice]) expect([count(breakdown), sum(breakdown)]).toEqual([r.total.count, r.total.halalas]);
  });

  it('counts as the ledger stood at asOf: before its last payment, that invoice was open too', async () => {
    const r = (await call(env.api, 'auditor', 'GET', `/reports/outstanding?asOf=${encodeURIComponent(beforeLastPayment)}`)).json();
    expect(r.asOf).toBe(beforeLastPayment);
    expect(r.total).toMatchObject({ count: 3, halalas: CAFE + SHOP + CAFE, overdueCount: 1 });
    expect(r.invoices.map((i: { applicationId: string }) => i.applicationId).sort()).toEqual([overdueA.id, shopB.id, cafeB.id].sort());
  });

  it('exports as CSV: the figures, then a line per invoice', async () => {
    const res = await call(env.api, 'auditor', 'GET', '/reports/outstanding?format=csv');
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toContain(`tarkhees-outstanding-${riyadhDate(new Date())}.csv`);
    const rows = res.body.slice(1).trimEnd().split('\r\n');
    expect(rows[0]).toBe('scope,key,name,count,sar,overdueCount,overdueSar,notDueCount,notDueSar,billNumber,caseOrLicense,basis,dueAt');
    expect(rows[1]).toBe('total,,,2,3900.00,1,900.00,1,3000.00,,,,');
    expect(rows.find((l) => l.startsWith(`invoice,${overdueA.invoiceId},`))).toMatch(new RegExp(`,1,900\\.00,1,900\\.00,0,0\\.00,${overdueA.billNumber},${overdueA.id},issuance,\\d{4}-`));
  });
});

describe('the fee reports refuse', () => {
  it('office staff (no report.read), and dates that are not dates, naming the field', async () => {
    expect((await call(env.api, 'clerk', 'GET', `/reports/revenue?${PERIOD()}`)).statusCode).toBe(403);
    expect((await call(env.api, 'managerB', 'GET', '/reports/outstanding')).statusCode).toBe(403);
    const refused = async (url: string) => {
      const res = await call(env.api, 'auditor', 'GET', url);
      return [res.statusCode, res.json().field];
    };
    expect(await refused('/reports/revenue?from=2026-02-30&to=2026-03-01')).toEqual([400, 'querystring/from']);
    expect(await refused('/reports/revenue?from=2026-03-01&to=March')).toEqual([400, 'querystring/to']);
    expect(await refused('/reports/revenue?from=2026-03-31&to=2026-03-01')).toEqual([400, 'querystring/to']);
    expect(await refused('/reports/revenue?to=2026-03-01')).toEqual([400, 'querystring/from']);
    expect(await refused('/reports/outstanding?asOf=yesterday')).toEqual([400, 'querystring/asOf']);
    expect(await refused(`/reports/outstanding?asOf=${encodeURIComponent(new Date(Date.now() + 86_400_000).toISOString())}`)).toEqual([400, 'querystring/asOf']);
    expect(await refused('/reports/outstanding?format=xlsx')).toEqual([400, 'querystring/format']);
  });
});
