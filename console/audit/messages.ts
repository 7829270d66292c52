// The auditor's audit log.
const ar = {
  'audit.title': 'سجل التدقيق',
  'audit.applicationId': 'رقم الطلب',
  'audit.officeId': 'رقم المكتب',
  'audit.actorId': 'المستخدم',
  'audit.filter': 'تصفية',
  'audit.empty': 'لا سجلات بهذه الشروط.',
  'audit.col.at': 'الوقت',
  'audit.col.actor': 'من',
  'audit.col.action': 'ماذا',
  'audit.col.target': 'على',
  'audit.col.result': 'النتيجة',
  'audit.older': 'الأقدم',
} as const;

export type AuditMessageKey = keyof typeof ar;

const en: Record<AuditMessageKey, string> = {
  'audit.title': 'Audit log',
  'audit.applicationId': 'Application number',
  'audit.officeId': 'Office id',
  'audit.actorId': 'User',
  'audit.filter': 'Filter',
  'audit.empty': 'No entries match.',
  'audit.col.at': 'When',
  'audit.col.actor': 'Who',
  'audit.col.action': 'What',
  'audit.col.target': 'On',
  'audit.col.result': 'Result',
  'audit.older': 'Older',
};

export const AUDIT_MESSAGES = { ar, en } as const;
