import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildSimulator, type ControlState, type LaborEstablishment, type SmsMessage, type SmsRequest, type ZakatCertificate } from '../simulator/app';

let app: FastifyInstance;
beforeEach(() => {
  app = buildSimulator();
});
afterEach(async () => {
  await app.close();
});

const labor = (cr: string) => app.inject({ method: 'GET', url: `/labor/v1/establishments/${cr}` });
const zakat = (cr: string) => app.inject({ method: 'GET', url: `/zakat/v1/certificates/${cr}` });
const put = (url: string, payload: unknown) => app.inject({ method: 'PUT', url, payload: payload as object });
const control = async () => (await app.inject({ method: 'GET', url: '/_control' })).json<ControlState>();
const sendSms = (payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/sms/v1/messages', payload: payload as object, headers });
const inbox = async () => (await app.inject({ method: 'GET', url: '/_control/sms' })).json<{ messages: SmsMessage[] }>().messages;
const today = () => new Date().toISOString().slice(0, 10);

describe('health', () => {
  it('answers ok', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
  });
});

describe('labor office', () => {
  it('finds an ordinary CR compliant with a deterministic reference', async () => {
    const res = await labor('1010123451');
    expect(res.statusCode).toBe(200);
    expect(res.json<LaborEstablishment>()).toEqual({
      crNumber: '1010123451',
      fileActive: true,
      workforceCompliant: true,
      compliant: true,
      reference: 'LBR-1010123451',
      reasons: [],
    });
  });

  it('last digit 6: file not active', async () => {
    const body = (await labor('1010123456')).json<LaborEstablishment>();
    expect(body).toMatchObject({ fileActive: false, workforceCompliant: true, compliant: false, reasons: ['LABOR_FILE_INACTIVE'] });
  });

  it.each(['1010123457', '1010123459'])('%s: workforce non-compliant', async (cr) => {
    const body = (await labor(cr)).json<LaborEstablishment>();
    expect(body).toMatchObject({ fileActive: true, workforceCompliant: false, compliant: false, reasons: ['LABOR_WORKFORCE_NONCOMPLIANT'] });
  });

  it('last digit 8 is a zakat matter only', async () => {
    expect((await labor('1010123458')).json<LaborEstablishment>().compliant).toBe(true);
  });
});

describe('zakat', () => {
  it('finds an ordinary CR with a valid certificate in the future', async () => {
    const res = await zakat('1010123450');
    expect(res.statusCode).toBe(200);
    const body = res.json<ZakatCertificate>();
    expect(body).toMatchObject({ crNumber: '1010123450', certificateValid: true, certificateNumber: 'ZKT-1010123450', compliant: true, reasons: [] });
    expect(body.validUntil).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(body.validUntil > today()).toBe(true);
  });

  it.each(['1010123458', '1010123459'])('%s: certificate expired', async (cr) => {
    const body = (await zakat(cr)).json<ZakatCertificate>();
    expect(body).toMatchObject({ certificateValid: false, compliant: false, reasons: ['ZAKAT_CERTIFICATE_EXPIRED'] });
    expect(body.validUntil < today()).toBe(true);
  });

  it.each(['1010123456', '1010123457'])('%s: labor troubles do not touch zakat', async (cr) => {
    expect((await zakat(cr)).json<ZakatCertificate>().compliant).toBe(true);
  });
});

describe('CR number validation', () => {
  it.each(['123', '10101234567', '10101234a1', '%20010123451'])('rejects %s', async (cr) => {
    for (const res of [await labor(cr), await zakat(cr)]) {
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'bad_request', message: expect.any(String) });
    }
  });
});

