// The steps of filing and the fields each asks, as data; a form's text turned
// into the draft the API takes, and checked with the API's own schemas, so a
// page refuses exactly what POST /applications would, field by field.
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { APPLICANT_ROLES, LICENSE_KINDS, type LicenseKind } from '../../domain/status';
import { Role, type Principal } from '../../domain/access';
import { isIsoDate } from '../../domain/calendar';
import { DraftBody, WorkerSchema } from '../../api/applications/schemas';
import { FILING_MESSAGES, type FilingMessageKey } from './messages';

// The API's ajv knows this format; TypeBox's checker learns it here.
if (!FormatRegistry.Has('date')) FormatRegistry.Set('date', isIsoDate);

export const STEPS = ['kind', 'applicant', 'establishment', 'workers', 'documents', 'office', 'check'] as const;
export type Step = (typeof STEPS)[number];

export interface Field {
  /** Its place in the draft, as the API's error paths and deficiencies name it. */
  path: string;
  input: 'text' | 'number' | 'tel' | 'date' | 'radio' | 'checkbox';
  options?: readonly string[];
  optional?: true;
  /** Digits, codes and coordinates: typed and read left to right. */
  ltr?: true;
  autocomplete?: string;
  inputmode?: 'numeric' | 'decimal' | 'tel';
  maxlength?: number;
}

export const STEP_FIELDS: Record<Exclude<Step, 'workers' | 'documents' | 'check'>, Field[]> = {
  kind: [
    { path: 'licenseKind', input: 'radio', options: LICENSE_KINDS },
    { path: 'requestedTermYears', input: 'number', optional: true, ltr: true, inputmode: 'numeric', maxlength: 1 },
  ],
  applicant: [
    { path: 'applicant/nationalId', input: 'text', ltr: true, inputmode: 'numeric', maxlength: 10 },
    { path: 'applicant/name', input: 'text', autocomplete: 'name', maxlength: 120 },
    { path: 'applicant/mobile', input: 'tel', ltr: true, autocomplete: 'tel', inputmode: 'tel', maxlength: 13 },
    { path: 'applicant/role', input: 'radio', options: APPLICANT_ROLES },
  ],
  establishment: [
    { path: 'establishment/crNumber', input: 'text', ltr: true, inputmode: 'numeric', maxlength: 10 },
    { path: 'establishment/tradeName', input: 'text', maxlength: 200 },
    { path: 'establishment/isicCode', input: 'text', ltr: true, inputmode: 'numeric', maxlength: 6 },
    { path: 'establishment/district', input: 'text', maxlength: 100 },
    { path: 'establishment/areaSqm', input: 'number', ltr: true, inputmode: 'decimal', maxlength: 10 },
    { path: 'establishment/location/lat', input: 'number', optional: true, ltr: true, inputmode: 'decimal', maxlength: 20 },
    { path: 'establishment/location/lng', input: 'number', optional: true, ltr: true, inputmode: 'decimal', maxlength: 20 },
    { path: 'establishment/establishmentsOwned', input: 'number', optional: true, ltr: true, inputmode: 'numeric', maxlength: 5 },
    { path: 'homeVisitRequested', input: 'checkbox', optional: true },
  ],
  office: [{ path: 'officeId', input: 'text', optional: true, ltr: true, maxlength: 40 }],
};

export const WORKER_FIELDS: Field[] = [
  { path: 'worker/name', input: 'text', maxlength: 120 },
  { path: 'worker/healthCertificateNumber', input: 'text', ltr: true, maxlength: 40 },
  { path: 'worker/healthCertificateExpiry', input: 'date', ltr: true },
];

/** The draft paths each step answers for: its fields' errors and the deficiencies it can fix. */
export const STEP_PREFIXES: Record<Step, string[]> = {
  kind: ['licenseKind', 'requestedTermYears'],
  applicant: ['applicant/'],
  establishment: ['establishment/', 'homeVisitRequested'],
  workers: ['workers'],
  documents: ['documents'],
  office: ['officeId'],
  check: [''],
};

/** The steps this person goes through for this draft: workers only where the activity needs them, the office choice only for an applicant. */
export function stepsFor(p: Principal, needsWorkers: boolean): Step[] {
  return STEPS.filter((s) => (s !== 'workers' || needsWorkers) && (s !== 'office' || p.roles.includes(Role.applicant)));
}

