// The chaos run's load: N applications filed through the API by an office
// clerk, the office's reviewers working their inboxes, the clerk answering
// correction requests, an agency clearing some establishments it had on
// hold, and the applicant paying each invoice at the bank (the simulator's
// gateway, which notifies every payment twice). Every call goes through the API and is retried while the API is down
// or answers 5xx, as a real client does; a submission is retried with the
// same Idempotency-Key, so a retry after a kill must not create a second case.
import type { ApplicationBody } from '../../api/applications/schemas';
import type { JsonResponse } from '../../integrations/http';
import type { ExclusionReason, Status } from '../../domain/status';
import { commercialApplication, crNumber, healthApplication } from '../../test/support/fixtures';
import { ApiClient, pool, sleep, workInbox } from '../bots';
import { waitFor } from '../wait';

/** How each case is meant to go. */
export type PathKind =
  | 'clean' // complete, compliant, approved: issued
  | 'corrected' // filed without a document, corrected in time: issued
  | 'incomplete' // filed without a document, never corrected: excluded when the deadline passes
  | 'returned' // the inspector returns it, the clerk corrects it, round 2 approved: issued
  | 'rejected' // the inspector rejects it
  | 'held_fixed' // Labor Office non-compliant: on hold, then the agency clears it: issued
  | 'held_excluded'; // Labor Office non-compliant and never cleared: excluded when the hold ends

/**
 * Shares of the cases that take a path other than straight to issuance (the
 * rest, about 76 %, are clean): most cases are issued, as in the Amanah's year.
 * Each path gets at least one case, so even the short round walks them all.
 */
const PATH_SHARES: Record<Exclude<PathKind, 'clean'>, number> = {
  corrected: 0.05,
  incomplete: 0.03,
  returned: 0.04,
  rejected: 0.03,
  held_fixed: 0.05,
  held_excluded: 0.04,
};

const EXPECTED: Record<PathKind, { status: Status; exclusionReason?: ExclusionReason }> = {
  clean: { status: 'issued' },
  corrected: { status: 'issued' },
  incomplete: { status: 'excluded', exclusionReason: 'incomplete' },
  returned: { status: 'issued' },
  rejected: { status: 'rejected' },
  held_fixed: { status: 'issued' },
  held_excluded: { status: 'excluded', exclusionReason: 'conditions' },
};

/** The simulator's Labor Office answers non-compliant for a CR number ending in 7. */
const LABOR_NON_COMPLIANT_DIGIT = 7;

export interface Plan {
  index: number;
  path: PathKind;
  /** The same body and key on every attempt: a retry must be the same request. */
  body: ApplicationBody;
  idempotencyKey: string;
  expect: { status: Status; exclusionReason?: ExclusionReason };
  /** Set from the 201. */
  id?: string;
}

/** A small seeded generator (mulberry32): the same --seed gives the same order of paths. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bodyFor(path: PathKind, index: number): ApplicationBody {
  const withoutCivilDefense = () => {
    const b = healthApplication();
    return { ...b, documents: b.documents.filter((d) => d.type !== 'civil_defense') };
  };
  switch (path) {
    case 'corrected':
    case 'incomplete':
      return withoutCivilDefense();
    case 'returned':
    case 'rejected':
      // Technical review only: the inspector's decision is the case's.
      return commercialApplication();
    case 'held_fixed':
    case 'held_excluded': {
      const b = healthApplication();
      return { ...b, establishment: { ...b.establishment, crNumber: crNumber(LABOR_NON_COMPLIANT_DIGIT) } };
    }
    case 'clean':
      // Three cafés (health and technical review) to two shops (technical only).
      return index % 5 < 3 ? healthApplication() : commercialApplication();
  }
}

export function planCases(count: number, seed: number, runId: string): Plan[] {
  const paths: PathKind[] = [];
  for (const [path, share] of Object.entries(PATH_SHARES) as [PathKind, number][]) {
    for (let i = 0; i < Math.max(1, Math.round(count * share)); i++) paths.push(path);
  }
  if (paths.length > count) throw new Error(`chaos: ${count} cases are too few for every path (at least ${paths.length + 1})`);
  while (paths.length < count) paths.push('clean');
  const random = seededRandom(seed);
  for (let i = paths.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [paths[i], paths[j]] = [paths[j]!, paths[i]!];
  }
  return paths.map((path, index) => ({ index, path, body: bodyFor(path, index), idempotencyKey: `chaos-${runId}-${index}`, expect: EXPECTED[path] }));
}

export type Who = 'clerk' | 'health' | 'inspector';

/** Between retries of a call the API could not take: quick at first, then not hammering a restarting API. */
const RETRY_INITIAL_MS = 200;
const RETRY_MAX_MS = 2_000;
/** Longer than any outage the run makes (a Temporal restart with a worker bundling is the longest): a bot gives up only when the system does not come back. */
const RETRY_DEADLINE_MS = 180_000;
/** Reviewers look at their inbox this often (people would look less often; the run wants cases to move). */
const REVIEW_POLL_MS = 500;
/** The clerk and the agency look at their lists this often. */
const FOLLOW_UP_POLL_MS = 1_000;

