// SMS delivery: the workflow's activities put messages in the sms_outbox table
// (in the same transaction as the state change); this dispatcher sends them.
//
// Each message is claimed on its own with a lease, sent, and settled: a
// dispatcher that dies mid-send strands nothing, since its lease runs out and
// the next claim takes the message again. A failed attempt is retried with
// exponential backoff for the retry horizon (default a day), then the message
// is `failed` and an operator sees it. The gateway gets the message's
// reference on every attempt, so a resend of a message it already took (the
// dispatcher died after the gateway answered, before it could record so) is
// acknowledged, not delivered twice. Why this and not a job queue or a
// Temporal activity per message: docs/architecture.md, "SMS delivery".
import type { SmsDeliveryOptions } from '../../domain/sms';
import type { Db } from '../../db/client';
import { claimNext, markAttemptFailed, markSent, type ClaimedSms } from './outbox';
import { SmsRefused, type SmsProvider } from './providers';

/**
 * Lease = this many send timeouts: one for the send itself, one for settling
 * it while the database may be restarting, one to spare. A lease shorter than
 * a send would let a second dispatcher take a message still in flight.
 */
const LEASE_SEND_TIMEOUTS = 3;
/** Settling a sent message is retried this long (a database restart) before the lease is left to run out. */
const SETTLE_RETRY_INITIAL_MS = 200;
/** Backoff delays are spread by up to this share either way, so messages failed by one outage do not retry in lockstep. */
const RETRY_JITTER = 0.2;

/** Delay before attempt `failedAttempt + 1`: initial, doubling, capped, with jitter. */
export function retryDelayMs(failedAttempt: number, retry: { initialMs: number; maxMs: number }, random: () => number = Math.random): number {
  const base = Math.min(retry.maxMs, retry.initialMs * 2 ** Math.min(failedAttempt - 1, 30));
  return Math.round(base * (1 - RETRY_JITTER + 2 * RETRY_JITTER * random()));
}

class SendTimeout extends Error {
  override name = 'SendTimeout';
}

export class SmsDispatcher {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;
  private readonly leaseMs: number;

  constructor(
    private readonly db: Db,
    private readonly provider: SmsProvider,
    private readonly opts: SmsDeliveryOptions,
    private readonly onError: (err: unknown) => void = (e) => console.error('[sms] dispatch failed', e),
  ) {
    this.leaseMs = opts.sendTimeoutMs * LEASE_SEND_TIMEOUTS;
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.running = this.dispatchOnce()
        .catch(this.onError)
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.opts.pollIntervalMs);
        });
    };
    tick();
  }

  /** Stops claiming; the messages in flight are sent and settled first. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Sends every message due now, `concurrency` at a time; returns how many the gateway took. */
  async dispatchOnce(): Promise<number> {
    const lanes = Array.from({ length: this.opts.concurrency }, async () => {
      let sent = 0;
      for (;;) {
        if (this.stopped) return sent;
        const claim = await claimNext(this.db, this.leaseMs);
        if (!claim) return sent;
        if (await this.deliver(claim)) sent += 1;
      }
    });
    const counts = await Promise.all(lanes);
    return counts.reduce((a, b) => a + b, 0);
  }

  private async deliver(claim: ClaimedSms): Promise<boolean> {
    let messageId: string;
    try {
      ({ messageId } = await this.sendWithin({ to: claim.mobile, body: `${claim.bodyAr}\n${claim.bodyEn}`, reference: claim.dedupeKey }));
    } catch (err) {
      const refused = err instanceof SmsRefused;
      await this.settle(() =>
        markAttemptFailed(this.db, claim, {
          error: (err as Error).message,
          refused,
          retryInMs: retryDelayMs(claim.attempts, this.opts.retry),
          horizonMs: this.opts.retry.horizonMs,
        }),
      );
      return false;
    }
    await this.settle(() => markSent(this.db, claim, messageId));
    return true;
  }

  /** The provider's call, abandoned after the send timeout (the gateway may still take it: the reference covers that). */
  private sendWithin(message: Parameters<SmsProvider['send']>[0]) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SendTimeout(`no answer from the SMS gateway within ${this.opts.sendTimeoutMs} ms`)), this.opts.sendTimeoutMs);
    });
    return Promise.race([this.provider.send(message), timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * Records an attempt's outcome, retrying while the database does not answer,
   * for up to one send timeout. Past that the lease runs out and the message
   * is tried again: a repeat the gateway drops by its reference.
   */
  private async settle(write: () => Promise<unknown>): Promise<void> {
    const deadline = Date.now() + this.opts.sendTimeoutMs;
    for (let delay = SETTLE_RETRY_INITIAL_MS; ; delay *= 2) {
      try {
        await write();
        return;
      } catch (err) {
        if (Date.now() + delay > deadline) {
          this.onError(err);
          return;
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
