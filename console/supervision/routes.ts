// The municipality supervisor's screens: the offices and each one's
// accreditation file, its decision and standing, the accreditation rounds,
// moving cases between offices, and giving a task to another reviewer. Each
// change calls the service its API route calls (app.offices, app.inbox,
// app.applications) with the body that route's schema checks, so access
// policy, audit and validation are the API's own; a refusal comes back on the
// page that sent it.
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static, type TObject } from '@sinclair/typebox';
import { ReassignBody } from '../../api/applications/schemas';
import { HttpError, validationRefusal } from '../../api/errors';
import { ReassignTaskBody } from '../../api/inbox/schemas';
import { DecisionBody, ReassignCasesBody, RoundBody, StandingBody } from '../../api/offices/schemas';
import { can, Operation, OFFICE_STATUSES, type OfficeStatus, type Principal } from '../../domain/access';
import { CSRF_FIELD, signedIn, type ConsoleSession } from '../auth/plugin';
import type { MessageKey } from '../catalogue';
import { html, layout, type Html } from '../html';
import { localeOf, words, type Words } from '../i18n';
import { refusalOf } from '../refusal';
import { bulkMoved, CONFIRMED, movePage, officeLink, officeList, officePage, reassignLink, reassignPage, roundsPage, SUPERVISION, type Notice, type OfficeFile } from './views';

/** Offices one list shows: the API's most; an Amanah accredits tens. */
const OFFICES_MAX = 500;
/** An office's open cases on its page: enough to pick one to move; moving them all is one form. */
const CASES_SHOWN = 25;

type Target = 'application' | 'office' | 'round' | 'task';
type Params = { id?: string };
type Screen = (req: FastifyRequest<{ Params: Params }>, reply: FastifyReply, session: ConsoleSession, notice?: Notice, status?: number) => Promise<FastifyReply>;

const send = (reply: FastifyReply, status: number, body: string) => reply.status(status).header('content-type', 'text/html; charset=utf-8').send(body);
const isNotFound = (err: unknown) => err instanceof HttpError && err.statusCode === 404;

/** The API route's body, as a form sends it: plus the session's CSRF token and a confirmation box. */
const formOf = (body: TObject) =>
  Type.Object({ ...body.properties, [CSRF_FIELD]: Type.String(), confirm: Type.Optional(Type.Literal(CONFIRMED)) }, { additionalProperties: false });

interface Change<S extends TObject> {
  url: string;
  operation: Operation;
  target: Target;
  /** The API route's own body schema. */
  body: S;
  /** A confirmation the form asks for before the service is: the refusal's words when it is missing. */
  unconfirmed?: (body: Static<S>, confirmed: boolean) => MessageKey | undefined;
  /** Asks the service: where to go next, or what to say on the page. */
  act: (id: string, body: Static<S>, p: Principal, req: FastifyRequest, w: Words) => Promise<string | Html>;
  /** The page the form is on, with the refusal or the outcome on top. */
  screen: Screen;
}

function change<S extends TObject>(app: FastifyInstance, c: Change<S>) {
  app.post<{ Params: Params; Body: Record<string, unknown> }>(
    c.url,
    // operation and target: what the audit row says, as for the API's route (the session, not the API's hook, is checked here).
    { config: { public: true, operation: c.operation, target: c.target }, schema: { hide: true, body: formOf(c.body) }, attachValidation: true },
    async (req, reply) => {
      const session = signedIn(req, reply, c.operation);
      if (!session) return reply;
      const w = words(localeOf(req, reply));
      if (req.validationError) return c.screen(req, reply, session, { refused: validationRefusal(req.validationError).message }, 400);
      const { [CSRF_FIELD]: _csrf, confirm, ...body } = req.body;
      const unconfirmed = c.unconfirmed?.(body as Static<S>, confirm === CONFIRMED);
      if (unconfirmed) return c.screen(req, reply, session, { refused: w.t(unconfirmed) }, 400);
      try {
        const next = await c.act(req.params.id ?? '', body as Static<S>, session.principal, req, w);
        return typeof next === 'string' ? reply.redirect(next, 303) : c.screen(req, reply, session, { done: next });
      } catch (err) {
        const refusal = refusalOf(err);
        if (refusal === undefined) throw err;
        return c.screen(req, reply, session, { refused: refusal }, err instanceof HttpError ? err.statusCode : 409);
      }
    },
  );
}

