// What the public license pages share: finding a license by the number a
// visitor typed or scanned, whether it is in force today, and their addresses.
import { IN_FORCE } from '../../domain/status';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { HttpError } from '../../api/errors';
import type { LicenseService } from '../../api/licenses/service';
import { riyadhDate } from '../../domain/calendar';
import { html, type Html } from '../html';
import type { Words } from '../i18n';

export type License = Awaited<ReturnType<LicenseService['verify']>>;

/** Long enough for any license number; anything longer is no license of ours. */
export const MAX_NUMBER_LENGTH = 40;

export const verifyPath = (number: string) => `/verify/${encodeURIComponent(number)}`;
export const certificatePath = (number: string) => `/licenses/${encodeURIComponent(number)}/certificate`;

export const send = (reply: FastifyReply, status: number, body: string) => reply.status(status).header('content-type', 'text/html; charset=utf-8').send(body);

/** The license of that number, or undefined: a number that is no license is a page of its own, not an error. */
export async function lookUp(app: FastifyInstance, number: string): Promise<License | undefined> {
  if (number.length > MAX_NUMBER_LENGTH) return undefined;
  return app.licenses.verify(number).catch((err: unknown) => {
    if (err instanceof HttpError && err.statusCode === 404) return undefined;
    throw err;
  });
}

export type Standing = 'verify.valid' | 'verify.expired' | 'verify.inactive';

/**
 * Whether the license is in force today, in the words the pages show: only
 * the statuses of IN_FORCE are (suspended, cancelled, revoked are not); a row
 * in force past its expiry date is expired even before its workflow says so.
 */
export function standing(license: License, now = new Date()): Standing {
  if (license.status === 'expired') return 'verify.expired';
  // Renewal open is still in force: the holder has until the expiry date.
  if (!IN_FORCE.has(license.status)) return 'verify.inactive';
  return license.expiresOn < riyadhDate(now) ? 'verify.expired' : 'verify.valid';
}

/** A date in both calendars: the Gregorian one machine-readable, the Hijri (Umm al-Qura) under it. */
export function dateCell(w: Words, iso: string): Html {
  const [gregorian, hijri] = w.date(iso);
  return html`<time datetime="${iso}">${gregorian}</time><span class="hijri">${hijri}</span>`;
}
