// The one error handler's mapping of Temporal's transient gRPC failures, as
// the client throws them once its own retries are spent: 503 with Retry-After,
// never a 500. (The unreachable case runs against a real dead port in api.test.ts.)
import Fastify from 'fastify';
import { ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import errors from '../api/errors';

/** gRPC status codes (the client's dependency, not ours). */
const status = { DEADLINE_EXCEEDED: 4, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14, INVALID_ARGUMENT: 3 } as const;
const grpcError = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });

const thrown: Record<string, () => Error> = {
  busy: () => new ServiceError('Workflow Update failed', { cause: grpcError(status.RESOURCE_EXHAUSTED, 'Workflow is busy.') }),
  slow: () => new WorkflowUpdateRPCTimeoutOrCancelledError('Workflow update call timeout or cancelled', { cause: grpcError(status.DEADLINE_EXCEEDED, 'deadline exceeded') }),
  down: () => new ServiceError('Failed to start Workflow', { cause: grpcError(status.UNAVAILABLE, 'No connection established') }),
  bug: () => new ServiceError('Workflow Update failed', { cause: grpcError(status.INVALID_ARGUMENT, 'bad request') }),
};

describe('Temporal errors over HTTP', async () => {
  const app = Fastify({ logger: false });
  await app.register(errors);
  app.get('/fail/:kind', async (req) => {
    throw thrown[(req.params as { kind: string }).kind]!();
  });
  await app.ready();
  afterAll(() => app.close());

  it.each([
    ['busy', 'the workflow service is busy'],
    ['slow', 'the workflow service did not answer in time'],
    ['down', 'the workflow service is not reachable'],
  ])('%s: 503 with Retry-After and why', async (kind, why) => {
    const res = await app.inject({ method: 'GET', url: `/fail/${kind}` });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json()).toMatchObject({ error: 'temporarily_unavailable' });
    expect(res.json().message).toContain(why);
  });

  it('a failure retrying cannot fix stays a 500', async () => {
    const res = await app.inject({ method: 'GET', url: '/fail/bug' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: 'internal', message: 'internal error' });
  });
});
