// The signature both kinds of signed delivery to Tarkhees use (an agency's
// report, the payment gateway's notification): HMAC-SHA256 with a shared
// secret over `<timestamp>.<raw body>`, in lowercase hex. The timestamp is
// inside what is signed, so a captured request cannot be sent again with a fresh one.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Unix seconds, as the header carries them. */
export const TIMESTAMP_PATTERN = '^[0-9]{1,12}$';
/** A SHA-256 HMAC in lowercase hex. */
export const SIGNATURE_PATTERN = '^[0-9a-f]{64}$';

const TIMESTAMP = new RegExp(TIMESTAMP_PATTERN);
const SIGNATURE = new RegExp(SIGNATURE_PATTERN);

export function signTimestamped(secret: string, timestamp: number, body: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

export const isTimestamp = (v: string): boolean => TIMESTAMP.test(v);

/** Whether `given` is the HMAC of `body` at `timestamp`, compared in constant time. */
export function signatureMatches(secret: string, timestamp: number, body: Buffer | string, given: string): boolean {
  if (!SIGNATURE.test(given)) return false;
  return timingSafeEqual(Buffer.from(given, 'hex'), Buffer.from(signTimestamped(secret, timestamp, body), 'hex'));
}
