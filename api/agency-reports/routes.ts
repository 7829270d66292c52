import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Operation, type Principal } from '../../domain/access';
import type { Agency } from '../../domain/status';
import { checkReportSignature } from '../../integrations/agency-reports/signature';
import { ErrorSchema } from '../schemas';
import { HttpError } from '../errors';
import { acceptSignedBodies } from '../plugins/signed-body';
import { AgencyReportAnswer, AgencyReportBody, AgencyReportHeaders } from './schemas';

/** A report is a few hundred bytes; this leaves room for a long reason and nothing else. */
const REPORT_BODY_LIMIT = 16 * 1024;
const AGENCY_NAMES: Record<Agency, string> = { labor_office: 'Labor Office', zakat: 'Zakat & Income authority' };
/** An agency's name is a word: more of what a caller put in x-agency says nothing. */
const CLAIMED_AGENCY_KEPT = 40;
const WWW_AUTHENTICATE = 'HMAC-SHA256 realm="tarkhees-agencies", headers="x-agency x-timestamp x-signature"';

/**
 * The agencies' own route: the caller is whoever signed the raw body, never a
 * bearer token or an API key (api/plugins/auth.ts leaves `signedBy` routes to
 * this plugin). Registered on its own, so its body parser and hooks reach no
 * other route.
 */
const agencyReports: FastifyPluginAsyncTypebox<{ secrets: Record<Agency, string> }> = async (app, opts) => {
  /** Sets the signer as the request's principal, or refuses with what is wrong (and who it claimed to be, for the audit row). */
  const authenticate = (req: FastifyRequest, raw: Buffer): void => {
    const check = checkReportSignature(req.headers, raw, opts.secrets, Date.now());
    if (!check.ok) {
      // The caller's own bytes: only printable ASCII reaches the audit row's jsonb (NUL would refuse the row, and the refusal with it).
      if (check.claimedAgency) req.auditDetails = { ...req.auditDetails, claimedAgency: check.claimedAgency.replace(/[^\x20-\x7e]/g, '?').slice(0, CLAIMED_AGENCY_KEPT) };
      throw new HttpError(401, check.code, check.message);
    }
    req.principal = { kind: 'agency', id: check.agency, name: AGENCY_NAMES[check.agency], roles: [], client: check.agency } satisfies Principal;
  };

  acceptSignedBodies(app, { bodyLimit: REPORT_BODY_LIMIT, authenticate, wwwAuthenticate: WWW_AUTHENTICATE });

  app.post(
    '/agency-reports',
    {
      bodyLimit: REPORT_BODY_LIMIT,
      config: { signedBy: 'agency', operation: Operation.agencyReportSubmit, target: 'agency_report' },
      schema: {
        summary: "An agency's report against an establishment: a violation, a closure, or that it is compliant again",
        description:
          'Signed by the agency: `x-signature` is the HMAC-SHA256 (hex) of `<x-timestamp>.<raw body>` with its secret, `x-timestamp` Unix seconds within 5 minutes of the server clock. The report is kept, then dispatched: a `resolved` report asks the open cases of that CR number waiting on the agency to check it again at once; every report is sent to the license workflows of the CR number. The same `id` again with the same body answers the first acknowledgement (200, `idempotent-replayed: true`); with another body, 409.',
        tags: ['agencies'],
        security: [{ agencySignature: [] }],
        headers: AgencyReportHeaders,
        body: AgencyReportBody,
        response: { 201: AgencyReportAnswer, 200: AgencyReportAnswer, 401: ErrorSchema, 403: ErrorSchema, 409: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (req, reply) => {
      req.auditDetails = { ...req.auditDetails, reportId: req.body.id };
      const { answer, replayed } = await app.agencyReports.receive(req.principal!, req.body);
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(replayed ? 200 : 201).send(answer);
    },
  );
};

export default agencyReports;
