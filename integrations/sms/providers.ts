// The SMS gateways the dispatcher hands messages to. A provider either takes a
// message (and names it) or throws; an SmsRefused says the gateway will never
// take this message, so trying again is pointless.
import { requestJson } from '../http';

export interface SmsMessage {
  to: string;
  body: string;
  /**
   * Unique per state change, and the same on every attempt: a gateway that
   * sees a reference again acknowledges it without delivering twice. That is
   * what makes a resend after a crash (the gateway took it, the dispatcher died
   * before it could record so) safe.
   */
  reference: string;
}

export interface SmsProvider {
  name: string;
  send(message: SmsMessage): Promise<{ messageId: string }>;
}

/** The gateway refused the message itself (malformed, a number it cannot reach): no retry will change that. */
export class SmsRefused extends Error {
  override name = 'SmsRefused';
}

/**
 * Gateway answers that condemn the message rather than the moment. Anything
 * else (5xx, 408, 429, an auth or routing error an operator can fix, no answer
 * at all) is retried for the whole horizon, so a misconfiguration fixed within
 * a day loses nothing.
 */
const REFUSED_STATUSES: ReadonlySet<number> = new Set([400, 413, 422]);

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
export function httpSmsProvider(opts: { url: string; token?: string; timeoutMs: number }): SmsProvider {
  return {
    name: 'http',
    async send(m) {
      const res = await requestJson('POST', opts.url, {
        body: m,
        headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
        timeoutMs: opts.timeoutMs,
      });
      if (REFUSED_STATUSES.has(res.status)) throw new SmsRefused(`SMS gateway refused the message (${res.status}): ${res.body.slice(0, 200)}`);
      if (res.status < 200 || res.status >= 300) throw new Error(`SMS gateway answered ${res.status}`);
      let messageId = '';
      try {
        messageId = String((JSON.parse(res.body) as { messageId?: unknown }).messageId ?? '');
      } catch {
        // Taken (2xx) is what matters; an unreadable body only costs us the gateway's id.
      }
      return { messageId };
    },
  };
}
