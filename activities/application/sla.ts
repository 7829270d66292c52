// Task SLAs: when a task is due and when to remind, in working days from the
// task_slas and holidays tables; and the notes to the office that a task is
// nearly due or overdue (an SMS to the office's registered mobile).
import { sql, type SQL } from 'drizzle-orm';
import { addWorkingDays, riyadhDateTime, type WorkCalendar } from '../../domain/calendar';
import type { TaskKind } from '../../domain/status';
import type { Db } from '../../db/client';
import { holidays, taskSlas } from '../../db/schema';

export interface TaskSchedule {
  dueAt: string;
  remindAt: string;
}

const KIND_NAMES: Record<string, [ar: string, en: string]> = {
  health_review: ['المراجعة الصحية', 'health review'],
  technical_review: ['المراجعة الفنية', 'technical review'],
  objection_review: ['مراجعة الاعتراض', 'objection review'],
  inspection: ['الرقابة الدورية', 'periodic inspection'],
};

type Note = { taskId: string; kind: TaskKind; what: 'reminder' | 'overdue'; dueAt: string };

/** A reminder's or an escalation's words, about a task of `subject` (an application, a license). */
function noteText(input: Note, subject: { ar: string; en: string }) {
  const [ar, en] = KIND_NAMES[input.kind] ?? [input.kind, input.kind];
  const due = riyadhDateTime(new Date(input.dueAt));
  return input.what === 'reminder'
    ? { ar: `تذكير: ${ar} ${subject.ar} مستحقة في ${due}.`, en: `Reminder: the ${en} of ${subject.en} is due ${due}.` }
    : { ar: `تأخير: ${ar} ${subject.ar} تجاوزت موعدها (${due}) وصُعّدت.`, en: `Overdue: the ${en} of ${subject.en} passed its due time (${due}) and was escalated.` };
}

/**
 * A note to the office of a task's case or license (`subject` selects it as
 * one row: its id, `office_id`, `application_id`): an SMS to the office's
 * mobile, about the case or the license (`column`), and for an escalation a
 * notification to the municipality's supervisors and the office's manager;
 * one statement, each once whatever retries.
 */
function officeNote(input: Note, body: { ar: string; en: string }, column: 'application_id' | 'license_number', subject: SQL): SQL {
  const key = `${input.taskId}:${input.what}`;
  const escalation =
    input.what === 'overdue'
      ? sql`, note as (
          insert into notifications (dedupe_key, audience, office_id, application_id, task_id, kind, message_ar, message_en)
          select ${key}::text || ':' || r.audience, r.audience::role, s.office_id, s.application_id, ${input.taskId}, 'task_overdue', ${body.ar}, ${body.en}
          from s cross join (values ('supervisor'), ('office_manager')) r(audience)
          on conflict (dedupe_key) do nothing)`
      : sql``;
  return sql`
    with s as (${subject}), sms as (
      insert into sms_outbox (${sql.identifier(column)}, dedupe_key, event, mobile, body_ar, body_en)
      select s.id, ${key}, ${input.what === 'reminder' ? 'task_reminder' : 'task_overdue'}::case_event, o.data->>'mobile', ${body.ar}, ${body.en}
      from s join offices o on o.id = s.office_id
      on conflict (dedupe_key) do nothing)${escalation}
    select 1`;
}

export function createSlaActivities(db: Db, workDays: ReadonlySet<number>, cacheMs: number) {
  let cache: { at: number; value: Promise<{ slas: Map<string, { days: number; share: number }>; cal: WorkCalendar }> } | undefined;
  function calendar() {
    if (!cache || Date.now() - cache.at > cacheMs) {
      const value = Promise.all([db.select().from(taskSlas), db.select().from(holidays)]).then(([s, h]) => ({
        slas: new Map(s.map((r) => [r.kind as string, { days: r.workingDays, share: r.remindAtShare }])),
        cal: { workDays, holidays: new Set(h.map((r) => r.date)) },
      }));
      value.catch(() => (cache = undefined));
      cache = { at: Date.now(), value };
    }
    return cache.value;
  }

  return {
    /** Due and reminder times for tasks opening at `from`: pure given the tables, so a retry gives the same answer. */
    async taskSchedules(input: { kinds: TaskKind[]; from: string }): Promise<Record<string, TaskSchedule>> {
      const { slas, cal } = await calendar();
      const from = new Date(input.from);
      const out: Record<string, TaskSchedule> = {};
      for (const kind of input.kinds) {
        const sla = slas.get(kind);
        if (!sla) throw new Error(`no SLA for task kind ${kind} in task_slas`);
        out[kind] = {
          dueAt: addWorkingDays(from, sla.days, cal).toISOString(),
          remindAt: addWorkingDays(from, sla.days * sla.share, cal).toISOString(),
        };
      }
      return out;
    },

    /** Texts the case's office about one of its tasks; once per task and kind of note, whatever retries. */
    async notifyOffice(input: Note & { applicationId: string }): Promise<void> {
      const body = noteText(input, { ar: `للطلب ${input.applicationId}`, en: `application ${input.applicationId}` });
      await db.execute(officeNote(input, body, 'application_id', sql`select id, office_id, id as application_id from applications where id = ${input.applicationId}`));
    },

    /** An office's task on a license (a renewal's review): the license's office is texted, as a case's office is. */
    async notifyLicenseOffice(input: Note & { licenseNumber: string }): Promise<void> {
      const body = noteText(input, { ar: `للرخصة ${input.licenseNumber}`, en: `license ${input.licenseNumber}` });
      await db.execute(officeNote(input, body, 'license_number', sql`select number as id, office_id, application_id from licenses where number = ${input.licenseNumber}`));
    },

    /**
     * The municipality's own tasks on a license: its supervisors are told, a
     * reminder and an escalation alike, once each whatever retries (the
     * license's case names the note, as a case's task's does).
     */
    async notifySupervisors(input: Note & { licenseNumber: string }): Promise<void> {
      const body = noteText(input, { ar: `للرخصة ${input.licenseNumber}`, en: `license ${input.licenseNumber}` });
      const key = `${input.taskId}:${input.what}:supervisor`;
      await db.execute(sql`
        insert into notifications (dedupe_key, audience, office_id, application_id, task_id, kind, message_ar, message_en)
        select ${key}, 'supervisor', null, l.application_id, ${input.taskId}, ${input.what === 'reminder' ? 'task_reminder' : 'task_overdue'}, ${body.ar}, ${body.en}
        from licenses l where l.number = ${input.licenseNumber}
        on conflict (dedupe_key) do nothing`);
    },
  };
}
