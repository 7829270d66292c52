// The license certificate's words.
const ar = {
  'certificate.title': 'شهادة ترخيص',
  'certificate.link': 'شهادة الرخصة للطباعة',
  'certificate.holder': 'صاحب الرخصة',
  'certificate.activity': 'النشاط',
  'certificate.address': 'العنوان (الحي)',
  'certificate.notValid': 'هذه الرخصة غير سارية',
  'certificate.notValidHint': 'لا تُعدّ هذه الشهادة إثباتاً لرخصة سارية. حالة الرخصة الآن في صفحة التحقق.',
  'certificate.qr': 'رمز الاستجابة السريعة لصفحة التحقق من هذه الرخصة',
  'certificate.scan': 'امسح الرمز أو افتح العنوان للتحقق من حالة الرخصة الآن:',
  'certificate.print': 'اطبع هذه الصفحة من المتصفح: تُطبع الشهادة وحدها على ورقة A4.',
} as const;

type Key = keyof typeof ar;

const en: Record<Key, string> = {
  'certificate.title': 'License certificate',
  'certificate.link': 'The license certificate, to print',
  'certificate.holder': 'License holder',
  'certificate.activity': 'Activity',
  'certificate.address': 'Address (district)',
  'certificate.notValid': 'This license is not valid',
  'certificate.notValidHint': 'This certificate is no proof of a license in force. The license’s current state is on its verification page.',
  'certificate.qr': 'QR code of this license’s verification page',
  'certificate.scan': 'Scan the code or open the address to check the license’s current state:',
  'certificate.print': 'Print this page from the browser: the certificate alone prints, on one A4 sheet.',
};

export const CERTIFICATE_MESSAGES = { ar, en } as const;
