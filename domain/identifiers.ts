// Checks on Saudi identifiers that JSON Schema patterns cannot express.

/**
 * National ID (first digit 1) and iqama (first digit 2) numbers end in a Luhn
 * check digit, so most typos are caught before a case is opened.
 */
export function isValidSaudiId(id: string): boolean {
  if (!/^[12]\d{9}$/.test(id)) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    let d = id.charCodeAt(i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Completes the first nine digits of an ID with its check digit (tests and seed data). */
export function withSaudiIdCheckDigit(first9: string): string {
  for (let c = 0; c <= 9; c++) {
    if (isValidSaudiId(first9 + c)) return first9 + c;
  }
  throw new Error(`no check digit for ${first9}`);
}

export const SAUDI_MOBILE_PATTERN = '^(?:05|\\+9665|009665|9665)[0-9]{8}$';

/** 05XXXXXXXX, +9665XXXXXXXX, 009665…, 9665… → +9665XXXXXXXX; undefined when it is none of these. */
export function normalizeSaudiMobile(mobile: string): string | undefined {
  const m = /^(?:05|\+9665|009665|9665)(\d{8})$/.exec(mobile.replace(/[\s-]/g, ''));
  return m ? `+9665${m[1]}` : undefined;
}

export const APPLICATION_ID_PATTERN = '^TRK-[0-9]{8}-[0-9A-HJKMNP-TV-Z]{6}$';
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** TRK-YYYYMMDD-XXXXXX: readable over the phone, no I/O/L/U confusion. */
export function newApplicationId(now: Date, randomBytes: Uint8Array): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += CROCKFORD[(randomBytes[i] ?? 0) % 32];
  return `TRK-${day}-${suffix}`;
}

/** DOC-XXXXXXXXXXXXXXXX: 16 Crockford digits (80 bits), so an id cannot be guessed. */
export function newDocumentId(randomBytes: Uint8Array): string {
  let digits = '';
  let bits = 0;
  let acc = 0;
  for (const byte of randomBytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5 && digits.length < 16) {
      bits -= 5;
      digits += CROCKFORD[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  if (digits.length < 16) throw new Error('newDocumentId needs 10 random bytes');
  return `DOC-${digits}`;
}
