// Where the run stands, read from PostgreSQL: which cases have closed and
// what the SMS outbox holds. The faults are scheduled on it (so many cases
// closed since the last one) and the submitters wait on it, rather than on
// clocks that would race the system.
import type pg from 'pg';
import { sleep } from '../bots';

/** Often enough for the schedule; one small query a second costs the server nothing. */
const PROGRESS_POLL_MS = 1_000;

export class Progress {
  private readonly closedIds = new Set<string>();
  outbox: Record<string, number> = {};
  private running = true;
  private loop?: Promise<void>;

  constructor(private readonly db: pg.Pool) {}

  get closed(): number {
    return this.closedIds.size;
  }

  isClosed(id: string): boolean {
    return this.closedIds.has(id);
  }

  start(): void {
    this.loop = (async () => {
      while (this.running) {
        // While PostgreSQL is down (a fault) the last reading stands.
        await this.read().catch(() => undefined);
        await sleep(PROGRESS_POLL_MS);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  async read(): Promise<void> {
    const closed = await this.db.query<{ id: string }>(`select id from applications where status <> 'in_progress'`);
    for (const { id } of closed.rows) this.closedIds.add(id);
    const outbox = await this.db.query<{ status: string; n: number }>('select status, count(*)::int as n from sms_outbox group by status');
    this.outbox = Object.fromEntries(outbox.rows.map((r) => [r.status, r.n]));
  }
}
