// The one JSON view of each inbox resource: a task, a notification, a comment.
import { ACTIVE_TASK_STATUSES, type CommentRow, type NotificationRow, type TaskRow } from './store';

export const isActiveTask = (t: TaskRow) => (ACTIVE_TASK_STATUSES as readonly string[]).includes(t.status);

export function taskView(t: TaskRow) {
  return {
    id: t.id,
    applicationId: t.applicationId,
    licenseNumber: t.licenseNumber,
    kind: t.kind,
    requiredRole: t.requiredRole,
    officeId: t.officeId,
    status: t.status,
    assignee: t.assignee,
    priority: t.priority,
    round: t.round,
    createdAt: t.createdAt.toISOString(),
    dueAt: t.dueAt.toISOString(),
    overdue: isActiveTask(t) && t.dueAt.getTime() < Date.now(),
    claimedAt: t.claimedAt?.toISOString() ?? null,
    decidedAt: t.decidedAt?.toISOString() ?? null,
    decision: t.decision,
    reasons: t.reasons,
    comment: t.comment,
    licenseKind: t.licenseKind,
    tradeName: t.tradeName,
    crNumber: t.crNumber,
  };
}

export function notificationView(n: NotificationRow) {
  return {
    id: n.id,
    kind: n.kind,
    officeId: n.officeId,
    applicationId: n.applicationId,
    taskId: n.taskId,
    messageAr: n.messageAr,
    messageEn: n.messageEn,
    createdAt: n.createdAt.toISOString(),
    acknowledgedAt: n.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: n.acknowledgedBy,
  };
}

export function commentView(c: CommentRow) {
  return { id: c.id, authorId: c.authorId, authorName: c.authorName, authorRoles: c.authorRoles, body: c.body, at: c.at.toISOString() };
}
