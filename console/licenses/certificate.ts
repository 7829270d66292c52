// The license certificate: one A4 page to print and hang in the shop, in the
// visitor's language with the other one under every line (Arabic first unless
// English was chosen), and a QR code that opens the license's public
// verification page, which shows whether it is in force now, whatever the
// paper says. A license not in force prints with a banner saying so.
//
// Public, like GET /licenses/:number: anyone holding the number may print or
// check it. What a public address shows is chosen for that: the holder's name
// (a certificate names its holder, it hangs on the shop's wall, and the
// commercial register already publishes who owns a CR), never the national ID
// (the numbers run in sequence, so whatever these pages show can be harvested
// by walking them, and an ID is a key to other government services). The
// verification page shows the establishment, not the holder: what someone
// checking a shop compares with the paper.
import type { FastifyPluginAsync } from 'fastify';
import { eq } from 'drizzle-orm';
import QRCode from 'qrcode';
import type { Config } from '../../config';
import type { Db } from '../../db/client';
import { applications, licenses } from '../../db/schema';
import { findActivity } from '../../domain/rules';
import type { MessageKey } from '../catalogue';
import { html, libraryMarkup, ltr, type Html } from '../html';
import { words, type Words } from '../i18n';
import { licensePage } from './page';
import { certificatePath, standing, verifyPath, type License } from './license';

/**
 * Level M (15% of the symbol recoverable): a clean sheet read by a phone needs
 * no more, and a lower level keeps the modules large on a 35 mm code. The
 * 4-module quiet zone is the standard's minimum for a reader to find it.
 */
const QR_OPTIONS = { type: 'svg', errorCorrectionLevel: 'M', margin: 4 } as const;

/** The QR code as the library draws it (paths, no text of ours), to embed as is. */
export async function qrSvg(url: string): Promise<Html> {
  return libraryMarkup(await QRCode.toString(url, QR_OPTIONS));
}

/** Who holds it and where: the case the license was issued on (none for a license brought from before Tarkhees). */
async function establishmentOf(db: Db, applicationId: string | null, number: string): Promise<{ holder: string; district: string } | undefined> {
  if (applicationId === null) {
    const [imported] = await db.select({ holder: licenses.holderName, district: licenses.district }).from(licenses).where(eq(licenses.number, number));
    return imported?.holder && imported.district ? { holder: imported.holder, district: imported.district } : undefined;
  }
  const [row] = await db.select({ holder: applications.applicantName, district: applications.district }).from(applications).where(eq(applications.id, applicationId));
  return row;
}

interface Certificate {
  license: License;
  holder?: string;
  district?: string;
  activity?: { nameAr: string; nameEn: string };
  verifyUrl: string;
  qr: Html;
}

/**
 * The same words in the page's language, and under them, smaller, in the other
 * one: aligned as the line above (the block keeps the page's direction), read
 * in their own (the isolate inside it).
 */
function bilingual(lead: Words, other: Words, say: (w: Words) => string | Html): Html {
  return html`${say(lead)}<span class="other" lang="${other.locale}"><bdi dir="${other.dir}">${say(other)}</bdi></span>`;
}

/** Both calendars on one line: the Gregorian date machine-readable, then the Umm al-Qura one. */
function dates(w: Words, iso: string): Html {
  const [gregorian, hijri] = w.date(iso);
  return html`<time datetime="${iso}">${gregorian}</time> · ${hijri}`;
}

function field(lead: Words, other: Words, label: MessageKey, value: Html | string | undefined): Html {
  if (value === undefined) return html``;
  return html`<div><dt>${bilingual(lead, other, (w) => w.t(label))}</dt><dd>${value}</dd></div>`;
}

function certificatePage(lead: Words, c: Certificate): Html {
  const other = words(lead.locale === 'ar' ? 'en' : 'ar');
  const l = c.license;
  const inForce = standing(l) === 'verify.valid';
  const both = (key: MessageKey) => bilingual(lead, other, (w) => w.t(key));
  const name = (a: { nameAr: string; nameEn: string }) => (w: Words) => (w.locale === 'ar' ? a.nameAr : a.nameEn);
  return html`<p class="no-print">${lead.t('certificate.print')}</p>
<article class="certificate" aria-labelledby="certificate-title">
  <header class="cert-head">
    <div>
      <p class="cert-issuer">${bilingual(lead, other, (w) => `${w.t('app.name')} · ${w.t('app.tagline')}`)}</p>
      <h1 id="certificate-title">${both('certificate.title')}</h1>
    </div>
    <p class="cert-number">${both('license.number')}<strong>${ltr(l.number)}</strong></p>
  </header>
  ${!inForce && html`<div class="cert-void" role="status"><h2>${both('certificate.notValid')}</h2>
    <p>${bilingual(lead, other, (w) => `${w.t(standing(l))}. ${w.t('certificate.notValidHint')}`)}</p></div>`}
  <dl class="cert-fields">
    ${field(lead, other, 'license.kind', both(`license.kind.${l.licenseKind}`))}
    ${field(lead, other, 'certificate.holder', c.holder ? html`<bdi>${c.holder}</bdi>` : undefined)}
    ${field(lead, other, 'license.tradeName', html`<bdi>${l.tradeName}</bdi>`)}
    ${field(lead, other, 'license.crNumber', ltr(l.crNumber))}
    ${field(lead, other, 'certificate.activity', html`${ltr(l.isicCode)}${c.activity && html` · ${bilingual(lead, other, name(c.activity))}`}`)}
    ${field(lead, other, 'certificate.address', c.district ? html`<bdi>${c.district}</bdi>` : undefined)}
    ${field(lead, other, 'license.issuedOn', bilingual(lead, other, (w) => dates(w, l.issuedOn)))}
    ${field(lead, other, 'license.expiresOn', bilingual(lead, other, (w) => dates(w, l.expiresOn)))}
  </dl>
  <footer class="cert-verify">
    <div class="qr" role="img" aria-label="${lead.t('certificate.qr')}">${c.qr}</div>
    <div>
      <p>${both('certificate.scan')}</p>
      <p class="cert-url"><a href="${c.verifyUrl}">${ltr(c.verifyUrl)}</a></p>
    </div>
  </footer>
</article>`;
}

export interface CertificatePagesOptions {
  config: Config;
}

const certificatePages: FastifyPluginAsync<CertificatePagesOptions> = async (app, { config }) => {
  // The QR code must open from any phone: the public address, not the one this request came in on.
  const publicBase = config.api.publicUrl.replace(/\/$/, '');

  licensePage(app, { route: '/licenses/:number/certificate', pathOf: certificatePath, title: 'certificate.title' }, async (w, license) => {
    const verifyUrl = `${publicBase}${verifyPath(license.number)}`;
    const [place, rules, qr] = await Promise.all([establishmentOf(app.db, license.applicationId, license.number), app.applications.filingRules(), qrSvg(verifyUrl)]);
    return certificatePage(w, { license, ...place, activity: findActivity(rules, license.isicCode), verifyUrl, qr });
  });
};

export default certificatePages;
