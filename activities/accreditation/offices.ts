// Side effects of an office's accreditation workflow. Idempotent like the
// case activities: (office, seq) keys every transition, and accreditation
// checks the round's cap under a lock so a retry never counts an office twice.
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import type { OfficeState } from '../../domain/office';

export interface OfficeTransition {
  officeId: string;
  seq: number;
  event: string;
  actor: string;
  details: Record<string, unknown>;
  at: string;
  /** `application` travels only when it changed (filed, amended). */
  state: Omit<OfficeState, 'application' | 'seq'> & { waitingOn: string | null; application?: OfficeState['application'] };
}

export function createOfficeActivities(db: Db) {
  return {
    /** The registry row, its event and (when the file changed) its staff, in one statement. */
    async recordOfficeTransition(t: OfficeTransition): Promise<void> {
      const s = t.state;
      const app = s.application;
      const ctes = [
        sql`ev as (
          insert into office_events (office_id, seq, event, status, actor, details, at)
          values (${t.officeId}, ${t.seq}, ${t.event}, ${s.status}, ${t.actor}, ${JSON.stringify(t.details)}::jsonb, ${new Date(t.at)})
          on conflict (office_id, seq) do nothing
          returning 1)`,
        sql`office as (
          update offices set status = ${s.status}, deficiencies = ${JSON.stringify(s.deficiencies)}::jsonb,
            waiting_on = ${s.waitingOn}, status_reason = ${s.statusReason ?? null},
            ${app ? sql`data = ${JSON.stringify(app)}::jsonb,` : sql``}
            transition_seq = ${t.seq}, updated_at = ${new Date(t.at)}
          where id = ${t.officeId} and transition_seq < ${t.seq} and exists (select 1 from ev)
          returning 1)`,
      ];
      if (app) {
        // The declared staff is replaced as a whole: an amendment lists everyone.
        ctes.push(sql`gone as (delete from office_staff where office_id = ${t.officeId} and exists (select 1 from office))`);
        if (app.staff.length) {
          const rows = app.staff.map((m) => sql`(${t.officeId}, ${m.userId}, ${m.name}, ${m.role}::role)`);
          ctes.push(sql`staff as (
            insert into office_staff (office_id, user_id, name, role)
            select v.* from (values ${sql.join(rows, sql`, `)}) as v(office_id, user_id, name, role)
            where exists (select 1 from office)
            on conflict (office_id, user_id, role) do update set name = excluded.name)`);
        }
      }
      try {
        await db.execute(sql`with ${sql.join(ctes, sql`, `)} select 1`);
      } catch (err) {
        const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
        if (code === '23503') throw ApplicationFailure.nonRetryable(`office ${t.officeId} has no row`, 'MissingOfficeRow');
        throw err;
      }
    },

    /**
     * Marks the office accredited within its round's cap. The round row is
     * locked, so two approvals racing for the last place cannot both win; an
     * office already accredited (a retry) keeps its place and its date.
     */
    async accreditOffice(input: { officeId: string; roundId: string }): Promise<{ accreditedAt: string }> {
      return db.transaction(async (tx) => {
        type Round = { cap: number; name: string };
        const round = ((await tx.execute(sql`select cap, name from accreditation_rounds where id = ${input.roundId} for update`)) as unknown as {
          rows: Round[];
        }).rows[0];
        if (!round) throw ApplicationFailure.nonRetryable(`no accreditation round ${input.roundId}`, 'RoundFull');
        // Counted in its own statement, after the lock: a statement that waited for
        // the lock would still see the count from before the other approval committed.
        const [{ taken }] = ((await tx.execute(sql`
          select count(*)::int as taken from offices
          where round_id = ${input.roundId} and accredited_at is not null and id <> ${input.officeId}`)) as unknown as { rows: [{ taken: number }] }).rows;
        const [row] = ((await tx.execute(sql`select accredited_at from offices where id = ${input.officeId}`)) as unknown as {
          rows: { accredited_at: Date | string | null }[];
        }).rows;
        if (!row) throw ApplicationFailure.nonRetryable(`office ${input.officeId} has no row`, 'MissingOfficeRow');
        if (row.accredited_at) return { accreditedAt: new Date(row.accredited_at).toISOString() };
        if (taken >= round.cap) {
          throw ApplicationFailure.nonRetryable(`accreditation round "${round.name}" is full: ${round.cap} offices already accredited`, 'RoundFull');
        }
        const at = new Date();
        await tx.execute(sql`update offices set accredited_at = ${at} where id = ${input.officeId}`);
        return { accreditedAt: at.toISOString() };
      });
    },
  };
}