/** A call the API could not take for now: it is restarting (no connection), cut off from Temporal or PostgreSQL (5xx), or rate limiting. */
const notNow = (res: JsonResponse) => res.status >= 500 || res.status === 429;

export class Load {
  /** Every case the API answered 201 for, by its id. */
  readonly acknowledged = new Map<string, Plan>();
  /** Calls made again after the API could not take them. */
  retries = 0;
  /** Bot steps that could not be done before RETRY_DEADLINE_MS: the system did not come back. */
  readonly gaveUp: string[] = [];
  private running = true;
  private readonly cleared = new Set<string>();
  /** Bills paid at the bank: a bill is paid once, whatever the polls see meanwhile. */
  readonly paidBills = new Set<string>();
  private bots: Promise<void>[] = [];

  constructor(
    private readonly api: ApiClient<Who>,
    private readonly simulatorUrl: string,
    /** Whether a case is closed, as PostgreSQL showed it at the last look. */
    private readonly isClosed: (id: string) => boolean,
  ) {}

  /** Calls until the API takes the call (any answer but "not now"), or throws after RETRY_DEADLINE_MS. */
  private async persist(what: string, call: () => Promise<JsonResponse>): Promise<JsonResponse> {
    const deadline = Date.now() + RETRY_DEADLINE_MS;
    let delay = RETRY_INITIAL_MS;
    for (;;) {
      let last: string;
      try {
        const res = await call();
        if (!notNow(res)) return res;
        last = `${res.status} ${res.body.slice(0, 200)}`;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`${what}: no answer but "not now" for ${RETRY_DEADLINE_MS / 1000} s (last: ${last})`);
      this.retries++;
      await sleep(delay);
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }

  /** Runs `f`; a step that fails is noted (a violation), not thrown: the other cases go on. */
  private async noted(what: string, f: () => Promise<void>): Promise<void> {
    try {
      await f();
    } catch (err) {
      this.gaveUp.push(`${what}: ${(err as Error).message}`);
    }
  }

  /**
   * Files every plan, `concurrency` in flight: each submitter files a case and
   * waits until it closes before filing the next, so the load lasts as long
   * as the faults need it to and follows the system's pace, not a clock.
   */
  submitAll(plans: Plan[], concurrency: number, caseTimeoutMs: number): Promise<void> {
    return pool(plans.length, concurrency, async (i) => {
      const plan = plans[i]!;
      await this.noted(`submit case #${plan.index}`, async () => {
        const res = await this.persist(`submit case #${plan.index}`, () =>
          this.api.call('clerk', 'POST', '/applications', plan.body, { 'idempotency-key': plan.idempotencyKey }),
        );
        if (res.status !== 201) throw new Error(`answered ${res.status}: ${res.body}`);
        plan.id = (JSON.parse(res.body) as { id: string }).id;
        this.acknowledged.set(plan.id, plan);
      });
      if (!plan.id) return;
      const id = plan.id;
      // Not closing in time is for the final check to count; this submitter goes on with the next case.
      await waitFor(`${id} to close`, () => this.isClosed(id), { timeoutMs: caseTimeoutMs, intervalMs: 250 }).catch(() => undefined);
    });
  }

  /** Starts the reviewers, the clerk's corrections and the agency's clearances; they run until stop(). */
  startBots(): void {
    this.bots = [
      this.inbox('health reviewer', 'health', '/tasks?kind=health_review', REVIEW_POLL_MS, (id) => this.review('health', id)),
      this.inbox('technical inspector', 'inspector', '/tasks?kind=technical_review', REVIEW_POLL_MS, (id) => this.review('inspector', id)),
      this.inbox('clerk', 'clerk', '/applications?stage=awaiting_correction', FOLLOW_UP_POLL_MS, (id) => this.correct(id)),
      this.inbox('Labor Office', 'clerk', '/applications?stage=on_hold', FOLLOW_UP_POLL_MS, (id) => this.clear(id)),
      this.inbox('payer', 'clerk', '/applications?stage=awaiting_payment', FOLLOW_UP_POLL_MS, (id) => this.pay(id)),
    ];
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.bots);
  }

  private inbox(who: string, as: Who, path: string, pollMs: number, work: (id: string) => Promise<void>): Promise<void> {
    return this.noted(`${who}'s list`, () =>
      workInbox({
        list: async () => (await this.api.listAll<{ id: string }>(as, path, (get) => this.persist(`${who}: GET ${path}`, get))).map((x) => x.id),
        work: (id) => this.noted(`${who}: ${id}`, () => work(id)),
        pollMs,
        running: () => this.running,
      }),
    );
  }

