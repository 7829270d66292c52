// The one cursor codec of the API's lists. A cursor is the sort key of the last
// row of a page, as a base64url JSON array; each part is checked against the
// kind the list wrote, so a forged cursor is a 400 here, not an error in SQL.
import { badRequest } from './errors';
import { isIssuedInstant } from './validation';

/** What one part of a cursor may be. */
export const CursorPart = {
  /** A timestamp this API wrote (ISO 8601, milliseconds, Z). */
  instant: (x: unknown): x is string => isIssuedInstant(x),
  integer: (x: unknown): x is number => Number.isSafeInteger(x),
  matching: (pattern: RegExp) => (x: unknown): x is string => typeof x === 'string' && pattern.test(x),
};
type Check = (x: unknown) => boolean;

export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** The parts of a cursor, each as `shape` says; anything else is refused as `querystring/cursor`. */
export function decodeCursor<T extends readonly (string | number)[]>(cursor: string, shape: readonly Check[]): T {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parts) && parts.length === shape.length && shape.every((ok, i) => ok(parts[i]))) return parts as unknown as T;
  } catch {
    // not JSON: refused below like any other forged cursor
  }
  throw badRequest('querystring/cursor', 'querystring/cursor: not a cursor this API issued for this list');
}
