import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Operation } from '../../domain/access';
import { BEARER, DENIED, ErrorSchema } from '../schemas';
import { InspectionsReportSchema, LicensesReportSchema, OfficesSchema, OutstandingQuery, OutstandingReportSchema, ReportQuery, RevenueReportSchema, SummarySchema } from './schemas';
import type { CsvFile } from './service';

const tags = ['reports'];
/** A CSV report as a download: sent as it is, not through the JSON serializer. */
const sendCsv = (reply: FastifyReply, file: CsvFile) =>
  reply
    .headers({ 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${file.filename}"` })
    .serializer((x: unknown) => x as string)
    .send(file.body as never);

const reports: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/reports/summary',
    {
      config: { operation: Operation.reportRead },
      schema: {
        summary: 'Applications received in a period and where they stand: issued, excluded (incomplete / conditions / unpaid fee), rejected, cancelled, open; per license kind and office',
        tags,
        security: BEARER,
        querystring: ReportQuery,
        response: { 200: SummarySchema, 400: ErrorSchema, ...DENIED },
      },
    },
    async (req, reply) => {
      const { format, ...period } = req.query;
      return format === 'csv' ? sendCsv(reply, await app.reports.summaryCsv(period)) : app.reports.summary(period);
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
      const { format, ...period } = req.query;
      return format === 'csv' ? sendCsv(reply, await app.reports.officesCsv(period)) : app.reports.offices(period);
    },
  );

  app.get(
    '/reports/licenses',
    {
      config: { operation: Operation.reportRead },
      schema: {
        summary: "Licenses now: by status and kind, those expiring within 90 days; and the period's renewal rate",
        tags,
        security: BEARER,
        querystring: ReportQuery,
        response: { 200: LicensesReportSchema, 400: ErrorSchema, ...DENIED },
      },
    },
    async (req, reply) => {
      const { format, ...period } = req.query;
      return format === 'csv' ? sendCsv(reply, await app.reports.licensesCsv(period)) : app.reports.licenses(period);
    },
  );

  app.get(
    '/reports/inspections',
    {
      config: { operation: Operation.reportRead },
      schema: {
        summary: "Periodic inspections: came due, recorded on time or late, withdrawn, open now (overdue or not); results by outcome; violations by code and by the establishment's district",
        tags,
        security: BEARER,
        querystring: ReportQuery,
        response: { 200: InspectionsReportSchema, 400: ErrorSchema, ...DENIED },
      },
    },
    async (req, reply) => {
      const { format, ...period } = req.query;
      return format === 'csv' ? sendCsv(reply, await app.reports.inspectionsCsv(period)) : app.reports.inspections(period);
    },
  );

  app.get(
    '/reports/revenue',
    {
      config: { operation: Operation.reportRead },
      schema: {
        summary:
          "Fees received in a period (payments applied, or refunded since, by the bank's time): in all, by day, license kind, activity, office and basis, each adding up to the total; refunds decided in it by reason; net; payments still held",
        tags,
        security: BEARER,
        querystring: ReportQuery,
        response: { 200: RevenueReportSchema, 400: ErrorSchema, ...DENIED },
      },
    },
    async (req, reply) => {
      const { format, ...period } = req.query;
      return format === 'csv' ? sendCsv(reply, await app.reports.revenueCsv(period)) : app.reports.revenue(period);
    },
  );

  app.get(
    '/reports/outstanding',
    {
      config: { operation: Operation.reportRead },
      schema: {
        summary: 'Invoices open now (or at asOf): how many and how much, overdue or not, per license kind and office; the longest due first (at most 100)',
        tags,
        security: BEARER,
        querystring: OutstandingQuery,
        response: { 200: OutstandingReportSchema, 400: ErrorSchema, ...DENIED },
      },
    },
    async (req, reply) => {
      const { format, asOf } = req.query;
      return format === 'csv' ? sendCsv(reply, await app.reports.outstandingCsv(asOf)) : app.reports.outstanding(asOf);
    },
  );
};

export default reports;
