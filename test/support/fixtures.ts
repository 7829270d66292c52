// Realistic application bodies and API helpers for the tests.
import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { withSaudiIdCheckDigit } from '../../domain/identifiers';
import type { ApplicationBody, ReviewDecisionBody } from '../../api/applications/schemas';
import { authHeaders, waitFor, type Who } from './env';

const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');

/**
 * A CR number whose last digit picks the simulator's answer: 7 Labor Office
 * non-compliant, 8 Zakat non-compliant, 9 both, anything in 0–5 compliant.
 */
export function crNumber(lastDigit: number = randomInt(6)): string {
  return `2250${digits(5)}${lastDigit}`;
}

export function nationalId(): string {
  return withSaudiIdCheckDigit(`1${digits(8)}`);
}

const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);

/** A café (health review needed), complete on first submission. */
export function healthApplication(overrides: Partial<ApplicationBody> = {}): ApplicationBody {
  return {
    applicant: { nationalId: nationalId(), name: 'سعد بن علي الحربي', mobile: `05${digits(8)}`, role: 'owner' },
    establishment: {
      crNumber: crNumber(),
      tradeName: 'مقهى الواحة',
      isicCode: '563001',
      district: 'Al-Mubarraz',
      location: { lat: 25.4, lng: 49.58 },
      areaSqm: 80,
    },
    licenseKind: 'health',
    documents: [
      { type: 'storefront_photo', reference: 'doc-photo-1' },
      { type: 'lease_or_deed', reference: 'doc-lease-1' },
      { type: 'building_permit', reference: 'doc-permit-1' },
      { type: 'civil_defense', reference: 'doc-cd-1', expiresOn: inAYear() },
      { type: 'cleaning_contract', reference: 'doc-clean-1', expiresOn: inAYear() },
    ],
    workers: [{ name: 'Ahmed Karim', healthCertificateNumber: `HC-${digits(7)}`, healthCertificateExpiry: inAYear() }],
    ...overrides,
  };
}

/** A clothing shop (technical review only), complete on first submission. */
export function commercialApplication(overrides: Partial<ApplicationBody> = {}): ApplicationBody {
  return {
    applicant: { nationalId: nationalId(), name: 'Noura Al-Qahtani', mobile: `+9665${digits(8)}`, role: 'owner' },
    establishment: {
      crNumber: crNumber(),
      tradeName: 'Noura Fashion',
      isicCode: '477101',
      district: 'Al-Hofuf',
      location: { lat: 25.38, lng: 49.59 },
      areaSqm: 120,
    },
    licenseKind: 'commercial',
    requestedTermYears: 3,
    documents: [
      { type: 'storefront_photo', reference: 'doc-photo-2' },
      { type: 'lease_or_deed', reference: 'doc-lease-2' },
      { type: 'building_permit', reference: 'doc-permit-2' },
      { type: 'civil_defense', reference: 'doc-cd-2', expiresOn: inAYear() },
    ],
    ...overrides,
  };
}

/** Files as office A's clerk unless told otherwise. */
export async function submit(api: FastifyInstance, body: unknown, idempotencyKey?: string, who: Who = 'clerk') {
  const res = await api.inject({
    method: 'POST',
    url: '/applications',
    payload: body as object,
    headers: { ...(await authHeaders(api, who)), ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
  });
  return res;
}

/** A request as one of the environment's people. */
export async function call(
  api: FastifyInstance,
  who: Who,
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  payload?: unknown,
) {
  return api.inject({ method, url, headers: await authHeaders(api, who), ...(payload === undefined ? {} : { payload: payload as object }) });
}

export async function submitOk(api: FastifyInstance, body: ApplicationBody): Promise<string> {
  const res = await submit(api, body);
  if (res.statusCode !== 201) throw new Error(`submit answered ${res.statusCode}: ${res.body}`);
  return res.json<{ id: string }>().id;
}

export async function getApp(api: FastifyInstance, id: string) {
  // The supervisor sees every case, wherever it is filed.
  const res = await call(api, 'supervisor', 'GET', `/applications/${id}`);
  if (res.statusCode !== 200) throw new Error(`GET ${id} answered ${res.statusCode}: ${res.body}`);
  return res.json<Record<string, any>>();
}

/** Waits until the projection shows the predicate true; returns that view. */
export function waitForApp(api: FastifyInstance, id: string, what: string, pred: (a: Record<string, any>) => boolean, timeoutMs = 30_000) {
  return waitFor(`${id} ${what}`, async () => {
    const a = await getApp(api, id);
    return pred(a) ? a : undefined;
  }, { timeoutMs });
}

export const waitForStage = (api: FastifyInstance, id: string, stage: string, timeoutMs?: number) =>
  waitForApp(api, id, `stage ${stage}`, (a) => a.stage === stage, timeoutMs);

/** The review task of that kind in the case's current round (the case must exist: a failed read fails the test). */
export async function reviewTask(api: FastifyInstance, id: string, kind: 'health' | 'technical'): Promise<string> {
  const { round } = await getApp(api, id);
  if (!Number.isInteger(round)) throw new Error(`${id} has no round: ${JSON.stringify(round)}`);
  return `${id}:${kind}:${round}`;
}

/**
 * Claims the review task, then decides it, as office A's reviewer of that kind
 * unless told otherwise. A claim the workflow refuses is left for the decision
 * to report (the tests of refusals read the decision's answer).
 */
export async function decide(api: FastifyInstance, id: string, body: ReviewDecisionBody, who: Who = body.kind === 'health' ? 'health' : 'inspector') {
  await call(api, who, 'POST', `/tasks/${await reviewTask(api, id, body.kind)}/claim`);
  return call(api, who, 'POST', `/applications/${id}/reviews`, body);
}

export const approve = (kind: 'health' | 'technical'): ReviewDecisionBody => ({ kind, decision: 'approve' });

/** Waits for the case to wait on reviewers, then approves every review it needs. */
export async function approveAll(api: FastifyInstance, id: string): Promise<void> {
  const a = await waitForStage(api, id, 'review');
  const kinds: ('health' | 'technical')[] = a.healthReviewRequired ? ['health', 'technical'] : ['technical'];
  for (const k of kinds) {
    const res = await decide(api, id, approve(k));
    if (res.statusCode !== 200) throw new Error(`approve ${k} answered ${res.statusCode}: ${res.body}`);
  }
}

/**
 * A commercial case the Labor Office holds as not compliant (the simulator's CR ending in 7), on hold after its
 * technical approval: it waits for its next recheck, or for an operator's.
 */
export async function heldByLaborOffice(api: FastifyInstance): Promise<{ id: string; cr: string }> {
  const cr = crNumber(7);
  const body = commercialApplication();
  const id = await submitOk(api, { ...body, establishment: { ...body.establishment, crNumber: cr } });
  await waitForStage(api, id, 'review');
  await decide(api, id, approve('technical'));
  await waitForStage(api, id, 'on_hold');
  return { id, cr };
}
