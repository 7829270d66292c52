// SMS wording per case event, Arabic first (the applicant's language), English after.
import type { CaseEvent, LicenseEvent } from './status';

export interface SmsContext {
  applicationId: string;
  tradeName: string;
  licenseNumber?: string;
  expiresOn?: string;
  deficiencyCount?: number;
  dueDate?: string;
  /** A home visit's time, local. */
  visitAt?: string;
  /** The case's page in the console: every message ends with it, so one tap shows what it is about. */
  caseUrl?: string;
  /** The fee: its amount in riyals ("900.00"), the bill number to pay, its due date; the payment's receipt. */
  amount?: string;
  billNumber?: string;
  invoiceDue?: string;
  receiptNumber?: string;
  exclusionReason?: string;
}

type Template = (c: SmsContext) => [ar: string, en: string];

const TEMPLATES: Partial<Record<CaseEvent, Template>> = {
  submitted: (c) => [
    `تم استلام طلب ترخيص "${c.tradeName}" برقم ${c.applicationId}.`,
    `Your license application for "${c.tradeName}" was received: ${c.applicationId}.`,
  ],
  correction_requested: (c) => [
    `طلبكم ${c.applicationId} ينقصه ${c.deficiencyCount ?? 0} من المتطلبات. يرجى الاستكمال قبل ${c.dueDate}.`,
    `Application ${c.applicationId} is missing ${c.deficiencyCount ?? 0} item(s). Please complete it before ${c.dueDate}.`,
  ],
  review_started: (c) => [
    `طلبكم ${c.applicationId} مكتمل وقيد المراجعة الفنية.`,
    `Application ${c.applicationId} is complete and under review.`,
  ],
  returned_for_correction: (c) => [
    `أعيد طلبكم ${c.applicationId} لاستكمال ${c.deficiencyCount ?? 0} من الملاحظات قبل ${c.dueDate}.`,
    `Application ${c.applicationId} was returned with ${c.deficiencyCount ?? 0} point(s) to correct before ${c.dueDate}.`,
  ],
  on_hold: (c) => [
    `طلبكم ${c.applicationId} معلق لحين تسوية الوضع لدى الجهات المرتبطة (مكتب العمل / الزكاة والدخل).`,
    `Application ${c.applicationId} is on hold until your standing with the Labor Office / Zakat is settled.`,
  ],
  issued: (c) => [
    `صدرت رخصة "${c.tradeName}" رقم ${c.licenseNumber}، سارية حتى ${c.expiresOn}.`,
    `License ${c.licenseNumber} for "${c.tradeName}" is issued, valid until ${c.expiresOn}.`,
  ],
  excluded: (c) =>
    c.exclusionReason === 'unpaid'
      ? [
          `تم استبعاد طلبكم ${c.applicationId} لعدم سداد فاتورة الرخصة (${c.billNumber}) قبل ${c.invoiceDue}.`,
          `Application ${c.applicationId} was excluded: its license fee (bill ${c.billNumber}) was not paid by ${c.invoiceDue}.`,
        ]
      : [`تم استبعاد طلبكم ${c.applicationId} لعدم استيفاء المتطلبات.`, `Application ${c.applicationId} was excluded: the requirements were not met.`],
  invoice_issued: (c) => [
    `اجتاز طلبكم ${c.applicationId} المراجعة والربط. مقابل الرخصة ${c.amount} ريال، رقم الفاتورة (سداد) ${c.billNumber}، يُسدَّد قبل ${c.invoiceDue}.`,
    `Application ${c.applicationId} passed its reviews and checks. The license fee is SAR ${c.amount}: pay bill ${c.billNumber} (SADAD) before ${c.invoiceDue}.`,
  ],
  payment_received: (c) => [
    `استلمنا سداد ${c.amount} ريال للطلب ${c.applicationId}، رقم الإيصال ${c.receiptNumber}. جارٍ إصدار الرخصة.`,
    `We received your payment of SAR ${c.amount} for application ${c.applicationId}, receipt ${c.receiptNumber}. The license is being issued.`,
  ],
  office_reassigned: (c) => [
    `نُقل طلبكم ${c.applicationId} إلى مكتب خدمات آخر لمتابعته دون أن يتأثر ما تم فيه.`,
    `Application ${c.applicationId} was moved to another service office; nothing done so far is lost.`,
  ],
  visit_proposed: (c) => [
    `يقترح المراقب الفني زيارة منشأتكم (${c.tradeName}) للطلب ${c.applicationId} في ${c.visitAt}. يرجى التأكيد أو اقتراح موعد آخر.`,
    `The technical inspector proposes to visit "${c.tradeName}" (application ${c.applicationId}) on ${c.visitAt}. Please confirm or propose another time.`,
  ],
  visit_confirmed: (c) => [
    `تم تأكيد زيارة المراقب الفني للطلب ${c.applicationId} في ${c.visitAt}.`,
    `The inspector's visit for application ${c.applicationId} is confirmed for ${c.visitAt}.`,
  ],
  visit_reminder: (c) => [
    `تذكير: زيارة المراقب الفني لمنشأتكم (${c.tradeName}) في ${c.visitAt}.`,
    `Reminder: the inspector visits "${c.tradeName}" on ${c.visitAt}.`,
  ],
  deadline_extended: (c) => [
    `مُدّدت مهلة استكمال طلبكم ${c.applicationId} حتى ${c.dueDate}.`,
    `The deadline to complete application ${c.applicationId} was extended to ${c.dueDate}.`,
  ],
  cancelled: (c) => [
    `أُلغي طلبكم ${c.applicationId} من قبل الأمانة. للاستفسار راجعوا مكتب الخدمات.`,
    `Application ${c.applicationId} was cancelled by the municipality. Your service office can tell you more.`,
  ],
  rejected: (c) => [`تم رفض طلبكم ${c.applicationId}.`, `Application ${c.applicationId} was rejected.`],
};