describe('overrides', () => {
  it('makes one agency answer as told for one CR until removed', async () => {
    const set = await put('/_control/labor/establishments/1010123451', { compliant: false, reasons: ['LABOR_SAUDIZATION'] });
    expect(set.statusCode).toBe(200);
    expect((await labor('1010123451')).json()).toMatchObject({ compliant: false, workforceCompliant: false, reasons: ['LABOR_SAUDIZATION'] });
    expect((await labor('1010123452')).json<LaborEstablishment>().compliant).toBe(true);
    expect((await zakat('1010123451')).json<ZakatCertificate>().compliant).toBe(true);

    const del = await app.inject({ method: 'DELETE', url: '/_control/labor/establishments/1010123451' });
    expect(del.json()).toEqual({ removed: true });
    expect((await labor('1010123451')).json<LaborEstablishment>().compliant).toBe(true);
  });

  it('can make a non-compliant CR compliant', async () => {
    await put('/_control/zakat/establishments/1010123459', { compliant: true });
    expect((await zakat('1010123459')).json()).toMatchObject({ compliant: true, certificateValid: true, reasons: [] });
    expect((await labor('1010123459')).json<LaborEstablishment>().compliant).toBe(false);
  });

  it("defaults the reasons to the agency's usual code", async () => {
    await put('/_control/zakat/establishments/1010123451', { compliant: false });
    expect((await zakat('1010123451')).json<ZakatCertificate>().reasons).toEqual(['ZAKAT_CERTIFICATE_EXPIRED']);
    await put('/_control/labor/establishments/1010123451', { compliant: false });
    expect((await labor('1010123451')).json<LaborEstablishment>().reasons).toEqual(['LABOR_WORKFORCE_NONCOMPLIANT']);
  });

  it('shows up in GET /_control', async () => {
    await put('/_control/labor/establishments/1010123451', { compliant: false, reasons: ['X'] });
    expect((await control()).labor.overrides).toEqual({ '1010123451': { compliant: false, reasons: ['X'] } });
    expect((await control()).zakat.overrides).toEqual({});
  });

  it('validates agency, CR number and body', async () => {
    expect((await put('/_control/police/establishments/1010123451', { compliant: true })).statusCode).toBe(404);
    expect((await put('/_control/labor/establishments/123', { compliant: true })).statusCode).toBe(400);
    for (const bad of [{}, { compliant: 'yes' }, { compliant: false, reasons: 'X' }, { compliant: false, reasons: [1] }, { compliant: true, extra: 1 }, []]) {
      const res = await put('/_control/labor/establishments/1010123451', bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json()).toMatchObject({ error: 'bad_request' });
    }
    expect((await app.inject({ method: 'DELETE', url: '/_control/labor/establishments/1010123451' })).json()).toEqual({ removed: false });
  });
});

describe('agency switches', () => {
  it('outage: every call of that agency answers 503', async () => {
    expect((await put('/_control/zakat', { outage: true })).json()).toEqual({ outage: true, latencyMs: 0, failEvery: 0 });
    const res = await zakat('1010123451');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: 'unavailable' });
    expect((await labor('1010123451')).statusCode).toBe(200);
    await put('/_control/zakat', { outage: false });
    expect((await zakat('1010123451')).statusCode).toBe(200);
  });

  it('failEvery: every n-th call since the switch answers 500', async () => {
    await labor('1010123451'); // calls before the switch do not shift the pattern
    await put('/_control/labor', { failEvery: 3 });
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await labor('1010123451')).statusCode);
    expect(statuses).toEqual([200, 200, 500, 200, 200, 500, 200]);
    const fail = await put('/_control/labor', { failEvery: 1 }).then(() => labor('1010123451'));
    expect(fail.json()).toEqual({ error: 'internal' });
    await put('/_control/labor', { failEvery: 0 });
    expect((await labor('1010123451')).statusCode).toBe(200);
  });

  it('latencyMs: calls wait before answering', async () => {
    await put('/_control/labor', { latencyMs: 120 });
    const started = performance.now();
    const res = await labor('1010123451');
    expect(res.statusCode).toBe(200);
    // A lower bound only: a busy machine makes a call slower, never faster.
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });

  it("latencyMs is one agency's: the other answers while a delayed call still waits", async () => {
    // Far longer than any call could take on a loaded machine; closing the simulator cuts it short.
    await put('/_control/labor', { latencyMs: 600_000 });
    let laborAnswered = false;
    const waiting = labor('1010123451').then((r) => {
      laborAnswered = true;
      return r;
    });
    await vi.waitFor(async () => expect((await control()).labor.callsByCr).toEqual({ '1010123451': 1 }));
    // A deadline for a clear failure, not a measure: the answer is due at once, this leaves a busy machine room.
    let guard: NodeJS.Timeout | undefined;
    const res = await Promise.race([
      zakat('1010123451'),
      new Promise<never>((_, reject) => (guard = setTimeout(() => reject(new Error('Zakat did not answer while the Labor Office call waited')), 20_000))),
    ]).finally(() => clearTimeout(guard));
    expect(res.statusCode).toBe(200);
    expect(laborAnswered, 'the Labor Office answered before its latency was up').toBe(false);
    await app.close();
    expect((await waiting).statusCode).toBe(200);
  });

  it('unset fields keep their value; {} changes nothing', async () => {
    await put('/_control/labor', { outage: true, latencyMs: 5, failEvery: 4 });
    expect((await put('/_control/labor', {})).json()).toEqual({ outage: true, latencyMs: 5, failEvery: 4 });
    expect((await put('/_control/labor', { latencyMs: 0 })).json()).toEqual({ outage: true, latencyMs: 0, failEvery: 4 });
    expect((await control()).labor.switches).toEqual({ outage: true, latencyMs: 0, failEvery: 4 });
    expect((await control()).zakat.switches).toEqual({ outage: false, latencyMs: 0, failEvery: 0 });
  });

  it('rejects bad bodies and unknown agencies', async () => {
    const bad = [{ outage: 'yes' }, { latencyMs: -1 }, { latencyMs: '10' }, { latencyMs: 1.5 }, { failEvery: -2 }, { failEvery: null }, { latency: 10 }, [1]];
    for (const body of bad) {
      const res = await put('/_control/labor', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({ error: 'bad_request', message: expect.any(String) });
    }
    expect((await control()).labor.switches).toEqual({ outage: false, latencyMs: 0, failEvery: 0 });
    expect((await put('/_control/police', { outage: true })).statusCode).toBe(404);
  });

  it('answers malformed JSON with the same error shape', async () => {
    const res = await app.inject({ method: 'PUT', url: '/_control/labor', payload: '{oops', headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'bad_request' });
  });
});

