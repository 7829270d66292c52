// Licenses issued before Tarkhees, as a municipality exports them: the CSV
// format, each row checked by the rules the API applies to a filing, and the
// state a license's workflow starts in, from its true dates and the clock.
// Pure: the API, the command and the import's activities share it.
import { isIsoDate } from './calendar';
import { isValidSaudiId, normalizeSaudiMobile } from './identifiers';
import { OFFICE_ID_PATTERN } from './office';
import { endOfRiyadhDay, type LicenseRules, type LicenseState } from './license';
import { AGENCIES, LICENSE_KINDS, LicenseStatus, type Agency, type LicenseKind } from './status';

/** The columns, in this order in docs/samples/licenses-import.csv; the header row names them (any order). */
export const IMPORT_COLUMNS = [
  'license_number',
  'license_kind',
  'cr_number',
  'trade_name',
  'isic_code',
  'holder_national_id',
  'holder_name',
  'holder_mobile',
  'office_id',
  'issued_on',
  'expires_on',
  'status',
  'status_reason',
  'suspended_by',
  'district',
] as const;
type Column = (typeof IMPORT_COLUMNS)[number];
const OPTIONAL: ReadonlySet<Column> = new Set<Column>(['office_id', 'status_reason', 'suspended_by']);

/** What an export may say a license is: `renewal_open` is not a status of record, the clock decides it. */
export const IMPORT_STATUSES = [LicenseStatus.active, LicenseStatus.expired, LicenseStatus.suspended, LicenseStatus.revoked, LicenseStatus.cancelled] as const;
type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** The patterns of the API's own schemas (api/applications/schemas.ts, api/licenses/schemas.ts), so an imported license is found as an issued one is. */
export const LICENSE_NUMBER_PATTERN = /^[A-Z]{2,6}-[0-9]{4}-[0-9]{6,}$/;
const CR_PATTERN = /^[0-9]{10}$/;
const ISIC_PATTERN = /^[0-9]{6}$/;
const OFFICE_PATTERN = new RegExp(OFFICE_ID_PATTERN);
/** What PostgreSQL's text and jsonb refuse, or nobody meant: control characters, a half of a surrogate pair. */
const UNSTORABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** One license as the import keeps it (license_import_rows.data). */
export interface ImportedLicense {
  number: string;
  licenseKind: LicenseKind;
  crNumber: string;
  tradeName: string;
  isicCode: string;
  holder: { nationalId: string; name: string; mobile: string };
  officeId?: string;
  issuedOn: string;
  expiresOn: string;
  status: ImportStatus;
  statusReason?: string;
  suspendedBy?: Agency;
  district: string;
}

/** A refusal, by the file's row (1 is the header) and column. */
export interface ImportError {
  row: number;
  field: string;
  message: string;
}

/**
 * RFC 4180: commas, double quotes doubled inside quoted fields, CRLF or LF,
 * a byte-order mark tolerated. Returns the records with their line in the file.
 */
export function parseCsv(text: string): { line: number; fields: string[] }[] {
  const records: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  const s = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const end = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
    fields = [];
    field = '';
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') fields.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      end();
      start = ++line;
    } else field += c;
  }
  if (field !== '' || fields.length > 0) end();
  return records;
}

