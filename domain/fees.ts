// The fee schedule and what it charges. The schedule is data (fee_schedules,
// seeded from db/rules.json, replaced by an administrator through PUT /fees):
// bands per license kind and activity (the longest ISIC prefix wins, '' for
// any activity of the kind) and floor area, each with a fee a year for issuance
// and one for renewal; settings for the late-renewal penalty, the share
// refunded when a paid case is cancelled before issuance, and how long a bill
// may be paid. Pure: no I/O.
import { durationMs } from './duration';
import { LICENSE_KINDS, type LicenseKind } from './status';
import { InvoiceBasis } from './payments';

export interface FeeBand {
  licenseKind: LicenseKind;
  /** The activity's ISIC code starts with this; '' is every activity of the kind. */
  isicPrefix: string;
  /** Floor area in m², from (inclusive) to (exclusive; null: no upper bound). */
  areaFromSqm: number;
  areaToSqm: number | null;
  issuanceFeeHalalas: number;
  renewalFeeHalalas: number;
}

export interface FeeSettings {
  /** A renewal asked for after expiry (within the grace period) pays this share of its fee on top. */
  latePenaltyPercent: number;
  /** The share of a paid fee given back when the case is cancelled before issuance. */
  refundPercent: number;
  /** How long a bill may be paid, as a duration ("14d"; tests use seconds). */
  paymentDue: string;
}

export interface FeeSchedule {
  version: number;
  bands: FeeBand[];
  settings: FeeSettings;
  createdAt: string;
  createdBy: string;
  reason: string;
}

/** One line of an invoice's breakdown. */
export interface InvoiceLine {
  code: 'issuance_fee' | 'renewal_fee' | 'late_penalty';
  amountHalalas: number;
  /** The band's fee a year, and the years of the term it is charged for. */
  annualHalalas?: number;
  termMonths?: number;
  percent?: number;
}

export interface FeeQuestion {
  basis: InvoiceBasis;
  licenseKind: LicenseKind;
  isicCode: string;
  areaSqm: number;
  termMonths: number;
  /** A renewal after expiry. */
  late?: boolean;
}

/** The band that prices this establishment: the longest ISIC prefix of its kind, then its area. */
export function feeBand(bands: readonly FeeBand[], q: Pick<FeeQuestion, 'licenseKind' | 'isicCode' | 'areaSqm'>): FeeBand | undefined {
  const ofKind = bands.filter((b) => b.licenseKind === q.licenseKind && q.isicCode.startsWith(b.isicPrefix));
  const longest = Math.max(-1, ...ofKind.map((b) => b.isicPrefix.length));
  return ofKind.find((b) => b.isicPrefix.length === longest && q.areaSqm >= b.areaFromSqm && (b.areaToSqm === null || q.areaSqm < b.areaToSqm));
}

/** The invoice's lines: the term's fee, pro rata by month, and a late renewal's penalty. Empty when nothing is owed. */
export function invoiceLines(schedule: Pick<FeeSchedule, 'bands' | 'settings'>, q: FeeQuestion): InvoiceLine[] {
  const band = feeBand(schedule.bands, q);
  if (!band) return [];
  const annual = q.basis === InvoiceBasis.renewal ? band.renewalFeeHalalas : band.issuanceFeeHalalas;
  const fee = Math.round((annual * q.termMonths) / 12);
  if (fee === 0) return [];
  const lines: InvoiceLine[] = [{ code: q.basis === InvoiceBasis.renewal ? 'renewal_fee' : 'issuance_fee', amountHalalas: fee, annualHalalas: annual, termMonths: q.termMonths }];
  const percent = schedule.settings.latePenaltyPercent;
  if (q.basis === InvoiceBasis.renewal && q.late && percent > 0) {
    lines.push({ code: 'late_penalty', amountHalalas: Math.round((fee * percent) / 100), percent });
  }
  return lines;
}

export const invoiceTotal = (lines: readonly InvoiceLine[]) => lines.reduce((sum, l) => sum + l.amountHalalas, 0);

/** What a cancelled paid case gets back. */
export const refundDue = (paidHalalas: number, settings: FeeSettings) => Math.round((paidHalalas * settings.refundPercent) / 100);

export interface ScheduleProblem {
  field: string;
  message: string;
}

/**
 * Why a schedule cannot be used, field by field: every kind priced for any
 * activity and any area (a '' band from 0 with no upper bound, or bands that
 * reach it), no two bands of one kind and prefix overlapping, a due period
 * that is a duration.
 */
export function scheduleProblems(bands: readonly FeeBand[], settings: FeeSettings): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  bands.forEach((b, i) => {
    if (b.areaToSqm !== null && b.areaToSqm <= b.areaFromSqm) problems.push({ field: `body/bands/${i}/areaToSqm`, message: `must be more than areaFromSqm (${b.areaFromSqm}), or null for no upper bound` });
    if (b.isicPrefix !== '' && !/^[0-9]{1,6}$/.test(b.isicPrefix)) problems.push({ field: `body/bands/${i}/isicPrefix`, message: 'an ISIC code or its first digits (1 to 6), or "" for every activity' });
  });
  const groups = new Map<string, { band: FeeBand; index: number }[]>();
  bands.forEach((band, index) => {
    const key = `${band.licenseKind}|${band.isicPrefix}`;
    groups.set(key, [...(groups.get(key) ?? []), { band, index }]);
  });
  for (const members of groups.values()) {
    const sorted = [...members].sort((a, b) => a.band.areaFromSqm - b.band.areaFromSqm);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!.band;
      const cur = sorted[i]!;
      if (prev.areaToSqm === null || prev.areaToSqm > cur.band.areaFromSqm) {
        problems.push({ field: `body/bands/${cur.index}/areaFromSqm`, message: `overlaps band ${sorted[i - 1]!.index} of the same kind and activity` });
      }
    }
    // Bands of a prefix must cover every area from 0, or an establishment of that activity has no price.
    const covered = sorted[0]!.band.areaFromSqm === 0 && sorted.every((m, i) => i === 0 || sorted[i - 1]!.band.areaToSqm === m.band.areaFromSqm) && sorted.at(-1)!.band.areaToSqm === null;
    if (!covered) problems.push({ field: `body/bands/${sorted[0]!.index}/areaFromSqm`, message: `the bands of ${sorted[0]!.band.licenseKind} "${sorted[0]!.band.isicPrefix}" must run from 0 m² with no gap to a last band with no upper bound` });
  }
  for (const kind of LICENSE_KINDS) {
    if (!bands.some((b) => b.licenseKind === kind && b.isicPrefix === '')) problems.push({ field: 'body/bands', message: `no band prices every ${kind} activity (isicPrefix "")` });
  }
  const due = durationMs(settings.paymentDue);
  if (due === undefined || due <= 0) problems.push({ field: 'body/settings/paymentDue', message: `"${settings.paymentDue}" is not a duration (e.g. "14d")` });
  return problems;
}

export const paymentDueMs = (settings: FeeSettings): number => durationMs(settings.paymentDue)!;