describe('call counters', () => {
  it('counts calls per agency and per CR, failed ones included', async () => {
    await labor('1010123451');
    await labor('1010123451');
    await labor('1010123452');
    await put('/_control/zakat', { outage: true });
    await zakat('1010123451');
    const state = await control();
    expect(state.labor.calls).toBe(3);
    expect(state.labor.callsByCr).toEqual({ '1010123451': 2, '1010123452': 1 });
    expect(state.zakat.calls).toBe(1);
    expect(state.zakat.callsByCr).toEqual({ '1010123451': 1 });
  });
});

describe('sms gateway', () => {
  const msg = { to: '+966500000001', body: 'تم استلام طلبكم', reference: 'app-1:submitted' };

  it('accepts a message and lists it in the inbox', async () => {
    const res = await sendSms(msg, { authorization: 'Bearer dev-token' });
    expect(res.statusCode).toBe(202);
    const { messageId } = res.json<{ messageId: string }>();
    expect(messageId).toEqual(expect.any(String));
    const messages = await inbox();
    expect(messages).toEqual([{ ...msg, messageId, receivedAt: expect.any(String) }]);
    expect(Number.isNaN(Date.parse(messages[0]!.receivedAt))).toBe(false);
  });

  it('dedupes on reference: same messageId, recorded once', async () => {
    const first = (await sendSms(msg)).json<{ messageId: string }>().messageId;
    const again = await sendSms({ ...msg, body: 'retry' });
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ messageId: first });
    const other = (await sendSms({ ...msg, reference: 'app-1:issued' })).json<{ messageId: string }>().messageId;
    expect(other).not.toBe(first);
    expect((await inbox()).map((m) => m.reference)).toEqual(['app-1:submitted', 'app-1:issued']);
    expect((await control()).sms).toMatchObject({ received: 2, requests: 3 });
  });

  it('records every request, repeats and refusals included, beside the delivered messages', async () => {
    await sendSms(msg);
    await put('/_control/sms', { outage: true });
    await sendSms({ ...msg, reference: 'app-1:issued' });
    await put('/_control/sms', { outage: false, failEvery: 2 });
    await sendSms({ ...msg, reference: 'app-1:issued' });
    await sendSms({ ...msg, reference: 'app-1:issued' });
    await sendSms(msg);
    const { messages, requests } = (await app.inject({ method: 'GET', url: '/_control/sms' })).json<{ messages: SmsMessage[]; requests: SmsRequest[] }>();
    expect(messages.map((m) => m.reference)).toEqual(['app-1:submitted', 'app-1:issued']);
    expect(requests.map((r) => [r.reference, r.status, r.repeat])).toEqual([
      ['app-1:submitted', 202, false],
      ['app-1:issued', 503, false],
      ['app-1:issued', 202, false],
      ['app-1:issued', 500, false],
      ['app-1:submitted', 202, true],
    ]);
  });

  it('answers after the latency switch', async () => {
    await put('/_control/sms', { latencyMs: 150 });
    const started = performance.now();
    expect((await sendSms(msg)).statusCode).toBe(202);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('keeps arrival order', async () => {
    for (const r of ['c', 'a', 'b']) await sendSms({ ...msg, reference: r });
    expect((await inbox()).map((m) => m.reference)).toEqual(['c', 'a', 'b']);
  });

  it('outage: answers 503 and records nothing', async () => {
    expect((await put('/_control/sms', { outage: true })).json()).toEqual({ outage: true, latencyMs: 0, failEvery: 0 });
    const res = await sendSms(msg);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: 'unavailable' });
    expect(await inbox()).toEqual([]);
    expect((await put('/_control/sms', {})).json()).toEqual({ outage: true, latencyMs: 0, failEvery: 0 });
    await put('/_control/sms', { outage: false });
    expect((await sendSms(msg)).statusCode).toBe(202);
  });

  it('validates the message, the authorization header and the outage switch', async () => {
    for (const bad of [{}, { ...msg, to: '' }, { ...msg, body: 3 }, { to: msg.to, body: msg.body }]) {
      expect((await sendSms(bad)).statusCode, JSON.stringify(bad)).toBe(400);
    }
    expect((await sendSms(msg, { authorization: 'Basic abc' })).statusCode).toBe(401);
    expect((await put('/_control/sms', { outage: 'on' })).statusCode).toBe(400);
    expect(await inbox()).toEqual([]);
  });
});