const supervisionPages: FastifyPluginAsync = async (app) => {
  // A form's empty field is a field left out (an optional reason, "spread over the offices"), as the API's JSON would leave it.
  app.addHook('preValidation', async (req) => {
    if (req.method !== 'POST' || !req.body || typeof req.body !== 'object') return;
    const form = req.body as Record<string, unknown>;
    for (const [k, v] of Object.entries(form)) {
      if (typeof v !== 'string') continue;
      if (v.trim() === '') delete form[k];
      else form[k] = v.trim();
    }
  });

  const page = (req: FastifyRequest, reply: FastifyReply, status: number, title: MessageKey, path: string, body: Html, home = '/console/offices') =>
    send(reply, status, layout(words(localeOf(req, reply)), { title, path, body, home }));
  const notFound = (req: FastifyRequest, reply: FastifyReply, title: MessageKey, path: string, message: string) =>
    page(req, reply, 404, title, path, html`<div class="panel bad" role="status"><h2>${message}</h2></div>`);

  app.get('/console/offices', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, SUPERVISION);
    if (!session) return reply;
    const asked = (req.query as { status?: unknown }).status;
    const status = (OFFICE_STATUSES as readonly unknown[]).includes(asked) ? (asked as OfficeStatus) : undefined;
    const { items } = await app.offices.list({ status, limit: OFFICES_MAX }, session.principal);
    const w = words(localeOf(req, reply));
    return page(req, reply, 200, 'offices.title', '/console/offices', officeList(w, items, status, can(session.principal, Operation.roundManage)), '/console');
  });

  const officeScreen: Screen = async (req, reply, session, notice, status = 200) => {
    const id = req.params.id ?? '';
    const p = session.principal;
    const office = await app.offices.get(id, p).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
    // Only the municipality reaches this page, and it sees every office's file.
    if (!office || !('staff' in office)) return notFound(req, reply, 'office.title', officeLink(id), `no office ${id}`);
    const [cases, others] = await Promise.all([
      app.applications.list({ officeId: id, status: 'in_progress', limit: CASES_SHOWN }, p),
      can(p, Operation.applicationReassign) ? app.offices.list({ status: 'accredited', limit: OFFICES_MAX }, p) : { items: [] },
    ]);
    const w = words(localeOf(req, reply));
    const body = officePage(w, session, office as OfficeFile, cases.items, others.items.filter((o) => o.id !== id), notice);
    return page(req, reply, status, 'office.title', officeLink(id), body);
  };

  app.get<{ Params: Params }>('/console/offices/:id', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, SUPERVISION);
    if (!session) return reply;
    return officeScreen(req, reply, session);
  });

  const roundsScreen: Screen = async (req, reply, session, notice, status = 200) => {
    const { items } = await app.offices.rounds();
    return page(req, reply, status, 'rounds.title', '/console/accreditation-rounds', roundsPage(words(localeOf(req, reply)), session, items, notice));
  };

  app.get('/console/accreditation-rounds', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, SUPERVISION);
    if (!session) return reply;
    return roundsScreen(req as FastifyRequest<{ Params: Params }>, reply, session);
  });

  const moveScreen: Screen = async (req, reply, session, notice, status = 200) => {
    const id = req.params.id ?? '';
    const p = session.principal;
    const path = `/console/applications/${encodeURIComponent(id)}/office`;
    const c = await app.applications.get(id, p).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
    if (!c) return notFound(req, reply, 'move.title', path, `no application ${id}`);
    const [from, accredited] = await Promise.all([
      c.officeId ? app.offices.get(c.officeId, p).catch(() => undefined) : undefined,
      app.offices.list({ status: 'accredited', limit: OFFICES_MAX }, p),
    ]);
    const body = movePage(words(localeOf(req, reply)), session, c, from, accredited.items.filter((o) => o.id !== c.officeId), notice);
    return page(req, reply, status, 'move.title', path, body);
  };

  app.get<{ Params: Params }>('/console/applications/:id/office', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.applicationReassign);
    if (!session) return reply;
    return moveScreen(req, reply, session);
  });

  const reassignScreen: Screen = async (req, reply, session, notice, status = 200) => {
    const id = req.params.id ?? '';
    const p = session.principal;
    const task = await app.inbox.get(id, p).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
    if (!task) return notFound(req, reply, 'reassign.title', reassignLink(id), `no task ${id}`);
    // A case filed without an office has nobody to give its task to.
    const office = task.officeId ? ((await app.offices.get(task.officeId, p)) as OfficeFile) : undefined;
    const body = reassignPage(words(localeOf(req, reply)), session, task, office, notice);
    return page(req, reply, status, 'reassign.title', reassignLink(id), body, `/console/tasks/${encodeURIComponent(id)}`);
  };

  app.get<{ Params: Params }>('/console/tasks/:id/reassign', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const session = signedIn(req, reply, Operation.taskReassign);
    if (!session) return reply;
    return reassignScreen(req, reply, session);
  });

  // The same services, operations and bodies as POST /tasks/:id/reassign, /applications/:id/office,
  // /offices/:id/decision, /offices/:id/standing, /offices/:id/reassign-cases and /accreditation-rounds.
  change(app, {
    url: '/console/tasks/:id/reassign',
    operation: Operation.taskReassign,
    target: 'task',
    body: ReassignTaskBody,
    act: async (id, body, p) => (await app.inbox.reassign(id, body, p), `/console/tasks/${encodeURIComponent(id)}`),
    screen: reassignScreen,
  });
  change(app, {
    url: '/console/applications/:id/office',
    operation: Operation.applicationReassign,
    target: 'application',
    body: ReassignBody,
    // To the office that has it now, where it is listed among the open cases.
    act: async (id, body, p) => (await app.applications.reassign(id, body, p), officeLink(body.officeId)),
    screen: moveScreen,
  });
  change(app, {
    url: '/console/offices/:id/decision',
    operation: Operation.officeDecide,
    target: 'office',
    body: DecisionBody,
    act: async (id, body, p) => (await app.offices.decide(id, body, p), officeLink(id)),
    screen: officeScreen,
  });
  change(app, {
    url: '/console/offices/:id/standing',
    operation: Operation.officeStanding,
    target: 'office',
    body: StandingBody,
    // A revocation cannot be undone: the form asks for it twice.
    unconfirmed: (body, confirmed) => (body.action === 'revoke' && !confirmed ? 'standing.confirmNeeded' : undefined),
    act: async (id, body, p) => (await app.offices.changeStanding(id, body, p), officeLink(id)),
    screen: officeScreen,
  });
  change(app, {
    url: '/console/offices/:id/reassign-cases',
    operation: Operation.applicationReassign,
    target: 'office',
    body: ReassignCasesBody,
    unconfirmed: (_body, confirmed) => (confirmed ? undefined : 'bulk.confirmNeeded'),
    act: async (id, body, p, _req, w) => bulkMoved(w, await app.offices.reassignCases(id, body, p)),
    screen: officeScreen,
  });
  change(app, {
    url: '/console/accreditation-rounds',
    operation: Operation.roundManage,
    target: 'round',
    body: RoundBody,
    act: async (_id, body, _p, req) => {
      // The API's answer names the round for its audit row; a redirect has no body to name it, so the details do.
      req.auditDetails = { roundId: body.id };
      await app.offices.createRound(body);
      return '/console/accreditation-rounds';
    },
    screen: roundsScreen,
  });
};

export default supervisionPages;