  /**
   * Claims the task and decides it as the case's plan says. A 409 is an
   * answer, not a failure: the task closed meanwhile, or an earlier attempt
   * whose answer was lost with a killed API went through.
   */
  private async review(as: 'health' | 'inspector', taskId: string): Promise<void> {
    const [applicationId, kind, round] = taskId.split(':') as [string, 'health' | 'technical', string];
    const plan = this.acknowledged.get(applicationId);
    // Its submitter has not had the 201 yet (the API was killed after starting the case): the next poll.
    if (!plan) return;
    const claim = await this.persist(`claim ${taskId}`, () => this.api.call(as, 'POST', `/tasks/${taskId}/claim`));
    if (claim.status === 409) return;
    if (claim.status !== 200) throw new Error(`claim answered ${claim.status}: ${claim.body}`);
    const decision = await this.persist(`decide ${taskId}`, () => this.api.call(as, 'POST', `/tasks/${taskId}/decision`, decisionFor(plan, kind, Number(round))));
    if (decision.status !== 200 && decision.status !== 409) throw new Error(`decision answered ${decision.status}: ${decision.body}`);
  }

  /** The clerk sends what the case lacks; a case meant to be excluded as incomplete is left to its deadline. */
  private async correct(id: string): Promise<void> {
    const plan = this.acknowledged.get(id);
    if (!plan || plan.path === 'incomplete') return;
    const body =
      plan.path === 'returned'
        ? { documents: [{ type: 'storefront_photo', reference: `photo-kitchen-${plan.index}` }], note: 'kitchen photo attached' }
        : { documents: [{ type: 'civil_defense', reference: `cd-${plan.index}`, expiresOn: inAYear() }], note: 'civil-defense certificate attached' };
    const res = await this.persist(`correct ${id}`, () => this.api.call('clerk', 'POST', `/applications/${id}/corrections`, body));
    // 409: no longer awaiting a correction, because an earlier attempt went through.
    if (res.status !== 200 && res.status !== 409) throw new Error(`correction answered ${res.status}: ${res.body}`);
  }

  /**
   * The applicant pays the case's open invoice at the bank, once: the
   * gateway's notification (or, lost, the reconciliation) moves the case on.
   */
  private async pay(id: string): Promise<void> {
    if (!this.acknowledged.has(id)) return;
    const res = await this.persist(`read ${id}`, () => this.api.call('clerk', 'GET', `/applications/${id}`));
    if (res.status !== 200) throw new Error(`case answered ${res.status}: ${res.body}`);
    const open = ((JSON.parse(res.body) as { invoices: InvoiceSeen[] }).invoices ?? []).find((i) => i.status === 'open');
    if (!open || this.paidBills.has(open.billNumber)) return;
    const paid = await fetch(`${this.simulatorUrl}/_control/payments/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ billNumber: open.billNumber }),
    });
    // 409 bill_paid: paid already (an answer lost); anything else is the simulator's trouble, for the next poll.
    if (paid.status !== 201 && paid.status !== 409) throw new Error(`the gateway answered ${paid.status} to paying ${open.billNumber}: ${await paid.text()}`);
    this.paidBills.add(open.billNumber);
  }

  /** The Labor Office clears an establishment it had as non-compliant: the case's next recheck finds it compliant. */
  private async clear(id: string): Promise<void> {
    const plan = this.acknowledged.get(id);
    if (!plan || plan.path !== 'held_fixed' || this.cleared.has(id)) return;
    const cr = plan.body.establishment.crNumber;
    const res = await fetch(`${this.simulatorUrl}/_control/labor/establishments/${cr}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ compliant: true }),
    });
    if (!res.ok) throw new Error(`simulator answered ${res.status} to clearing ${cr}`);
    this.cleared.add(id);
  }
}

/** What a case's view shows of its invoices. */
type InvoiceSeen = { id: string; billNumber: string; status: string };

export interface PayingLoad {
  paidBills: ReadonlySet<string>;
}

const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);

function decisionFor(plan: Plan, kind: 'health' | 'technical', round: number): Record<string, unknown> {
  if (kind === 'technical' && plan.path === 'returned' && round === 1) {
    return {
      decision: 'return',
      comment: 'the kitchen extractor is not shown',
      deficiencies: [{ code: 'PHOTO_KITCHEN', field: 'documents/storefront_photo', messageAr: 'أرفق صورة المطبخ', messageEn: 'Attach a photo of the kitchen' }],
    };
  }
  if (kind === 'technical' && plan.path === 'rejected') return { decision: 'reject', reasons: ['SITE_UNSUITABLE'], comment: 'the site is a residential unit' };
  return { decision: 'approve' };
}
