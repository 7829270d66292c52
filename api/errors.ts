// Domain errors the routes throw, and the one handler that turns every error
// (domain, validation, Temporal) into an HTTP answer with a JSON body.
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export const badRequest = (field: string, message: string) => new HttpError(400, 'validation_failed', message, field);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);
export const conflict = (message: string, code = 'conflict') => new HttpError(409, code, message);
export const forbidden = (message: string, field?: string) => new HttpError(403, 'forbidden', message, field);
/** A path no route matches: the not-found handler's answer, and app.ts's before a body is read. */
export const noRoute = (req: FastifyRequest) => new HttpError(404, 'not_found', `no route ${req.method} ${req.url.split('?')[0]}`);

/** A schema's refusal: Fastify's error, or the one a route that attaches validation (the console's forms) is handed. */
type ValidationFailure = { validation?: FastifyError['validation']; validationContext?: string; message: string };

function validationField(err: ValidationFailure): string | undefined {
  const first = err.validation?.[0];
  if (!first) return undefined;
  const base = `${err.validationContext ?? 'body'}${first.instancePath}`;
  const missing = (first.params as { missingProperty?: string; additionalProperty?: string } | undefined);
  if (missing?.missingProperty) return `${base}/${missing.missingProperty}`;
  if (missing?.additionalProperty) return `${base}/${missing.additionalProperty}`;
  return base;
}

type ValidationErrors = NonNullable<FastifyError['validation']>;

/**
 * What was wrong with the first failing value. ajv reports an enum (TypeBox's
 * union of literals) as one "must be equal to constant" per allowed value at
 * the same place, or once with all of them (`enum`): the answer names them.
 */
function validationMessage(errors: ValidationErrors, fallback: string): string {
  const first = errors[0];
  if (!first) return fallback;
  const allowed = errors
    .filter((e) => e.instancePath === first.instancePath)
    .flatMap((e) => {
      const params = e.params as { allowedValue?: unknown; allowedValues?: unknown[] };
      return e.keyword === 'const' ? [params.allowedValue] : e.keyword === 'enum' ? (params.allowedValues ?? []) : [];
    });
  return allowed.length > 0 ? `must be one of ${[...new Set(allowed)].join(', ')}` : (first.message ?? fallback);
}

/** What the API answers when a request's schema refused it (the console's forms say the same): the field, and what was wrong with it. */
export function validationRefusal(err: ValidationFailure): { field?: string; message: string } {
  const field = validationField(err);
  return { field, message: `${field ?? 'request'}: ${validationMessage(err.validation ?? [], err.message)}` };
}

/** gRPC codes under which the workflow service cannot take a call now but may soon. */
const GRPC_TRANSIENT = {
  /** DEADLINE_EXCEEDED: no answer in time. */
  4: 'the workflow service did not answer in time',
  /** RESOURCE_EXHAUSTED: a rate limit, or one case busy with other calls, still so after the client's retries. */
  8: 'the workflow service is busy',
  /** UNAVAILABLE: not reachable. */
  14: 'the workflow service is not reachable',
} as const;

/**
 * Why the workflow service could not take the call, when that is transient.
 * The Temporal client wraps gRPC errors in a ServiceError whose cause carries the code.
 */
function transientTemporalError(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'number' && e.code in GRPC_TRANSIENT) return GRPC_TRANSIENT[e.code as keyof typeof GRPC_TRANSIENT];
    if (/UNAVAILABLE|ECONNREFUSED|Failed to connect/i.test(e.message ?? '')) return GRPC_TRANSIENT[14];
  }
  return undefined;
}

/** gRPC FAILED_PRECONDITION: Temporal takes no Update while the workflow's tasks fail. */
const GRPC_FAILED_PRECONDITION = 9;
const CASE_BLOCKED = 'the case cannot take this call now: its workflow is failing and waits for an operator (it shows under /operations/stuck); nothing was written';

/**
 * A case whose workflow tasks fail (a bad release, a bug) takes no Update:
 * retrying will not help until it is repaired, so this is a 409, not a 503.
 */
function caseBlocked(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === GRPC_FAILED_PRECONDITION) return true;
  }
  return false;
}

/** Seconds a caller should wait before retrying a call the workflow service could not take. */
const RETRY_AFTER_S = 1;

export default fp(async function errorHandler(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof HttpError) {
      return reply.status(err.statusCode).send({ error: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) });
    }
    if (err.validation) {
      const { field, message } = validationRefusal(err);
      return reply.status(400).send({ error: 'validation_failed', message, ...(field ? { field } : {}) });
    }
    if (err instanceof WorkflowUpdateFailedError) {
      // The workflow's validator refused: nothing was written to its history.
      const cause = err.cause instanceof ApplicationFailure ? err.cause.message : (err.cause?.message ?? err.message);
      return reply.status(409).send({ error: 'refused', message: cause });
    }
    if (err instanceof WorkflowNotFoundError) {
      return reply.status(409).send({ error: 'closed', message: 'the application is no longer open for this action' });
    }
    if (caseBlocked(err)) {
      return reply.status(409).send({ error: 'case_blocked', message: CASE_BLOCKED });
    }
    const transient = transientTemporalError(err);
    if (transient) {
      req.log.warn({ err }, 'temporal unavailable');
      return reply
        .status(503)
        .header('retry-after', String(RETRY_AFTER_S))
        .send({ error: 'temporarily_unavailable', message: `${transient}; retry shortly (a submission retried with the same Idempotency-Key starts no second case)` });
    }
    if (err.statusCode === 429) {
      return reply.status(429).send({ error: 'rate_limited', message: err.message });
    }
    if (err.statusCode === 413) {
      return reply.status(413).send({ error: 'payload_too_large', message: err.message, field: 'body' });
    }
    // The body parser's refusals: not JSON, empty, poisoned (__proto__), a content type no route reads.
    if (err.code?.startsWith('FST_ERR_CTP_')) {
      const unsupported = err.statusCode === 415;
      return reply.status(unsupported ? 415 : 400).send({ error: unsupported ? 'unsupported_media_type' : 'invalid_body', message: err.message, field: 'body' });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send({ error: err.code?.toLowerCase() ?? 'bad_request', message: err.message });
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ error: 'internal', message: 'internal error' });
  });
  app.setNotFoundHandler((req) => {
    throw noRoute(req);
  });
});
