// The one catalogue pages read: the console's own words, the status vocabulary
// and each capability's, merged. A key names one string in each language.
import { CASE_MESSAGES } from './applications/messages';
import { INBOX_MESSAGES } from './inbox/messages';
import { OPS_MESSAGES } from './operations/messages';
import { AUDIT_MESSAGES } from './audit/messages';
import { FILING_MESSAGES } from './filing/messages';
import { REPORTS_MESSAGES } from './reports/messages';
import { SUPERVISION_MESSAGES } from './supervision/messages';
import { CERTIFICATE_MESSAGES } from './licenses/messages';
import { PAYMENT_MESSAGES } from './payments/messages';
import { MESSAGES } from './messages';
import { VOCABULARY } from './vocabulary';

/** Each room's words, one entry a room: a room added is one line here. */
const ROOMS = [MESSAGES, VOCABULARY, CASE_MESSAGES, INBOX_MESSAGES, OPS_MESSAGES, AUDIT_MESSAGES, FILING_MESSAGES, REPORTS_MESSAGES, SUPERVISION_MESSAGES, CERTIFICATE_MESSAGES, PAYMENT_MESSAGES] as const;

/** Distributes over the rooms: every key of every room. */
type KeysOf<Room> = Room extends { ar: infer Words } ? keyof Words : never;
export type MessageKey = KeysOf<(typeof ROOMS)[number]> & string;

const merged = (locale: 'ar' | 'en') => Object.assign({}, ...ROOMS.map((room) => room[locale])) as Record<MessageKey, string>;

export const CATALOGUE: Record<'ar' | 'en', Record<MessageKey, string>> = { ar: merged('ar'), en: merged('en') };
