// The payment gateway Tarkhees collects fees through (SADAD-style: a bill the
// citizen pays at any bank by its number). Amounts are whole halalas
// (1 SAR = 100 halalas) so no fee is ever rounded in floating point.

export interface BillRequest {
  invoiceId: string;
  amountHalalas: number;
  /** ISO instant. */
  dueAt: string;
  payer: { nationalId: string; name: string; mobile: string };
  description: string;
}

export interface Bill {
  billNumber: string;
  invoiceId: string;
  amountHalalas: number;
  dueAt: string;
  status: 'open' | 'paid' | 'cancelled';
}

export interface GatewayPayment {
  paymentId: string;
  billNumber: string;
  amountHalalas: number;
  /** ISO instant. */
  paidAt: string;
}

export interface RefundRequest {
  refundId: string;
  paymentId: string;
  amountHalalas: number;
  reason: string;
}

export interface GatewayRefund {
  refundId: string;
  paymentId: string;
  amountHalalas: number;
  refundedAt: string;
}

/** What the gateway POSTs to Tarkhees's POST /payments/notifications (JSON body). */
export interface PaymentNotification {
  notificationId: string;
  paymentId: string;
  billNumber: string;
  amountHalalas: number;
  paidAt: string;
}

export interface PaymentGateway {
  /** Registers a bill a bank customer pays by its number (SADAD-style: the gateway's own reference). Idempotent on invoiceId: the same bill again. */
  createBill(req: BillRequest): Promise<Bill>;
  /** Closes an unpaid bill so banks refuse it (past due, case closed). Idempotent; answers the bill as it stands (a paid bill stays paid). */
  cancelBill(billNumber: string): Promise<Bill>;
  /** Every payment the gateway settled whose paidAt falls on `day` (YYYY-MM-DD, Asia/Riyadh, UTC+3), each once. */
  statement(day: string): Promise<GatewayPayment[]>;
  /** Idempotent on refundId. */
  refund(req: RefundRequest): Promise<GatewayRefund>;
}

/** No answer, a 5xx, a 429 or a body that is not JSON: worth asking again later. */
export class PaymentGatewayUnavailableError extends Error {
  override name = 'PaymentGatewayUnavailableError';
}

/** The gateway refused the request itself (4xx): never retried (Temporal's nonRetryableErrorTypes names it). */
export class PaymentGatewayRequestError extends Error {
  override name = 'PaymentGatewayRequestError';
}