/** The rows that pass, and every refusal of those that do not, each row checked whole (all its bad fields named). */
export function validateImport(text: string, opts: { today: string; offices: ReadonlySet<string> }): { rows: { row: number; license: ImportedLicense }[]; errors: ImportError[] } {
  const records = parseCsv(text);
  const errors: ImportError[] = [];
  const rows: { row: number; license: ImportedLicense }[] = [];
  const header = records[0];
  if (!header) return { rows, errors: [{ row: 1, field: 'header', message: 'the file is empty: a header row naming the columns comes first' }] };
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const missing = IMPORT_COLUMNS.filter((c) => !OPTIONAL.has(c) && !names.includes(c));
  const unknown = names.filter((n) => !(IMPORT_COLUMNS as readonly string[]).includes(n));
  if (missing.length || unknown.length) {
    for (const c of missing) errors.push({ row: header.line, field: c, message: `the header names no column ${c}` });
    for (const c of unknown) errors.push({ row: header.line, field: 'header', message: `unknown column ${JSON.stringify(c.slice(0, 60)).replace(UNSTORABLE, '?')}; the columns are ${IMPORT_COLUMNS.join(', ')}` });
    return { rows, errors };
  }
  const seen = new Map<string, number>();
  for (const r of records.slice(1)) {
    const get = (c: Column) => (names.includes(c) ? (r.fields[names.indexOf(c)] ?? '').trim() : '');
    const bad = (field: Column | 'row', message: string) => errors.push({ row: r.line, field, message });
    const before = errors.length;
    if (r.fields.length !== names.length) bad('row', `${r.fields.length} fields where the header has ${names.length}`);
    for (const c of IMPORT_COLUMNS) {
      if (!OPTIONAL.has(c) && get(c) === '') bad(c, 'required');
      if (UNSTORABLE.test(get(c))) bad(c, 'holds a control character or broken Unicode');
    }
    const v = Object.fromEntries(IMPORT_COLUMNS.map((c) => [c, get(c)])) as Record<Column, string>;
    if (v.license_number && !LICENSE_NUMBER_PATTERN.test(v.license_number)) bad('license_number', `must match ${LICENSE_NUMBER_PATTERN.source}`);
    if (v.license_number && seen.has(v.license_number)) bad('license_number', `the same number as row ${seen.get(v.license_number)}`);
    if (v.license_kind && !(LICENSE_KINDS as readonly string[]).includes(v.license_kind)) bad('license_kind', `must be one of ${LICENSE_KINDS.join(', ')}`);
    if (v.cr_number && !CR_PATTERN.test(v.cr_number)) bad('cr_number', 'commercial registration number, 10 digits');
    if (v.trade_name && (v.trade_name.length < 2 || v.trade_name.length > 200)) bad('trade_name', '2 to 200 characters');
    if (v.isic_code && !ISIC_PATTERN.test(v.isic_code)) bad('isic_code', 'ISIC rev. 4, 6 digits');
    if (v.holder_national_id && !isValidSaudiId(v.holder_national_id)) bad('holder_national_id', 'not a valid national ID or iqama number (10 digits, check digit)');
    if (v.holder_name && (v.holder_name.length < 2 || v.holder_name.length > 200)) bad('holder_name', '2 to 200 characters');
    const mobile = v.holder_mobile ? normalizeSaudiMobile(v.holder_mobile) : undefined;
    if (v.holder_mobile && !mobile) bad('holder_mobile', 'a Saudi mobile number (05XXXXXXXX or +9665XXXXXXXX)');
    if (v.office_id && !OFFICE_PATTERN.test(v.office_id)) bad('office_id', 'an office id, e.g. OFF-000001');
    else if (v.office_id && !opts.offices.has(v.office_id)) bad('office_id', `no office ${v.office_id}`);
    if (v.district && (v.district.length < 2 || v.district.length > 100)) bad('district', '2 to 100 characters');
    for (const c of ['issued_on', 'expires_on'] as const) if (v[c] && !isIsoDate(v[c])) bad(c, 'a date, YYYY-MM-DD');
    if (isIsoDate(v.issued_on) && v.issued_on > opts.today) bad('issued_on', 'in the future');
    if (isIsoDate(v.issued_on) && isIsoDate(v.expires_on) && v.expires_on <= v.issued_on) bad('expires_on', 'not after issued_on');
    const status = v.status as ImportStatus;
    if (v.status && !(IMPORT_STATUSES as readonly string[]).includes(v.status)) bad('status', `must be one of ${IMPORT_STATUSES.join(', ')}`);
    else if (status === LicenseStatus.expired && isIsoDate(v.expires_on) && v.expires_on >= opts.today) bad('status', `expired, but expires_on ${v.expires_on} has not passed`);
    const known = (IMPORT_STATUSES as readonly string[]).includes(status);
    if (known && status !== LicenseStatus.active && status !== LicenseStatus.expired && !v.status_reason) bad('status_reason', `required for a ${v.status} license`);
    if (v.status_reason.length > 500) bad('status_reason', 'at most 500 characters');
    if (status === LicenseStatus.suspended && !(AGENCIES as readonly string[]).includes(v.suspended_by)) {
      bad('suspended_by', `required for a suspended license: ${AGENCIES.join(' or ')} (only its 'resolved' report lifts the suspension)`);
    } else if (v.suspended_by && status !== LicenseStatus.suspended) bad('suspended_by', 'only for a suspended license');
    if (errors.length > before) continue;
    seen.set(v.license_number, r.line);
    rows.push({
      row: r.line,
      license: {
        number: v.license_number,
        licenseKind: v.license_kind as LicenseKind,
        crNumber: v.cr_number,
        tradeName: v.trade_name,
        isicCode: v.isic_code,
        holder: { nationalId: v.holder_national_id, name: v.holder_name, mobile: mobile! },
        ...(v.office_id ? { officeId: v.office_id } : {}),
        issuedOn: v.issued_on,
        expiresOn: v.expires_on,
        status,
        ...(v.status_reason ? { statusReason: v.status_reason } : {}),
        ...(v.suspended_by ? { suspendedBy: v.suspended_by as Agency } : {}),
        district: v.district,
      },
    });
  }
  return { rows, errors };
}

