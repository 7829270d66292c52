import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Operation } from '../../domain/access';
import { principalOf } from '../plugins/auth';
import { BEARER, CHANGE_ERRORS, DENIED, ErrorSchema } from '../schemas';
import { CancellationBody, LicenseRequestResult, ObjectionBody, RenewalBody } from './requests';
import { LicenseNumberParam, LicenseSchema, LicenseTimelineSchema } from './schemas';

const licenses: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/licenses/:number',
    {
      config: { public: true },
      schema: {
        summary: 'Verify a license by its number, with where it stands now (public)',
        tags: ['licenses'],
        params: LicenseNumberParam,
        response: { 200: LicenseSchema, 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (req) => app.licenses.verify(req.params.number),
  );

  app.get(
    '/licenses/:number/timeline',
    {
      config: { operation: Operation.licenseRead },
      schema: {
        summary: "A license's timeline: the holder, their office and the municipality",
        tags: ['licenses'],
        security: BEARER,
        params: LicenseNumberParam,
        response: { 200: LicenseTimelineSchema, 400: ErrorSchema, 404: ErrorSchema, ...DENIED },
      },
    },
    async (req) => app.licenses.timeline(req.params.number, principalOf(req)),
  );

  app.post(
    '/licenses/:number/renewal',
    {
      config: { operation: Operation.licenseRenew, target: 'license' },
      schema: {
        summary: 'Renew a license (its window open, or within the grace period after expiry): the checks run again',
        tags: ['licenses'],
        security: BEARER,
        params: LicenseNumberParam,
        body: RenewalBody,
        response: { 202: LicenseRequestResult, ...CHANGE_ERRORS },
      },
    },
    async (req, reply) => reply.status(202).send(await app.licenses.renew(req.params.number, req.body, principalOf(req))),
  );

  app.post(
    '/licenses/:number/renewal/corrections',
    {
      config: { operation: Operation.licenseRenew, target: 'license' },
      schema: {
        summary: "Correct a renewal's deficiencies before its deadline",
        tags: ['licenses'],
        security: BEARER,
        params: LicenseNumberParam,
        body: RenewalBody,
        response: { 202: LicenseRequestResult, ...CHANGE_ERRORS },
      },
    },
    async (req, reply) => reply.status(202).send(await app.licenses.renew(req.params.number, req.body, principalOf(req), true)),
  );

  app.post(
    '/licenses/:number/cancellation',
    {
      config: { operation: Operation.licenseCancel, target: 'license' },
      schema: {
        summary: "Cancel a license on its holder's request: both agencies are asked for clearance, no visit",
        tags: ['licenses'],
        security: BEARER,
        params: LicenseNumberParam,
        body: CancellationBody,
        response: { 202: LicenseRequestResult, ...CHANGE_ERRORS },
      },
    },
    async (req, reply) => reply.status(202).send(await app.licenses.cancel(req.params.number, req.body, principalOf(req))),
  );

  app.post(
    '/licenses/:number/objection',
    {
      config: { operation: Operation.licenseObject, target: 'license' },
      schema: {
        summary: "Object to a license's suspension, within its window: a municipality supervisor decides it from the inbox",
        tags: ['licenses'],
        security: BEARER,
        params: LicenseNumberParam,
        body: ObjectionBody,
        response: { 202: LicenseRequestResult, ...CHANGE_ERRORS },
      },
    },
    async (req, reply) => reply.status(202).send(await app.licenses.object(req.params.number, req.body, principalOf(req))),
  );
};

export default licenses;
