import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Operation } from '../../domain/access';
import { principalOf } from '../plugins/auth';
import { ApplicationIdParam, BEARER, CHANGE_ERRORS, DENIED, ErrorSchema } from '../schemas';
import {
  CommentBody,
  CommentPage,
  CommentSchema,
  InspectionBody,
  NotificationIdParam,
  NotificationPage,
  NotificationQuery,
  NotificationSchema,
  ReassignTaskBody,
  TaskCounts,
  TaskCountsQuery,
  TaskDecisionBody,
  TaskIdParam,
  TaskListQuery,
  TaskPage,
  TaskSchema,
  VisitAnswerBody,
  VisitProposalBody,
  VisitResult,
} from './schemas';

const tags = ['tasks'];

const taskRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/tasks',
    {
      config: { operation: Operation.taskRead },
      schema: { summary: 'The task inbox: filters, sorting and keyset paging', tags, security: BEARER, querystring: TaskListQuery, response: { 200: TaskPage, 400: ErrorSchema, ...DENIED } },
    },
    async (req) => app.inbox.list(req.query, principalOf(req)),
  );

  app.get(
    '/tasks/counts',
    {
      config: { operation: Operation.taskRead },
      schema: { summary: 'Counts of active tasks for the inbox badges', tags, security: BEARER, querystring: TaskCountsQuery, response: { 200: TaskCounts, 400: ErrorSchema, ...DENIED } },
    },
    async (req) => app.inbox.counts(req.query, principalOf(req)),
  );

  app.get(
    '/tasks/:id',
    {
      config: { operation: Operation.taskRead },
      schema: { summary: 'One task', tags, security: BEARER, params: TaskIdParam, response: { 200: TaskSchema, 400: ErrorSchema, 404: ErrorSchema, ...DENIED } },
    },
    async (req) => app.inbox.get(req.params.id, principalOf(req)),
  );

  app.post(
    '/tasks/:id/claim',
    {
      config: { operation: Operation.taskClaim, target: 'task' },
      schema: { summary: 'Take a task: one holder at a time (409 names the holder)', tags, security: BEARER, params: TaskIdParam, response: { 200: TaskSchema, ...CHANGE_ERRORS } },
    },
    async (req) => app.inbox.claim(req.params.id, principalOf(req)),
  );

  app.post(
    '/tasks/:id/release',
    {
      config: { operation: [Operation.taskClaim, Operation.taskReassign], target: 'task' },
      schema: { summary: 'Put a task back in the inbox (its holder, or a supervisor)', tags, security: BEARER, params: TaskIdParam, response: { 200: TaskSchema, ...CHANGE_ERRORS } },
    },
    async (req) => app.inbox.release(req.params.id, principalOf(req)),
  );

  app.post(
    '/tasks/:id/reassign',
    {
      config: { operation: Operation.taskReassign, target: 'task' },
      schema: { summary: "Give a task to a named reviewer of the task's office (supervisors)", tags, security: BEARER, params: TaskIdParam, body: ReassignTaskBody, response: { 200: TaskSchema, ...CHANGE_ERRORS } },
    },
    async (req) => app.inbox.reassign(req.params.id, req.body, principalOf(req)),
  );

  app.post(
    '/tasks/:id/decision',
    {
      config: { operation: [Operation.reviewHealth, Operation.reviewTechnical, Operation.renewalReview, Operation.objectionDecide], target: 'task' },
      schema: {
        summary: "Decide a task the caller holds: a review, an application's or a renewal's (approve, reject, return), or an objection to a suspension (upheld, accepted)",
        tags,
        security: BEARER,
        params: TaskIdParam,
        body: TaskDecisionBody,
        response: { 200: TaskSchema, ...CHANGE_ERRORS },
      },
    },
    async (req) => app.inbox.decide(req.params.id, req.body, principalOf(req)),
  );

  app.post(
    '/tasks/:id/inspection',
    {
      config: { operation: Operation.inspectionRecord, target: 'task' },
      schema: {
        summary: "Record an inspection task's result (the municipal inspector holding it): pass, or violations from the table",
        tags,
        security: BEARER,
        params: TaskIdParam,
        body: InspectionBody,
        response: { 200: TaskSchema, ...CHANGE_ERRORS },
      },
    },
    async (req) => app.inbox.recordInspection(req.params.id, req.body, principalOf(req)),
  );

  app.post(
    '/tasks/:id/visit',
    {
      config: { operation: Operation.taskClaim, target: 'task' },
      schema: {
        summary: 'Propose a home-visit time (the inspector holding the technical review)',
        tags,
        security: BEARER,
        params: TaskIdParam,
        body: VisitProposalBody,
        response: { 200: VisitResult, ...CHANGE_ERRORS },
      },
    },
    async (req) => app.inbox.proposeVisit(req.params.id, req.body.slot, principalOf(req)),
  );

  app.post(
    '/applications/:id/visit',
    {
      config: { operation: Operation.applicationCorrect, target: 'application' },
      schema: {
        summary: "Confirm the inspector's proposed visit, or move it (the applicant or their office)",
        tags,
        security: BEARER,
        params: ApplicationIdParam,
        body: VisitAnswerBody,
        response: { 200: VisitResult, ...CHANGE_ERRORS },
      },
    },
    async (req) => app.inbox.answerVisit(req.params.id, req.body, principalOf(req)),
  );

  app.get(
    '/notifications',
    {
      config: { operation: Operation.notificationRead },
      schema: {
        summary: "Escalations: overdue tasks, for the municipality's supervisors and each office's manager",
        tags,
        security: BEARER,
        querystring: NotificationQuery,
        response: { 200: NotificationPage, 400: ErrorSchema, ...DENIED },
      },
    },
    async (req) => app.inbox.notifications(req.query, principalOf(req)),
  );

  app.post(
    '/notifications/:id/acknowledge',
    {
      config: { operation: Operation.notificationAcknowledge },
      schema: {
        summary: 'Mark an escalation as seen (once; the first to acknowledge is kept)',
        tags,
        security: BEARER,
        params: NotificationIdParam,
        response: { 200: NotificationSchema, 400: ErrorSchema, 404: ErrorSchema, ...DENIED },
      },
    },
    async (req) => app.inbox.acknowledge(req.params.id, principalOf(req)),
  );

  app.get(
    '/applications/:id/comments',
    {
      config: { operation: Operation.commentRead },
      schema: { summary: "Staff's comments on a case, in order", tags, security: BEARER, params: ApplicationIdParam, response: { 200: CommentPage, 400: ErrorSchema, 404: ErrorSchema, ...DENIED } },
    },
    async (req) => app.inbox.comments(req.params.id, principalOf(req)),
  );

  app.post(
    '/applications/:id/comments',
    {
      config: { operation: Operation.commentWrite, target: 'application' },
      schema: { summary: 'Comment on a case (staff only; the applicant does not see it)', tags, security: BEARER, params: ApplicationIdParam, body: CommentBody, response: { 201: CommentSchema, 400: ErrorSchema, 404: ErrorSchema, ...DENIED } },
    },
    async (req, reply) => reply.status(201).send(await app.inbox.comment(req.params.id, req.body, principalOf(req))),
  );
};

export default taskRoutes;
