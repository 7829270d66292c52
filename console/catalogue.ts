// The one catalogue pages read: the console's own words, the status vocabulary
// and each capability's, merged. A key names one string in each language.
import { CASE_MESSAGES, type CaseMessageKey } from './applications/messages';
import { INBOX_MESSAGES, type InboxMessageKey } from './inbox/messages';
import { OPS_MESSAGES, type OpsMessageKey } from './operations/messages';
import { AUDIT_MESSAGES, type AuditMessageKey } from './audit/messages';
import { SUPERVISION_MESSAGES, type SupervisionMessageKey } from './supervision/messages';
import { MESSAGES, type MessageKey as BaseKey } from './messages';
import { VOCABULARY, type VocabularyKey } from './vocabulary';

export type MessageKey = BaseKey | VocabularyKey | CaseMessageKey | InboxMessageKey | OpsMessageKey | AuditMessageKey | SupervisionMessageKey;

export const CATALOGUE: Record<'ar' | 'en', Record<MessageKey, string>> = {
  ar: { ...MESSAGES.ar, ...VOCABULARY.ar, ...CASE_MESSAGES.ar, ...INBOX_MESSAGES.ar, ...OPS_MESSAGES.ar, ...AUDIT_MESSAGES.ar, ...SUPERVISION_MESSAGES.ar },
  en: { ...MESSAGES.en, ...VOCABULARY.en, ...CASE_MESSAGES.en, ...INBOX_MESSAGES.en, ...OPS_MESSAGES.en, ...AUDIT_MESSAGES.en, ...SUPERVISION_MESSAGES.en },
};