export const isStep = (v: string): v is Step => (STEPS as readonly string[]).includes(v);
export const isLicenseKind = (v: unknown): v is LicenseKind => (LICENSE_KINDS as readonly unknown[]).includes(v);

type Json = Record<string, unknown>;

function setAt(obj: Json, path: string, value: unknown): void {
  const keys = path.split('/');
  let at = obj;
  for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Json;
  if (value === undefined) delete at[keys.at(-1)!];
  else at[keys.at(-1)!] = value;
}

export function valueAt(obj: unknown, path: string): unknown {
  return path.split('/').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Json)[k] : undefined), obj);
}

/** A number as people type one (a comma for the decimal point too); anything else stays text, for the schema to refuse by name. */
const NUMBER = /^-?\d+([.,]\d+)?$/;
function typed(field: Field, raw: string | undefined): unknown {
  if (field.input === 'checkbox') return raw === 'on' || raw === 'true' ? true : undefined;
  const text = (raw ?? '').trim();
  if (text === '') return undefined;
  if (field.input === 'number') return NUMBER.test(text) ? Number(text.replace(',', '.')) : text;
  return text;
}

/** The form's fields, written into a copy of the draft (a field left empty is taken out). */
export function withFields(body: DraftBody, fields: Field[], form: Record<string, string>): DraftBody {
  const next = structuredClone(body) as Json;
  for (const f of fields) setAt(next, f.path, typed(f, form[f.path]));
  const est = next.establishment as Json | undefined;
  const loc = est?.location as Json | undefined;
  // Both coordinates or none: half a location is neither.
  if (loc && Object.keys(loc).length === 0) delete est!.location;
  if (est && Object.keys(est).length === 0) delete next.establishment;
  if (next.applicant && Object.keys(next.applicant as Json).length === 0) delete next.applicant;
  return next as DraftBody;
}

/** The message key for a field's error: the field's own, or its parent's (a coordinate: the location). */
export function errorKey(path: string): FilingMessageKey | undefined {
  for (let p = path; p; p = p.split('/').slice(0, -1).join('/')) {
    const key = `file.error.${p}` as FilingMessageKey;
    if (ERROR_KEYS.has(key)) return key;
  }
  return undefined;
}
const ERROR_KEYS: ReadonlySet<string> = new Set(Object.keys(FILING_MESSAGES.ar).filter((k) => k.startsWith('file.error.')));

/** Each field the schema refuses, by its path (the first complaint of each), for the fields of these prefixes. */
export function fieldErrors(body: DraftBody, prefixes: string[]): Map<string, FilingMessageKey> {
  const out = new Map<string, FilingMessageKey>();
  for (const e of Value.Errors(DraftBody, body)) {
    const path = e.path.replace(/^\//, '');
    if (!prefixes.some((p) => path.startsWith(p))) continue;
    // A coordinate's bound and the location's missing half both read as the location's error.
    const location = path.startsWith('establishment/location');
    const at = location ? 'establishment/location/lat' : path;
    const key = location ? 'file.error.establishment/location' : errorKey(path);
    if (key && !out.has(at)) out.set(at, key);
  }
  return out;
}

/** The draft with every field the schema refuses taken out: what is well-formed so far, for the check as the person types. */
export function wellFormed(body: DraftBody): DraftBody {
  const next = structuredClone(body) as Json;
  for (const e of Value.Errors(DraftBody, next)) {
    const path = e.path.replace(/^\//, '');
    // A coordinate's fault is the location's: half a location is none.
    setAt(next, path.startsWith('establishment/location') ? 'establishment/location' : path, undefined);
  }
  return next as DraftBody;
}

export interface Worker {
  name: string;
  healthCertificateNumber: string;
  healthCertificateExpiry: string;
}

/** A worker typed on the workers page, or the fields it is refused on. */
export function workerOf(form: Record<string, string>): { worker: Worker } | { errors: Map<string, FilingMessageKey> } {
  const worker = {
    name: (form['worker/name'] ?? '').trim(),
    healthCertificateNumber: (form['worker/healthCertificateNumber'] ?? '').trim(),
    healthCertificateExpiry: (form['worker/healthCertificateExpiry'] ?? '').trim(),
  };
  const errors = new Map<string, FilingMessageKey>();
  for (const e of Value.Errors(WorkerSchema, worker)) {
    const path = `worker${e.path}`;
    const key = errorKey(path);
    if (key && !errors.has(path)) errors.set(path, key);
  }
  return errors.size ? { errors } : { worker };
}
