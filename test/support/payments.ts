// The simulator's payment gateway, as the tests drive it: a bank customer
// paying a bill, the gateway's switches and what it holds; and a case taken
// through its reviews and agencies to its invoice.
import { expect } from 'vitest';
import { approveAll, crNumber, healthApplication, submitOk, waitForApp } from './fixtures';
import type { TestEnv } from './env';

export interface GatewayState {
  deliveries: { paymentId: string; status: number }[];
  lost: { paymentId: string; paidAt: string }[];
  refunds: { paymentId: string; amountHalalas: number }[];
  payments: { paymentId: string; billNumber: string; amountHalalas: number }[];
}

export const gatewayCall = (env: TestEnv, path: string, method: 'GET' | 'POST' | 'PUT' = 'GET', body?: unknown) =>
  fetch(`${env.simulatorUrl}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });

export const gatewaySwitches = (env: TestEnv, s: Record<string, unknown>) => gatewayCall(env, '/_control/payments', 'PUT', s);

export const gatewayState = async (env: TestEnv) => (await (await gatewayCall(env, '/_control/payments')).json()) as GatewayState;

/** A bank customer pays the bill (its amount unless told); the gateway then notifies Tarkhees, as its switches say. */
export async function payBill(env: TestEnv, billNumber: string, extra: Record<string, unknown> = {}) {
  const res = await gatewayCall(env, '/_control/payments/pay', 'POST', { billNumber, ...extra });
  expect(res.status).toBe(201);
  return (await res.json()) as { payment: { paymentId: string; amountHalalas: number; paidAt: string }; notificationId: string };
}

/** A café (a compliant CR) through its reviews and both agencies, to its invoice: its id, its invoice and the case then. */
export async function invoicedCase(env: TestEnv) {
  const id = await submitOk(env.api, healthApplication({ establishment: { ...healthApplication().establishment, crNumber: crNumber(1) } }));
  await approveAll(env.api, id);
  const view = await waitForApp(env.api, id, 'awaiting payment', (a) => a.stage === 'awaiting_payment' && a.waitingOn.includes('payment'));
  return { id, invoice: view.invoices[0] as Record<string, any>, view };
}

/** The schedule in force with its payment period changed (an administrator's PUT /fees). */
export async function setPaymentDue(env: TestEnv, paymentDue: string, reason: string): Promise<void> {
  const headers = await env.auth('admin');
  const now = (await env.api.inject({ method: 'GET', url: '/fees' })).json();
  const res = await env.api.inject({ method: 'PUT', url: '/fees', headers, payload: { version: now.version, bands: now.bands, settings: { ...now.settings, paymentDue }, reason } });
  expect(res.statusCode).toBe(200);
}
