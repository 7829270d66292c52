// How the payment gateway signs each delivery of a notification to
// POST /payments/notifications, and how the API checks it: HMAC-SHA256 with the
// secret agreed with the gateway over `<x-timestamp>.<raw body>`, in hex
// (integrations/timestamped-hmac.ts). Each delivery is signed afresh, so a
// retry hours later still passes the timestamp check; the simulator and the tests sign here.
import type { IncomingHttpHeaders } from 'node:http';
import { isTimestamp, signatureMatches, signTimestamped } from '../timestamped-hmac';

export { SIGNATURE_PATTERN, TIMESTAMP_PATTERN } from '../timestamped-hmac';

export const NotificationHeader = { timestamp: 'x-timestamp', signature: 'x-signature' } as const;

/**
 * How far a notification's timestamp may be from our clock, either way: the
 * gateway's clock and its network fit within it, and a captured delivery older
 * than this is refused even with its signature intact.
 */
export const NOTIFICATION_TIMESTAMP_TOLERANCE_S = 300;

export function signNotification(secret: string, timestamp: number, body: Buffer | string): string {
  return signTimestamped(secret, timestamp, body);
}

/** The headers the gateway sends with `body`, signed now. */
export function signedNotificationHeaders(secret: string, body: Buffer | string, nowMs = Date.now()): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return { [NotificationHeader.timestamp]: String(timestamp), [NotificationHeader.signature]: signNotification(secret, timestamp, body) };
}

export type NotificationSignatureRefusal = 'signature_required' | 'stale_timestamp' | 'bad_signature';

export type NotificationSignatureCheck = { ok: true } | { ok: false; code: NotificationSignatureRefusal; message: string };

const single = (v: string | string[] | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** Whether the gateway signed `body` (the raw bytes as received), or why it cannot be said to have. */
export function checkNotificationSignature(headers: IncomingHttpHeaders, body: Buffer, secret: string, nowMs: number): NotificationSignatureCheck {
  const timestamp = single(headers[NotificationHeader.timestamp]);
  const signature = single(headers[NotificationHeader.signature]);
  if (!timestamp || !signature) {
    const names = Object.values(NotificationHeader).join(', ');
    return { ok: false, code: 'signature_required', message: `a payment notification carries ${names} (each once): HMAC-SHA256 over "<x-timestamp>.<body>" with the gateway's secret` };
  }
  if (!isTimestamp(timestamp)) return { ok: false, code: 'stale_timestamp', message: `${NotificationHeader.timestamp}: Unix seconds, e.g. ${Math.floor(nowMs / 1000)}` };
  const skew = Math.abs(nowMs / 1000 - Number(timestamp));
  if (skew > NOTIFICATION_TIMESTAMP_TOLERANCE_S) {
    return { ok: false, code: 'stale_timestamp', message: `${NotificationHeader.timestamp}: ${Math.round(skew)} s from the server's clock; at most ${NOTIFICATION_TIMESTAMP_TOLERANCE_S} s is accepted (sign each delivery afresh)` };
  }
  if (!signatureMatches(secret, Number(timestamp), body, signature)) {
    return { ok: false, code: 'bad_signature', message: `${NotificationHeader.signature}: not the gateway's HMAC-SHA256 (hex) of "<x-timestamp>.<body>" as sent` };
  }
  return { ok: true };
}
