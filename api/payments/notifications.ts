// The payment gateway's own route: the caller is whoever signed the raw body
// with the shared secret, never a token (api/plugins/auth.ts leaves `signedBy`
// routes to their plugin). Registered on its own so its body parser reaches no
// other route. Refusals (no signature, stale, bad, replayed) are audited as
// every refused change is.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Operation, type Principal } from '../../domain/access';
import { checkNotificationSignature, NotificationHeader } from '../../integrations/payments/signature';
import { HttpError } from '../errors';
import { acceptSignedBodies } from '../plugins/signed-body';
import { ErrorSchema } from '../schemas';
import { NotificationAnswer, NotificationBody, NotificationHeaders } from './schemas';

/** A notification is a few hundred bytes. */
const NOTIFICATION_BODY_LIMIT = 8 * 1024;
const WWW_AUTHENTICATE = 'HMAC-SHA256 realm="tarkhees-payments", headers="x-timestamp x-signature"';

const paymentNotifications: FastifyPluginAsyncTypebox<{ secret: string }> = async (app, opts) => {
  const authenticate = (req: FastifyRequest, raw: Buffer): void => {
    const check = checkNotificationSignature(req.headers, raw, opts.secret, Date.now());
    if (!check.ok) throw new HttpError(401, check.code, check.message);
    req.principal = { kind: 'gateway', id: 'payment-gateway', name: 'Payment gateway', roles: [], client: 'payment-gateway' } satisfies Principal;
  };

  acceptSignedBodies(app, { bodyLimit: NOTIFICATION_BODY_LIMIT, authenticate, wwwAuthenticate: WWW_AUTHENTICATE });

  app.post(
    '/payments/notifications',
    {
      bodyLimit: NOTIFICATION_BODY_LIMIT,
      config: { signedBy: 'gateway', operation: Operation.paymentNotify, target: 'payment' },
      schema: {
        summary: "The payment gateway's notice of a payment",
        description:
          'Signed by the gateway: `x-signature` is the HMAC-SHA256 (hex) of `<x-timestamp>.<raw body>` with the shared secret (`PAYMENT_NOTIFICATION_SECRET`), `x-timestamp` Unix seconds within 5 minutes of the server clock; the same signed message twice is a replay (409 `notification_replayed`). Idempotent on `paymentId`: a payment notified again answers what was decided the first time (`duplicate: true`). A payment of its open invoice\'s amount pays it (a receipt number; the case or renewal goes on); any other amount, an unknown bill or a closed invoice is held for an administrator (`status: held`, `mismatch`).',
        tags: ['payments'],
        security: [{ gatewaySignature: [] }],
        headers: NotificationHeaders,
        body: NotificationBody,
        response: { 200: NotificationAnswer, 401: ErrorSchema, 409: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (req) => {
      req.auditDetails = { ...req.auditDetails, paymentId: req.body.paymentId, notificationId: req.body.notificationId, billNumber: req.body.billNumber };
      const answer = await app.payments.notify(req.body, String(req.headers[NotificationHeader.signature]));
      req.auditDetails = { ...req.auditDetails, outcome: answer.status, duplicate: answer.duplicate, ...(answer.mismatch ? { mismatch: answer.mismatch } : {}) };
      return answer;
    },
  );
};

export default paymentNotifications;
