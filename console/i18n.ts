// Which language a page is in, and the words, dates and directions it uses.
// Arabic, whatever the browser's own language, unless the visitor chose English
// (?lang=en, kept in a cookie): the municipality's service is Arabic first.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CATALOGUE, type MessageKey } from './catalogue';

export const LOCALES = ['ar', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** A year: the choice is the visitor's, not the session's. */
const LANG_COOKIE_MAX_AGE_S = 365 * 86_400;

/** One cookie of the request, as the browser sent it. */
export function cookie(req: FastifyRequest, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

const isLocale = (v: unknown): v is Locale => v === 'ar' || v === 'en';

export function localeOf(req: FastifyRequest, reply: FastifyReply): Locale {
  const asked = (req.query as { lang?: unknown } | undefined)?.lang;
  if (isLocale(asked)) {
    reply.header('set-cookie', `lang=${asked}; Path=/; Max-Age=${LANG_COOKIE_MAX_AGE_S}; SameSite=Lax`);
    return asked;
  }
  const kept = cookie(req, 'lang');
  return isLocale(kept) ? kept : 'ar';
}

export interface Words {
  locale: Locale;
  dir: 'rtl' | 'ltr';
  t(key: MessageKey): string;
  /** A date as both calendars write it, in Riyadh: [Gregorian, Hijri (Umm al-Qura)]. */
  date(iso: string): [gregorian: string, hijri: string];
  /** An instant as a Riyadh date and time, both calendars: [Gregorian with the time, Hijri]. */
  instant(iso: string): [gregorian: string, hijri: string];
}

export function words(locale: Locale): Words {
  const tag = locale === 'ar' ? 'ar-SA' : 'en-GB';
  // Latin digits in both languages: numbers and ids are copied and typed, and Saudi services write them so.
  const options = { timeZone: 'Asia/Riyadh', day: 'numeric', month: 'long', year: 'numeric', numberingSystem: 'latn' } as const;
  const gregorian = new Intl.DateTimeFormat(`${tag}-u-ca-gregory`, options);
  const hijri = new Intl.DateTimeFormat(`${tag}-u-ca-islamic-umalqura`, options);
  const withTime = new Intl.DateTimeFormat(`${tag}-u-ca-gregory`, { ...options, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return {
    locale,
    dir: locale === 'ar' ? 'rtl' : 'ltr',
    t: (key) => CATALOGUE[locale][key],
    date(iso) {
      // A date-only value is the Riyadh day itself: noon there is the same day in every calendar.
      const at = new Date(`${iso}T12:00:00+03:00`);
      return [gregorian.format(at), hijri.format(at)];
    },
    instant(iso) {
      const at = new Date(iso);
      return [withTime.format(at), hijri.format(at)];
    },
  };
}

/** Riyadh is UTC+3 all year: a time typed there is read with this offset. */
const RIYADH_OFFSET = '+03:00';

/** A datetime-local field's value (Riyadh's wall clock) as an instant, or undefined for anything else. */
export function riyadhInstant(local: string | undefined): string | undefined {
  if (!local || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(local)) return undefined;
  const at = new Date(`${local}:00${RIYADH_OFFSET}`);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}