/** Whole months from issue to expiry: a renewal extends the term by as much (at least a month). */
export function termMonthsOf(issuedOn: string, expiresOn: string): number {
  const [y1, m1, d1] = issuedOn.split('-').map(Number) as [number, number, number];
  const [y2, m2, d2] = expiresOn.split('-').map(Number) as [number, number, number];
  return Math.max(1, (y2 - y1) * 12 + (m2 - m1) + (d2 - d1 >= 15 ? 1 : d2 - d1 <= -15 ? -1 : 0));
}

/**
 * The state a license's workflow starts in, computed when it starts (not when
 * the file was read: an import may take a while, or resume a day later). The
 * clock decides active, renewal window open or expired, as it would have had
 * Tarkhees run the license all along; the reminders whose time has passed are
 * counted as sent, so none goes late. A suspension's objection window runs
 * from the import: the holder can object through Tarkhees from then on.
 */
export function importedState(l: ImportedLicense, rules: LicenseRules, now: Date): LicenseState {
  const expiresAt = endOfRiyadhDay(l.expiresOn);
  const left = Date.parse(expiresAt) - now.getTime();
  const byClock = left <= 0 ? LicenseStatus.expired : left > rules.renewalWindowMs ? LicenseStatus.active : LicenseStatus.renewalOpen;
  const remindersSent = byClock === LicenseStatus.active ? [] : rules.remindersMs.filter((r) => r >= left);
  const live = l.status === LicenseStatus.active || l.status === LicenseStatus.expired;
  return {
    number: l.number,
    licenseKind: l.licenseKind,
    crNumber: l.crNumber,
    tradeName: l.tradeName,
    isicCode: l.isicCode,
    ...(l.officeId ? { officeId: l.officeId } : {}),
    holder: l.holder,
    status: live ? byClock : l.status,
    issuedOn: l.issuedOn,
    expiresOn: l.expiresOn,
    expiresAt,
    termMonths: termMonthsOf(l.issuedOn, l.expiresOn),
    renewals: 0,
    remindersSent,
    ...(l.status === LicenseStatus.suspended
      ? {
          suspension: {
            reportId: `import:${l.number}`,
            agency: l.suspendedBy!,
            kind: 'violation' as const,
            reason: l.statusReason!,
            since: now.toISOString(),
            objectionDueAt: new Date(now.getTime() + rules.objectionWindowMs).toISOString(),
            before: byClock,
          },
        }
      : {}),
    reportIds: [],
    // No documents or workers on record from before Tarkhees: a renewal's checks ask for them.
    data: {
      applicant: { ...l.holder, role: 'owner' },
      establishment: { crNumber: l.crNumber, tradeName: l.tradeName, isicCode: l.isicCode, district: l.district, areaSqm: 0 },
      licenseKind: l.licenseKind,
      documents: [],
      ...(l.officeId ? { officeId: l.officeId } : {}),
    },
    seq: 0,
  };
}
