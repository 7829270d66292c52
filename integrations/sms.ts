// SMS delivery: the workflow's activities put messages in the sms_outbox table
// (in the same transaction as the state change); this dispatcher sends them.
// A row is claimed ('sending') before the provider is called, so a crash after
// the call leaves it 'sending' instead of sending it again: at most once.
import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { requestJson } from './http';
import { smsOutbox } from '../db/schema';

export interface SmsMessage {
  to: string;
  body: string;
  /** Unique per state change; HTTP gateways dedupe on it. */
  reference: string;
}

export interface SmsProvider {
  name: string;
  send(message: SmsMessage): Promise<{ messageId: string }>;
}

/** Development default: writes the message to the log. */
export function consoleSmsProvider(log: (line: string) => void = (l) => console.log(l)): SmsProvider {
  return {
    name: 'console',
    async send(m) {
      log(`[sms] to ${m.to} (${m.reference}): ${m.body.replaceAll('\n', ' / ')}`);
      return { messageId: `console-${m.reference}` };
    },
  };
}

/** A gateway taking JSON { to, body, reference } and answering { messageId }. */
export function httpSmsProvider(opts: { url: string; token?: string; timeoutMs?: number }): SmsProvider {
  return {
    name: 'http',
    async send(m) {
      const res = await requestJson('POST', opts.url, {
        body: m,
        headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
        timeoutMs: opts.timeoutMs ?? 10_000,
      });
      if (res.status < 200 || res.status >= 300) throw new Error(`SMS gateway answered ${res.status}`);
      const body = JSON.parse(res.body) as { messageId?: unknown };
      return { messageId: String(body.messageId ?? '') };
    },
  };
}

/** A message the gateway refused this many times is marked failed for an operator. */
const MAX_SEND_ATTEMPTS = 5;
/** Rows claimed per poll; small enough that one slow gateway call does not hold many. */
const BATCH_SIZE = 50;

export class SmsDispatcher {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly provider: SmsProvider,
    private readonly pollIntervalMs: number,
    private readonly onError: (err: unknown) => void = (e) => console.error('[sms] dispatch failed', e),
  ) {}

  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.running = this.dispatchOnce()
        .then(() => undefined)
        .catch(this.onError)
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.pollIntervalMs);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Sends what is pending; returns how many were sent. Safe to run from several processes. */
  async dispatchOnce(): Promise<number> {
    // Claim a batch in one statement; SKIP LOCKED lets several dispatchers share the table.
    const claimed = await this.db
      .update(smsOutbox)
      .set({ status: 'sending', attempts: sql`${smsOutbox.attempts} + 1` })
      .where(
        inArray(
          smsOutbox.id,
          this.db
            .select({ id: smsOutbox.id })
            .from(smsOutbox)
            .where(eq(smsOutbox.status, 'pending'))
            .orderBy(asc(smsOutbox.id))
            .limit(BATCH_SIZE)
            .for('update', { skipLocked: true }),
        ),
      )
      .returning();
    if (claimed.length === 0) return 0;
    const sent: { id: number; messageId: string }[] = [];
    for (const row of claimed.sort((a, b) => a.id - b.id)) {
      try {
        const { messageId } = await this.provider.send({
          to: row.mobile,
          body: `${row.bodyAr}\n${row.bodyEn}`,
          reference: row.dedupeKey,
        });
        sent.push({ id: row.id, messageId });
      } catch (err) {
        // The gateway said no before taking it: safe to try again later, up to a limit.
        await this.db
          .update(smsOutbox)
          .set({ status: row.attempts >= MAX_SEND_ATTEMPTS ? 'failed' : 'pending', lastError: (err as Error).message })
          .where(eq(smsOutbox.id, row.id));
      }
    }
    if (sent.length > 0) {
      const ids = sent.map((m) => m.id);
      const messageIds = sent.map((m) => m.messageId);
      await this.db.execute(sql`
        update sms_outbox set status = 'sent', sent_at = now(), last_error = null, provider_message_id = m.message_id
        from unnest(${`{${ids.join(',')}}`}::bigint[], ${`{${messageIds.map((x) => JSON.stringify(x)).join(',')}}`}::text[]) as m(id, message_id)
        where sms_outbox.id = m.id`);
    }
    return sent.length;
  }
}