export function renderSms(event: CaseEvent, ctx: SmsContext): { ar: string; en: string } | undefined {
  const t = TEMPLATES[event];
  if (!t) return undefined;
  const [ar, en] = t(ctx);
  return ctx.caseUrl ? { ar: `${ar} ${ctx.caseUrl}`, en: `${en} ${ctx.caseUrl}` } : { ar, en };
}

/** How messages are delivered: the dispatcher's pace and its retry policy, as configured. */
export interface SmsDeliveryOptions {
  /** How often an idle dispatcher looks for due messages. */
  pollIntervalMs: number;
  /** Longest one gateway call may take; the lease is derived from it. */
  sendTimeoutMs: number;
  /** Messages in flight at once per dispatcher: a gateway answering in 300 ms still drains hundreds a minute. */
  concurrency: number;
  retry: { initialMs: number; maxMs: number; horizonMs: number };
}

export interface LicenseSmsContext {
  licenseNumber: string;
  tradeName: string;
  expiresOn: string;
  /** Days left before expiry (reminders). */
  daysLeft?: number;
  deficiencyCount?: number;
  dueDate?: string;
  reason?: string;
  /** An inspection's violations, by code, and the day to fix them by. */
  violations?: string;
  fixBy?: string;
  /** Cancellation: what each agency says is outstanding, in Arabic and English. */
  outstanding?: { ar: string; en: string };
  /** A renewal's fee, as SmsContext has it. */
  amount?: string;
  billNumber?: string;
  invoiceDue?: string;
  receiptNumber?: string;
}

