import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Operation } from '../../domain/access';
import { principalOf } from '../plugins/auth';
import { ApplicationIdParam, BEARER_OR_KEY, CHANGE_ERRORS, DENIED, ErrorSchema, IdempotencyHeaders, UpdateResultSchema } from '../schemas';
import { ApplicationBody, ApplicationDetailSchema, CorrectionBody, DraftBody, DraftValidationSchema, ListQuery, ListResponse, ReassignBody, ReviewDecisionBody } from './schemas';


const applications: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/applications',
    {
      config: { operation: Operation.applicationSubmit, target: 'application' },
      schema: {
        summary: 'Submit a license application',
        description: 'Office staff and API keys file for their own office; an applicant files for themself and may choose an accredited office.',
        tags: ['applications'],
        security: BEARER_OR_KEY,
        headers: IdempotencyHeaders,
        body: ApplicationBody,
        response: { 201: Type.Object({ id: Type.String(), status: Type.String() }), ...CHANGE_ERRORS },
      },
    },
    async (req, reply) => {
      const { id, status, replayed, usesReferences } = await app.applications.submit(req.body, principalOf(req), req.headers['idempotency-key']);
      if (replayed) reply.header('idempotent-replayed', 'true');
      if (usesReferences) reply.headers(app.documents.referenceHeaders());
      return reply.status(201).header('location', `/applications/${id}`).send({ id, status });
    },
  );

  app.post(
    '/applications/validate',
    {
      // A check, not a change: nothing is written, so the audit log keeps no row of it.
      config: { operation: Operation.applicationSubmit, readOnly: true },
      schema: {
        summary: 'Check a draft application against the completeness and conditions rules, filing nothing',
        description: 'Every field may still be missing (each becomes a FIELD_REQUIRED deficiency); a field that is there is checked as in a filing. The deficiencies are those the case would meet: the documents and workers its kind and activity need, expired or unaccepted files, and the conditions it would be excluded on.',
        tags: ['applications'],
        security: BEARER_OR_KEY,
        body: DraftBody,
        response: { 200: DraftValidationSchema, ...CHANGE_ERRORS },
      },
    },
    async (req) => app.applications.validate(req.body, principalOf(req)),
  );

  app.get(
    '/applications',
    {
      config: { operation: Operation.applicationRead },
      schema: {
        summary: 'List the applications the caller may see, newest first',
        tags: ['applications'],
        security: BEARER_OR_KEY,
        querystring: ListQuery,
        response: { 200: ListResponse, 400: ErrorSchema, ...DENIED },
      },
    },
    async (req) => app.applications.list(req.query, principalOf(req)),
  );

  app.get(
    '/applications/:id',
    {
      config: { operation: Operation.applicationRead },
      schema: {
        summary: 'An application: status, stage, deficiencies, reviews, agency results, license and timeline',
        tags: ['applications'],
        security: BEARER_OR_KEY,
        params: ApplicationIdParam,
        response: { 200: ApplicationDetailSchema, 400: ErrorSchema, 404: ErrorSchema, ...DENIED },
      },
    },
    async (req) => app.applications.get(req.params.id, principalOf(req)),
  );

  app.post(
    '/applications/:id/corrections',
    {
      config: { operation: Operation.applicationCorrect, target: 'application' },
      schema: {
        summary: 'Send corrections for an application awaiting them',
        tags: ['applications'],
        security: BEARER_OR_KEY,
        params: ApplicationIdParam,
        body: CorrectionBody,
        response: { 200: UpdateResultSchema, ...CHANGE_ERRORS },
      },
    },
    async (req, reply) => {
      const { usesReferences, ...result } = await app.applications.correct(req.params.id, req.body, principalOf(req));
      if (usesReferences) reply.headers(app.documents.referenceHeaders());
      return result;
    },
  );

  app.post(
    '/applications/:id/reviews',
    {
      config: { operation: [Operation.reviewHealth, Operation.reviewTechnical], target: 'application' },
      schema: {
        summary: 'Decide the health or technical review of an application (the caller is the reviewer)',
        tags: ['reviews'],
        security: BEARER_OR_KEY,
        params: ApplicationIdParam,
        body: ReviewDecisionBody,
        response: { 200: UpdateResultSchema, ...CHANGE_ERRORS },
      },
    },
    async (req) => app.applications.decide(req.params.id, req.body, principalOf(req)),
  );

  app.post(
    '/applications/:id/office',
    {
      config: { operation: Operation.applicationReassign, target: 'application' },
      schema: {
        summary: 'Move an open application to another accredited office (supervisors)',
        tags: ['applications'],
        security: BEARER_OR_KEY,
        params: ApplicationIdParam,
        body: ReassignBody,
        response: { 200: Type.Composite([UpdateResultSchema, Type.Object({ officeId: Type.String() })]), ...CHANGE_ERRORS },
      },
    },
    async (req) => app.applications.reassign(req.params.id, req.body, principalOf(req)),
  );
};

export default applications;
