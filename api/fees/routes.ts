import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Operation } from '../../domain/access';
import { InvoiceBasis } from '../../domain/payments';
import { principalOf } from '../plugins/auth';
import { BEARER, DENIED, ErrorSchema } from '../schemas';
import { InvoiceLineSchema } from '../payments/schemas';
import { FeeQuoteQuery, FeeScheduleBody, FeeScheduleSchema } from './schemas';

const tags = ['fees'];

const fees: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/fees',
    {
      config: { public: true },
      schema: {
        summary: 'The fee schedule in force: bands by license kind, activity and floor area, with the late-renewal penalty, the refund share and the payment period',
        tags,
        response: { 200: FeeScheduleSchema },
      },
    },
    async () => app.fees.current(),
  );

  app.get(
    '/fees/quote',
    {
      config: { public: true },
      schema: {
        summary: 'What the schedule in force charges an establishment: the lines an invoice would carry',
        tags,
        querystring: FeeQuoteQuery,
        response: { 200: Type.Object({ version: Type.Integer(), amountHalalas: Type.Integer(), lines: Type.Array(InvoiceLineSchema) }), 400: ErrorSchema },
      },
    },
    async (req) => {
      const q = req.query;
      return app.fees.quote({ basis: q.renewal ? InvoiceBasis.renewal : InvoiceBasis.issuance, licenseKind: q.licenseKind, isicCode: q.isicCode, areaSqm: q.areaSqm, termMonths: q.termMonths, late: q.late });
    },
  );

  app.get(
    '/fees/versions',
    {
      config: { operation: Operation.paymentRead },
      schema: { summary: 'Every version of the schedule, newest first: who saved it, when and why', tags, security: BEARER, response: { 200: Type.Object({ items: Type.Array(FeeScheduleSchema) }), ...DENIED } },
    },
    async () => ({ items: await app.fees.versions(100) }),
  );

  app.put(
    '/fees',
    {
      config: { operation: Operation.feeManage, target: 'fee_schedule' },
      schema: {
        summary: 'Replace the fee schedule (administrators): a new version, in force for invoices raised from now on; those raised keep theirs',
        tags,
        security: BEARER,
        body: FeeScheduleBody,
        response: { 200: FeeScheduleSchema, 400: ErrorSchema, 409: ErrorSchema, ...DENIED },
      },
    },
    async (req) => {
      const saved = await app.fees.replace(req.body, principalOf(req).id);
      req.auditDetails = { ...req.auditDetails, fromVersion: req.body.version, version: saved.version, reason: req.body.reason, bands: req.body.bands.length };
      return saved;
    },
  );
};

export default fees;