const LICENSE_TEMPLATES: Partial<Record<LicenseEvent, (c: LicenseSmsContext) => [ar: string, en: string]>> = {
  renewal_window_opened: (c) => [
    `بدأت فترة تجديد رخصة "${c.tradeName}" رقم ${c.licenseNumber}، وتنتهي صلاحيتها في ${c.expiresOn}.`,
    `Renewal of license ${c.licenseNumber} ("${c.tradeName}") is open; it expires on ${c.expiresOn}.`,
  ],
  renewal_reminder: (c) => [
    `تذكير: تنتهي رخصة "${c.tradeName}" رقم ${c.licenseNumber} خلال ${c.daysLeft} يوم (${c.expiresOn}). جددوها عبر مكتب الخدمات.`,
    `Reminder: license ${c.licenseNumber} ("${c.tradeName}") expires in ${c.daysLeft} day(s), on ${c.expiresOn}. Renew it through your service office.`,
  ],
  renewal_correction_requested: (c) => [
    `طلب تجديد الرخصة ${c.licenseNumber} ينقصه ${c.deficiencyCount ?? 0} من المتطلبات. يرجى الاستكمال قبل ${c.dueDate}.`,
    `The renewal of license ${c.licenseNumber} is missing ${c.deficiencyCount ?? 0} item(s). Please complete it before ${c.dueDate}.`,
  ],
  renewal_lapsed: (c) => [
    `انتهى طلب تجديد الرخصة ${c.licenseNumber} دون تجديدها.`,
    `The renewal request for license ${c.licenseNumber} lapsed; the license was not renewed.`,
  ],
  renewal_review_started: (c) => [
    `اجتاز طلب تجديد الرخصة ${c.licenseNumber} ("${c.tradeName}") التحقق، وهو الآن لدى المراجِع المختص. سنبلغكم بالقرار.`,
    `The renewal of license ${c.licenseNumber} ("${c.tradeName}") passed its checks and is now with the reviewer; we will tell you the decision.`,
  ],
  renewal_returned: (c) => [
    `أعاد المراجِع طلب تجديد الرخصة ${c.licenseNumber} لاستكمال ${c.deficiencyCount ?? 0} من الملاحظات. يرجى الاستكمال قبل ${c.dueDate}.`,
    `The reviewer returned the renewal of license ${c.licenseNumber} with ${c.deficiencyCount ?? 0} point(s) to correct. Please correct them before ${c.dueDate}.`,
  ],
  renewal_rejected: (c) => [
    `رُفض طلب تجديد الرخصة ${c.licenseNumber} ("${c.tradeName}"): ${c.reason}. تبقى الرخصة كما هي حتى ${c.expiresOn}.`,
    `The renewal of license ${c.licenseNumber} ("${c.tradeName}") was refused: ${c.reason}. The license stays as it was, to ${c.expiresOn}.`,
  ],
  renewal_invoiced: (c) => [
    `رسوم تجديد رخصة "${c.tradeName}" رقم ${c.licenseNumber}: ${c.amount} ريال، رقم الفاتورة (سداد) ${c.billNumber}، تُسدَّد قبل ${c.invoiceDue}.`,
    `The renewal fee of license ${c.licenseNumber} ("${c.tradeName}") is SAR ${c.amount}: pay bill ${c.billNumber} (SADAD) before ${c.invoiceDue}.`,
  ],
  renewal_paid: (c) => [
    `استلمنا سداد ${c.amount} ريال لتجديد الرخصة ${c.licenseNumber}، رقم الإيصال ${c.receiptNumber}.`,
    `We received your payment of SAR ${c.amount} for the renewal of license ${c.licenseNumber}, receipt ${c.receiptNumber}.`,
  ],
  renewal_unpaid: (c) => [
    `لم تُسدَّد فاتورة تجديد الرخصة ${c.licenseNumber} (${c.billNumber}) قبل ${c.invoiceDue}، فلم تُجدَّد. تبقى الرخصة كما هي حتى ${c.expiresOn}.`,
    `The renewal invoice of license ${c.licenseNumber} (bill ${c.billNumber}) was not paid by ${c.invoiceDue}, so it was not renewed. The license stays as it was, to ${c.expiresOn}.`,
  ],
  renewed: (c) => [
    `جُددت رخصة "${c.tradeName}" رقم ${c.licenseNumber}، سارية حتى ${c.expiresOn}.`,
    `License ${c.licenseNumber} ("${c.tradeName}") is renewed, valid until ${c.expiresOn}.`,
  ],
  expired: (c) => [
    `انتهت صلاحية رخصة "${c.tradeName}" رقم ${c.licenseNumber} في ${c.expiresOn}. يمكن تجديدها متأخرًا خلال فترة السماح.`,
    `License ${c.licenseNumber} ("${c.tradeName}") expired on ${c.expiresOn}. It may still be renewed late within the grace period.`,
  ],
  suspended: (c) => [
    `أُوقفت رخصة "${c.tradeName}" رقم ${c.licenseNumber}: ${c.reason}. يحق لكم الاعتراض قبل ${c.dueDate}.`,
    `License ${c.licenseNumber} ("${c.tradeName}") is suspended: ${c.reason}. You may object before ${c.dueDate}.`,
  ],
  reinstated: (c) => [
    `أُعيد العمل برخصة "${c.tradeName}" رقم ${c.licenseNumber}.`,
    `License ${c.licenseNumber} ("${c.tradeName}") is reinstated.`,
  ],
  revoked: (c) => [
    `سُحبت رخصة "${c.tradeName}" رقم ${c.licenseNumber}: ${c.reason}.`,
    `License ${c.licenseNumber} ("${c.tradeName}") is revoked: ${c.reason}.`,
  ],
  objection_received: (c) => [
    `استلمنا اعتراضكم على إيقاف رخصة "${c.tradeName}" رقم ${c.licenseNumber}، وسيبت فيه مشرف الأمانة. تبقى الرخصة موقوفة حتى القرار.`,
    `We received your objection to the suspension of license ${c.licenseNumber} ("${c.tradeName}"); a municipality supervisor will decide it. The license stays suspended until then.`,
  ],
  objection_upheld: (c) => [
    `رُفض اعتراضكم وأُيّد إيقاف رخصة "${c.tradeName}" رقم ${c.licenseNumber}، فسُحبت الرخصة: ${c.reason}.`,
    `Your objection was not accepted: the suspension of license ${c.licenseNumber} ("${c.tradeName}") stands, and the license is revoked: ${c.reason}.`,
  ],
  objection_accepted: (c) => [
    `قُبل اعتراضكم، وأُعيد العمل برخصة "${c.tradeName}" رقم ${c.licenseNumber}.`,
    `Your objection was accepted: license ${c.licenseNumber} ("${c.tradeName}") is reinstated.`,
  ],
  inspection_passed: (c) => [
    `اجتاز "${c.tradeName}" (الرخصة ${c.licenseNumber}) الرقابة الصحية الدورية دون مخالفات.`,
    `"${c.tradeName}" (license ${c.licenseNumber}) passed its periodic health inspection with no violations.`,
  ],
  inspection_violations: (c) => [
    `سُجلت على "${c.tradeName}" (الرخصة ${c.licenseNumber}) مخالفات في الرقابة الصحية: ${c.violations}.${c.fixBy ? ` يرجى تصحيحها قبل ${c.fixBy}، وستُعاد الزيارة.` : ''}`,
    `The health inspection of "${c.tradeName}" (license ${c.licenseNumber}) recorded violations: ${c.violations}.${c.fixBy ? ` Please fix them by ${c.fixBy}; the shop will be inspected again.` : ''}`,
  ],
  cancellation_outstanding: (c) => [
    `لا يمكن إلغاء الرخصة ${c.licenseNumber} بعد: ${c.outstanding?.ar}. سيُعاد التحقق تلقائيًا حتى ${c.dueDate}.`,
    `License ${c.licenseNumber} cannot be cancelled yet: ${c.outstanding?.en}. We will check again by ourselves until ${c.dueDate}.`,
  ],
  cancellation_lapsed: (c) => [
    `انتهت مهلة طلب إلغاء الرخصة ${c.licenseNumber} ولم تُلغَ؛ ما زالت سارية.`,
    `The cancellation request for license ${c.licenseNumber} lapsed; the license stays in force.`,
  ],
  cancelled: (c) => [
    `أُلغيت رخصة "${c.tradeName}" رقم ${c.licenseNumber} بناءً على طلبكم، وأُبلغ مكتب العمل وهيئة الزكاة والدخل.`,
    `License ${c.licenseNumber} ("${c.tradeName}") is cancelled as you asked; the Labor Office and Zakat & Income have been told.`,
  ],
};

export function renderLicenseSms(event: LicenseEvent, ctx: LicenseSmsContext): { ar: string; en: string } | undefined {
  const t = LICENSE_TEMPLATES[event];
  if (!t) return undefined;
  const [ar, en] = t(ctx);
  return { ar, en };
}
