// The reports for those who may read them (supervisors, administrators,
// auditors): the page of a period, and its CSV files inside the session
// (GET /reports wants a bearer token). Figures and files come from the API's
// own ReportService, so the page, the download and the API agree to the cell,
// the CSV's byte-order mark and formula guard included.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { CsvFile } from '../../api/reports/service';
import { Operation } from '../../domain/access';
import { signedIn } from '../auth/plugin';
import { layout } from '../html';
import { localeOf, words } from '../i18n';
import { askedPeriod, partsOf, type Period } from './period';
import { invalidPeriodPage, reportsPage } from './view';

const PATH = '/console/reports';

const sendPage = (reply: FastifyReply, status: number, body: string) => reply.status(status).header('content-type', 'text/html; charset=utf-8').send(body);

const reportsPages: FastifyPluginAsync = async (app) => {
  /** The period asked for, or the form back with what was typed (400) and undefined. */
  function periodOrForm(req: FastifyRequest, reply: FastifyReply): Period | undefined {
    const asked = askedPeriod(req.query);
    if ('period' in asked) return asked.period;
    const w = words(localeOf(req, reply));
    void sendPage(reply, 400, layout(w, { title: 'reports.title', path: PATH, body: invalidPeriodPage(w, asked.invalid), home: '/console' }));
    return undefined;
  }

  app.get(PATH, { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    if (!signedIn(req, reply, Operation.reportRead)) return reply;
    const period = periodOrForm(req, reply);
    if (!period) return reply;
    const w = words(localeOf(req, reply));
    const { granularity, parts } = partsOf(period);
    const [summary, offices, licenses, inspections, revenue, outstanding, totals] = await Promise.all([
      app.reports.summary(period),
      app.reports.offices(period),
      app.reports.licenses(period),
      app.reports.inspections(period),
      app.reports.revenue(period),
      app.reports.outstanding(),
      Promise.all(parts.map(async (p) => ({ period: p, total: (await app.reports.summary(p)).total }))),
    ]);
    const body = reportsPage(w, { period, summary, offices, licenses, inspections, revenue, outstanding, granularity, parts: totals });
    return sendPage(reply, 200, layout(w, { title: 'reports.title', path: PATH, body, home: '/console' }));
  });

  const sendCsv = (reply: FastifyReply, csv: CsvFile) =>
    // Figures about named offices: kept by no cache on the way.
    reply
      .headers({ 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${csv.filename}"`, 'cache-control': 'no-store' })
      .send(csv.body);
  const download = (path: string, file: (p: Period) => Promise<CsvFile>) =>
    app.get(path, { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
      if (!signedIn(req, reply, Operation.reportRead)) return reply;
      const period = periodOrForm(req, reply);
      if (!period) return reply;
      return sendCsv(reply, await file(period));
    });
  download(`${PATH}/summary.csv`, (p) => app.reports.summaryCsv(p));
  download(`${PATH}/offices.csv`, (p) => app.reports.officesCsv(p));
  download(`${PATH}/licenses.csv`, (p) => app.reports.licensesCsv(p));
  download(`${PATH}/inspections.csv`, (p) => app.reports.inspectionsCsv(p));
  download(`${PATH}/revenue.csv`, (p) => app.reports.revenueCsv(p));
  // The invoices open now: no period.
  app.get(`${PATH}/outstanding.csv`, { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    if (!signedIn(req, reply, Operation.reportRead)) return reply;
    return sendCsv(reply, await app.reports.outstandingCsv());
  });
};

export default reportsPages;
