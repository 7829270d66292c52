// The payment gateway over HTTP: JSON on the keep-alive client the agency calls
// use. Its errors sort as the agencies' do: unavailable (ask again later) or
// refused (asking again will not help), so a Temporal activity retries only the first.
import { requestJson } from '../http';
import {
  PaymentGatewayRequestError,
  PaymentGatewayUnavailableError,
  type Bill,
  type GatewayPayment,
  type GatewayRefund,
  type PaymentGateway,
} from './gateway';

export interface HttpGatewayOptions {
  /** Base URL; the routes are /bills, /bills/:billNumber/cancel, /statements/:day and /refunds under it. */
  url: string;
  token?: string;
  timeoutMs: number;
}

const BILL_STATUSES: readonly string[] = ['open', 'paid', 'cancelled'];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isAmount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

export function createHttpGateway(opts: HttpGatewayOptions): PaymentGateway {
  const base = opts.url.replace(/\/$/, '');
  const headers: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};

  /**
   * One call, its answer parsed: no answer, a 5xx, a 429 or a body that is not
   * JSON is the gateway unavailable; any other non-2xx is the request refused.
   */
  async function ask(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const url = base + path;
    let res;
    try {
      res = await requestJson(method, url, { timeoutMs: opts.timeoutMs, headers, ...(body === undefined ? {} : { body }) });
    } catch (err) {
      throw new PaymentGatewayUnavailableError(`payment gateway: no answer from ${url}: ${(err as Error).message}`);
    }
    if (res.status >= 500 || res.status === 429) throw new PaymentGatewayUnavailableError(`payment gateway: ${url} answered ${res.status}`);
    if (res.status < 200 || res.status >= 300) throw new PaymentGatewayRequestError(`payment gateway: ${url} answered ${res.status}: ${res.body.slice(0, 500)}`);
    try {
      return JSON.parse(res.body) as unknown;
    } catch {
      throw new PaymentGatewayUnavailableError(`payment gateway: ${url} answered with a body that is not JSON`);
    }
  }

  // A 2xx whose body lacks what it must carry is a gateway fault, not our request's: retried like an outage.
  const malformed = (path: string, what: string) => new PaymentGatewayUnavailableError(`payment gateway: ${base + path} answered without ${what}`);

  function bill(path: string, v: unknown): Bill {
    if (!isObject(v) || typeof v.billNumber !== 'string' || typeof v.invoiceId !== 'string' || !isAmount(v.amountHalalas) || typeof v.dueAt !== 'string' || !BILL_STATUSES.includes(v.status as string)) {
      throw malformed(path, 'a bill');
    }
    return { billNumber: v.billNumber, invoiceId: v.invoiceId, amountHalalas: v.amountHalalas, dueAt: v.dueAt, status: v.status as Bill['status'] };
  }

  function payment(path: string, v: unknown): GatewayPayment {
    if (!isObject(v) || typeof v.paymentId !== 'string' || typeof v.billNumber !== 'string' || !isAmount(v.amountHalalas) || typeof v.paidAt !== 'string') {
      throw malformed(path, 'well-formed payments');
    }
    return { paymentId: v.paymentId, billNumber: v.billNumber, amountHalalas: v.amountHalalas, paidAt: v.paidAt };
  }

  return {
    async createBill(req) {
      return bill('/bills', await ask('POST', '/bills', req));
    },
    async cancelBill(billNumber) {
      const path = `/bills/${encodeURIComponent(billNumber)}/cancel`;
      return bill(path, await ask('POST', path, {}));
    },
    async statement(day) {
      const path = `/statements/${encodeURIComponent(day)}`;
      const body = await ask('GET', path);
      if (!isObject(body) || !Array.isArray(body.payments)) throw malformed(path, 'a payments list');
      return body.payments.map((p) => payment(path, p));
    },
    async refund(req) {
      const body = await ask('POST', '/refunds', req);
      if (!isObject(body) || typeof body.refundId !== 'string' || typeof body.paymentId !== 'string' || !isAmount(body.amountHalalas) || typeof body.refundedAt !== 'string') {
        throw malformed('/refunds', 'a refund');
      }
      return { refundId: body.refundId, paymentId: body.paymentId, amountHalalas: body.amountHalalas, refundedAt: body.refundedAt } satisfies GatewayRefund;
    },
  };
}
