import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Operation } from '../../domain/access';
import { toCsv } from './service';
import { BEARER, DENIED, ErrorSchema, Nullable } from '../schemas';

const IsoDate = Type.String({ format: 'date', description: 'YYYY-MM-DD, a Riyadh date' });
const ReportQuery = Type.Object(
  {
    from: IsoDate,
    to: IsoDate,
    format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' }),
  },
  { additionalProperties: false },
);
const Outcomes = {
  received: Type.Integer(),
  issued: Type.Integer(),
  excludedIncomplete: Type.Integer(),
  excludedConditions: Type.Integer(),
  rejected: Type.Integer(),
  open: Type.Integer(),
};
const Period = Type.Object({ from: Type.String(), to: Type.String() });
const SummarySchema = Type.Object({
  period: Period,
  total: Type.Object(Outcomes),
  byLicenseKind: Type.Array(Type.Object({ licenseKind: Type.String(), ...Outcomes })),
  byOffice: Type.Array(Type.Object({ officeId: Nullable(Type.String()), officeName: Nullable(Type.String()), ...Outcomes })),
});
const OfficesSchema = Type.Object({
  period: Period,
  offices: Type.Array(
    Type.Object({
      officeId: Nullable(Type.String()),
      officeName: Nullable(Type.String()),
      ...Outcomes,
      medianDaysToIssue: Nullable(Type.Number()),
      p90DaysToIssue: Nullable(Type.Number()),
      firstTimeCompleteShare: Nullable(Type.Number()),
      reviewsDecided: Type.Integer(),
      slaComplianceShare: Nullable(Type.Number()),
    }),
  ),
});
const tags = ['reports'];
const csv = (name: string, from: string, to: string) => ({
  'content-type': 'text/csv; charset=utf-8',
  'content-disposition': `attachment; filename="tarkhees-${name}-${from}-${to}.csv"`,
});

const reports: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/reports/summary',
    {
      config: { operation: Operation.reportRead },
      schema: {
        summary: 'Applications received in a period and where they stand: issued, excluded (incomplete / conditions), rejected, open; per license kind and office',
        tags,
        security: BEARER,
        querystring: ReportQuery,
        response: { 200: SummarySchema, 400: ErrorSchema, ...DENIED },
      },
    },
    async (req, reply) => {
      const { from, to, format } = req.query;
      const report = await app.reports.summary({ from, to });
      if (format === 'json') return report;
      const rows = [
        { scope: 'total', key: '', name: '', ...report.total },
        ...report.byLicenseKind.map(({ licenseKind, ...o }) => ({ scope: 'license_kind', key: licenseKind, name: '', ...o })),
        ...report.byOffice.map(({ officeId, officeName, ...o }) => ({ scope: 'office', key: officeId ?? '', name: officeName ?? '', ...o })),
      ];
      return reply.headers(csv('summary', from, to)).serializer((x: unknown) => x as string).send(toCsv(rows) as never);
    },
  );

  app.get(
    '/reports/offices',
    {
      config: { operation: Operation.reportRead },
      schema: {
        summary: 'Per office: volume, days to issuance (median, p90), complete on first submission, review SLA compliance, exclusions',
        tags,
        security: BEARER,
        querystring: ReportQuery,
        response: { 200: OfficesSchema, 400: ErrorSchema, ...DENIED },
      },
    },
    async (req, reply) => {
      const { from, to, format } = req.query;
      const report = await app.reports.offices({ from, to });
      if (format === 'json') return report;
      return reply.headers(csv('offices', from, to)).serializer((x: unknown) => x as string).send(toCsv(report.offices) as never);
    },
  );
};

export default reports;