describe('reset', () => {
  it('DELETE /_control clears switches, overrides, counters and the SMS inbox', async () => {
    await put('/_control/labor', { outage: true, failEvery: 2, latencyMs: 1 });
    await put('/_control/zakat/establishments/1010123451', { compliant: false });
    await put('/_control/zakat/clearances/1010123451', { cleared: false });
    await app.inject({ method: 'POST', url: '/zakat/v1/certificates/1010123451/cancellations', payload: { licenseNumber: 'AHS-2026-000001' } });
    await put('/_control/sms', { outage: true });
    await labor('1010123451');
    await put('/_control/sms', { outage: false });
    await sendSms({ to: '+966500000001', body: 'x', reference: 'r1' });

    expect((await app.inject({ method: 'DELETE', url: '/_control' })).statusCode).toBe(200);
    const fresh = { switches: { outage: false, latencyMs: 0, failEvery: 0 }, overrides: {}, clearanceOverrides: {}, cancellations: {}, calls: 0, callsByCr: {} };
    expect(await control()).toEqual({ labor: fresh, zakat: fresh, sms: { outage: false, latencyMs: 0, failEvery: 0, received: 0, requests: 0 } });
    expect(await inbox()).toEqual([]);
    expect((await zakat('1010123451')).json<ZakatCertificate>().compliant).toBe(true);
  });
});

describe('clearance to cancel a license', () => {
  const clearance = async (agency: 'labor/v1/establishments' | 'zakat/v1/certificates', cr: string) => app.inject({ method: 'GET', url: `/${agency}/${cr}/clearance` });

  it('answers by the CR number\'s last digit: 7 Labor, 8 Zakat, 9 both', async () => {
    expect((await clearance('labor/v1/establishments', '1010123451')).json()).toEqual({ crNumber: '1010123451', cleared: true, outstanding: [] });
    expect((await clearance('labor/v1/establishments', '1010123457')).json().outstanding).toEqual(['LABOR_WORKERS_STILL_REGISTERED']);
    expect((await clearance('zakat/v1/certificates', '1010123457')).json().cleared).toBe(true);
    expect((await clearance('zakat/v1/certificates', '1010123458')).json().outstanding).toEqual(['ZAKAT_RETURN_OUTSTANDING']);
    expect((await clearance('labor/v1/establishments', '1010123459')).json().cleared).toBe(false);
    expect((await clearance('zakat/v1/certificates', '1010123459')).json().cleared).toBe(false);
  });

  it('takes an override, and the same switches as the checks', async () => {
    await put('/_control/zakat/clearances/1010123458', { cleared: true });
    expect((await clearance('zakat/v1/certificates', '1010123458')).json().cleared).toBe(true);
    await put('/_control/zakat', { outage: true });
    expect((await clearance('zakat/v1/certificates', '1010123458')).statusCode).toBe(503);
    await put('/_control/zakat', { outage: false });
    expect((await put('/_control/zakat/clearances/1010123458', { cleared: 'yes' })).statusCode).toBe(400);
  });

  it('acknowledges a repeated notice of a cancelled license as the same one (first: false)', async () => {
    const tell = () => app.inject({ method: 'POST', url: '/labor/v1/establishments/1010123451/cancellations', payload: { licenseNumber: 'AHS-2026-000009' } });
    expect((await tell()).json()).toMatchObject({ recorded: true, first: true });
    expect((await tell()).json()).toMatchObject({ recorded: true, first: false });
    expect((await control()).labor.cancellations).toEqual({ 'AHS-2026-000009': 2 });
    expect((await app.inject({ method: 'POST', url: '/labor/v1/establishments/1010123451/cancellations', payload: {} })).statusCode).toBe(400);
  });
});

describe('isolation', () => {
  it('two instances keep separate state', async () => {
    const other = buildSimulator();
    try {
      await put('/_control/labor', { outage: true });
      await sendSms({ to: '+966500000001', body: 'x', reference: 'r1' });
      expect((await other.inject({ method: 'GET', url: '/labor/v1/establishments/1010123451' })).statusCode).toBe(200);
      expect((await other.inject({ method: 'GET', url: '/_control/sms' })).json()).toEqual({ messages: [], requests: [] });
    } finally {
      await other.close();
    }
  });
});

describe('unknown routes', () => {
  it('answers 404 in JSON', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'not_found' });
  });
});
