// The ledger's routes for the municipality: mismatches to decide, the days
// reconciled, a day reconciled on demand. The gateway's own route is
// notifications.ts; invoices and receipts are shown on their case and license.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Operation } from '../../domain/access';
import { principalOf } from '../plugins/auth';
import { Int } from '../validation';
import { BEARER, DENIED, ErrorSchema } from '../schemas';
import { MismatchParams, MismatchQuery, MismatchSchema, ReconcileBody, ReconciliationReportSchema, ReconciliationSchema, ResolveBody } from './schemas';

const tags = ['payments'];

const payments: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/payments/mismatches',
    {
      config: { operation: Operation.paymentRead },
      schema: {
        summary: 'Payments that do not fit their invoice (another amount, an unknown bill, a closed or already paid invoice, a statement that disagrees), newest first',
        tags,
        security: BEARER,
        querystring: MismatchQuery,
        response: { 200: Type.Object({ items: Type.Array(MismatchSchema) }), 400: ErrorSchema, ...DENIED },
      },
    },
    async (req) => ({ items: await app.payments.mismatches(req.query) }),
  );

  app.post(
    '/payments/mismatches/:id/resolve',
    {
      config: { operation: Operation.paymentReconcile, target: 'payment_mismatch' },
      schema: {
        summary: "An administrator's decision on a mismatch: accept (the payment pays its open invoice as it is), refund (in full, through the gateway), or dismiss",
        tags,
        security: BEARER,
        params: MismatchParams,
        body: ResolveBody,
        response: { 200: MismatchSchema, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 503: ErrorSchema, ...DENIED },
      },
    },
    async (req) => {
      req.auditDetails = { ...req.auditDetails, action: req.body.action, reason: req.body.reason };
      return app.payments.resolve(req.params.id, req.body, principalOf(req).id);
    },
  );

  app.get(
    '/payments/reconciliations',
    {
      config: { operation: Operation.paymentRead },
      schema: {
        summary: "The days reconciled against the gateway's statement, newest first: matched, applied late (a notification lost), mismatches",
        tags,
        security: BEARER,
        querystring: Type.Object({ limit: Int({ minimum: 1, maximum: 366, default: 30 }) }),
        response: { 200: Type.Object({ items: Type.Array(ReconciliationSchema) }), 400: ErrorSchema, ...DENIED },
      },
    },
    async (req) => ({
      items: (await app.payments.reconciliations(req.query.limit)).map((r) => ({
        day: r.day,
        ranAt: r.ran_at,
        statementCount: r.statement_count,
        matched: r.matched,
        appliedLate: r.applied_late,
        mismatches: r.mismatches,
        details: r.details,
      })),
    }),
  );

  app.post(
    '/payments/reconciliations',
    {
      config: { operation: Operation.paymentReconcile, target: 'reconciliation' },
      schema: {
        summary: "Reconcile a day now, as the nightly Schedule does for the day before: the gateway's statement against the payments recorded",
        tags,
        security: BEARER,
        body: ReconcileBody,
        response: { 200: ReconciliationReportSchema, 400: ErrorSchema, 503: ErrorSchema, ...DENIED },
      },
    },
    async (req) => {
      req.auditDetails = { ...req.auditDetails, day: req.body.day };
      return app.payments.reconcile(req.body.day);
    },
  );
};

export default payments;
