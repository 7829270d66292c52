// The figures the municipality publishes and the ones offices compete on, for
// any period. A period is a cohort: the applications submitted in it (Riyadh
// dates, inclusive), and where each of them stands now, as the Amanah's
// annual figures count them ("received 7,000; issued 6,284; excluded 687; the
// rest still open").
import type { Db } from '../../db/client';
import { toCsv } from './csv';
import { riyadhDate } from '../../domain/calendar';
import { InspectionReportStore, ReportStore, RevenueReportStore, type InspectionFigures, type LicenseStanding, type OutstandingLine, type Outcomes } from './store';
import { badRequest } from '../errors';

/** A report's file when asked for as CSV. */
export interface CsvFile {
  filename: string;
  body: string;
}

export interface Period {
  from: string;
  to: string;
}

const outcomes = (r: Outcomes) => ({
  received: r.received,
  issued: r.issued,
  excludedIncomplete: r.excluded_incomplete,
  excludedConditions: r.excluded_conditions,
  excludedUnpaid: r.excluded_unpaid,
  rejected: r.rejected,
  cancelled: r.cancelled,
  open: r.open,
});

/** The cohort's bounds as instants: midnight in Riyadh (UTC+3) at both ends, the end exclusive. */
function bounds(p: Period) {
  if (p.to < p.from) throw badRequest('querystring/to', 'querystring/to: the period ends before it starts');
  const start = new Date(`${p.from}T00:00:00+03:00`);
  const end = new Date(new Date(`${p.to}T00:00:00+03:00`).getTime() + 86_400_000);
  return { start, end };
}

/** "Expiring soon" as the municipality plans its renewals: the default renewal window. */
export const EXPIRING_SOON_DAYS = 90;

const standing = (r: LicenseStanding) => ({
  total: r.total,
  active: r.active,
  renewalOpen: r.renewal_open,
  expiringSoon: r.expiring_soon,
  expired: r.expired,
  suspended: r.suspended,
  revoked: r.revoked,
  cancelled: r.cancelled,
});

const round = (x: number | null, digits = 3) => (x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits);

const inspectionFigures = (r: InspectionFigures) => ({
  cameDue: r.came_due,
  doneOnTime: r.done_on_time,
  doneLate: r.done_late,
  withdrawn: r.withdrawn,
  openOverdue: r.open_overdue,
  openDue: r.open_due,
  pass: r.pass,
  noted: r.noted,
  fix: r.fix,
  closure: r.closure,
  violations: r.violations,
});
const NO_INSPECTIONS: InspectionFigures = {
  district: null, g: 1, came_due: 0, done_on_time: 0, done_late: 0, withdrawn: 0, open_overdue: 0, open_due: 0, pass: 0, noted: 0, fix: 0, closure: 0, violations: 0,
};

/** An int8 sum as pg hands it (a string) or PGlite (a number): exact as a number up to 2^53 halalas, beyond any municipality's year. */
const amount = (v: string | number) => Number(v);

/** Halalas as the CSV writes riyals: "1250.00", no grouping, so a spreadsheet reads a number. */
export function sarCell(halalas: number): string {
  const sign = halalas < 0 ? '-' : '';
  const abs = Math.abs(halalas);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** The open invoices the outstanding report lists: the longest due first, enough to act on. */
export const OUTSTANDING_LISTED = 100;

const outstandingFigures = (r: OutstandingLine) => {
  const halalas = amount(r.halalas);
  const overdueHalalas = amount(r.overdue_halalas);
  return { count: r.count, halalas, overdueCount: r.overdue_count, overdueHalalas, notDueCount: r.count - r.overdue_count, notDueHalalas: halalas - overdueHalalas };
};
const NO_OUTSTANDING: OutstandingLine = { g: 3, license_kind: null, office_id: null, office_name: null, count: 0, halalas: 0, overdue_count: 0, overdue_halalas: 0 };

export class ReportService {
  private readonly store: ReportStore;
  private readonly inspectionStore: InspectionReportStore;
  private readonly revenueStore: RevenueReportStore;
  constructor(db: Db) {
    this.store = new ReportStore(db);
    this.inspectionStore = new InspectionReportStore(db);
    this.revenueStore = new RevenueReportStore(db);
  }

  /** Received, issued, excluded (incomplete / conditions / unpaid fee), rejected, cancelled and still open: in all, per license kind, per office. */
  async summary(p: Period) {
    const rows = await this.store.outcomes(bounds(p));
    // grouping(): 3 = the total, 1 = by license kind, 2 = by office.
    const total = rows.find((r) => r.g === 3);
    return {
      period: p,
      total: outcomes(total ?? { received: 0, issued: 0, excluded_incomplete: 0, excluded_conditions: 0, excluded_unpaid: 0, rejected: 0, cancelled: 0, open: 0 }),
      byLicenseKind: rows.filter((r) => r.g === 1).map((r) => ({ licenseKind: r.license_kind!, ...outcomes(r) })),
      byOffice: rows.filter((r) => r.g === 2).map((r) => ({ officeId: r.office_id, officeName: r.office_name, ...outcomes(r) })),
    };
  }

  /**
   * Per office: volume, days from submission to issuance (median, p90), the
   * share complete on first submission (never asked for a correction), review
   * SLA compliance (decided by the due time) and exclusions by reason.
   */
  async offices(p: Period) {
    const rows = await this.store.officeFigures(bounds(p));
    return {
      period: p,
      offices: rows.map((r) => ({
        officeId: r.office_id,
        officeName: r.office_name,
        ...outcomes(r),
        medianDaysToIssue: round(r.median_days, 2),
        p90DaysToIssue: round(r.p90_days, 2),
        firstTimeCompleteShare: r.received ? round(r.first_time_complete / r.received) : null,
        reviewsDecided: r.reviews_decided,
        slaComplianceShare: r.reviews_decided ? round(r.reviews_on_time / r.reviews_decided) : null,
      })),
    };
  }

  /** The summary as one CSV table: the total, then a line per license kind and per office. */
  async summaryCsv(p: Period): Promise<CsvFile> {
    const report = await this.summary(p);
    const rows = [
      { scope: 'total', key: '', name: '', ...report.total },
      ...report.byLicenseKind.map(({ licenseKind, ...o }) => ({ scope: 'license_kind', key: licenseKind, name: '', ...o })),
      ...report.byOffice.map(({ officeId, officeName, ...o }) => ({ scope: 'office', key: officeId ?? '', name: officeName ?? '', ...o })),
    ];
    return { filename: `tarkhees-summary-${p.from}-${p.to}.csv`, body: toCsv(rows) };
  }

  async officesCsv(p: Period): Promise<CsvFile> {
    const report = await this.offices(p);
    return { filename: `tarkhees-offices-${p.from}-${p.to}.csv`, body: toCsv(report.offices) };
  }

  /**
   * Licenses now, by status and kind (with those in force expiring within
   * EXPIRING_SOON_DAYS), and the period's renewal rate: of the renewals decided
   * in it, the share renewed (on time or late in grace).
   */
  async licenses(p: Period) {
    const [rows, [renewals]] = await Promise.all([this.store.licenseStanding(riyadhDate(new Date()), EXPIRING_SOON_DAYS), this.store.renewals(bounds(p))]);
    const total = rows.find((r) => r.license_kind === null && r.g === 1);
    const r = renewals ?? { renewed_on_time: 0, renewed_late: 0, lapsed: 0 };
    const decided = r.renewed_on_time + r.renewed_late + r.lapsed;
    return {
      period: p,
      expiringSoonDays: EXPIRING_SOON_DAYS,
      now: standing(total ?? { total: 0, active: 0, renewal_open: 0, expiring_soon: 0, expired: 0, suspended: 0, revoked: 0, cancelled: 0 }),
      byLicenseKind: rows.filter((x) => x.g === 0).map((x) => ({ licenseKind: x.license_kind!, ...standing(x) })),
      renewals: { renewedOnTime: r.renewed_on_time, renewedLate: r.renewed_late, lapsed: r.lapsed, renewalRate: decided ? round((r.renewed_on_time + r.renewed_late) / decided) : null },
    };
  }

  async licensesCsv(p: Period): Promise<CsvFile> {
    const report = await this.licenses(p);
    const rows = [{ scope: 'total', key: '', ...report.now }, ...report.byLicenseKind.map(({ licenseKind, ...o }) => ({ scope: 'license_kind', key: licenseKind, ...o }))];
    return { filename: `tarkhees-licenses-${riyadhDate(new Date())}.csv`, body: toCsv(rows) };
  }

  /**
   * The periodic inspections of public-health shops: those that came due in
   * the period, their results recorded on time (by the task's SLA) or late,
   * those withdrawn, those open now (overdue, or not yet); the results by
   * outcome; the violations found, by code and, with everything else, by the
   * establishment's district (offices have no area: an office files anywhere).
   */
  async inspections(p: Period, now = new Date()) {
    const period = bounds(p);
    const [rows, codes] = await Promise.all([this.inspectionStore.figures(period, now), this.inspectionStore.violationsByCode(period)]);
    const total = inspectionFigures(rows.find((r) => r.g === 1) ?? NO_INSPECTIONS);
    const done = total.doneOnTime + total.doneLate;
    return {
      period: p,
      asOf: now.toISOString(),
      total: { ...total, onTimeShare: done ? round(total.doneOnTime / done) : null },
      byCode: codes.map((c) => ({ code: c.code, textAr: c.text_ar, textEn: c.text_en, severity: c.severity, violations: c.violations, inspections: c.inspections })),
      byDistrict: rows.filter((r) => r.g === 0).map((r) => ({ district: r.district, ...inspectionFigures(r) })),
    };
  }

  /**
   * One table, as the summary's: the total, a line per district (the same
   * columns), then a line per violation code (its words, severity, how often
   * found and in how many results; the other columns empty).
   */
  async inspectionsCsv(p: Period): Promise<CsvFile> {
    const r = await this.inspections(p);
    const { onTimeShare: _share, ...total } = r.total;
    const none = { textAr: '', textEn: '', severity: '' };
    const blank = Object.fromEntries(Object.keys(total).map((k) => [k, ''])) as Record<keyof typeof total, ''>;
    const rows = [
      { scope: 'total', key: '', ...none, ...total, inspections: '' },
      ...r.byDistrict.map(({ district, ...x }) => ({ scope: 'district', key: district ?? '', ...none, ...x, inspections: '' })),
      ...r.byCode.map((c) => ({ scope: 'code', key: c.code, textAr: c.textAr ?? '', textEn: c.textEn ?? '', severity: c.severity, ...blank, violations: c.violations, inspections: c.inspections })),
    ];
    return { filename: `tarkhees-inspections-${p.from}-${p.to}.csv`, body: toCsv(rows) };
  }

  /**
   * The period's fees. Received: the payments taken in (applied to their
   * invoice, or refunded since: in, then back out) by their bank time, the
   * Riyadh day of paid_at; by day, by the invoice's license kind, activity,
   * office and basis, each breakdown adding up to the total (a payment of no
   * invoice on the null line). Refunded: the refunds decided in the period
   * (refunds.created_at), by day and reason. Net: received less refunded in
   * the same period (a refund may be of a payment of an earlier period).
   * Held: the period's payments still waiting on an administrator, in neither.
   */
  async revenue(p: Period) {
    const period = bounds(p);
    const [received, refunds, held] = await Promise.all([this.revenueStore.received(period), this.revenueStore.refunds(period), this.revenueStore.held(period)]);
    const line = (r: { count: number; halalas: string | number }) => ({ count: r.count, halalas: amount(r.halalas) });
    const total = line(received.find((r) => r.dimension === 'total') ?? { count: 0, halalas: 0 });
    const refunded = line(refunds.find((r) => r.dimension === 'total') ?? { count: 0, halalas: 0 });
    const receivedOn = new Map(received.filter((r) => r.dimension === 'day').map((r) => [r.day!, line(r)]));
    const refundedOn = new Map(refunds.filter((r) => r.dimension === 'day').map((r) => [r.day!, line(r)]));
    const none = { count: 0, halalas: 0 };
    const days = [...new Set([...receivedOn.keys(), ...refundedOn.keys()])].sort();
    return {
      period: p,
      received: total,
      refunded,
      netHalalas: total.halalas - refunded.halalas,
      held: line(held),
      byDay: days.map((day) => {
        const r = receivedOn.get(day) ?? none;
        const f = refundedOn.get(day) ?? none;
        return { day, receivedCount: r.count, receivedHalalas: r.halalas, refundedCount: f.count, refundedHalalas: f.halalas, netHalalas: r.halalas - f.halalas };
      }),
      byLicenseKind: received.filter((r) => r.dimension === 'license_kind').map((r) => ({ licenseKind: r.license_kind, ...line(r) })),
      byActivity: received
        .filter((r) => r.dimension === 'activity')
        .map((r) => ({ isicCode: r.isic_code, activityAr: r.activity_ar, activityEn: r.activity_en, ...line(r) })),
      byOffice: received.filter((r) => r.dimension === 'office').map((r) => ({ officeId: r.office_id, officeName: r.office_name, ...line(r) })),
      byBasis: received.filter((r) => r.dimension === 'basis').map((r) => ({ basis: r.basis, ...line(r) })),
      refundsByReason: refunds.filter((r) => r.dimension === 'reason').map((r) => ({ reason: r.reason!, ...line(r) })),
    };
  }

  /**
   * One table, riyals with two decimals: the total (received, refunded, net,
   * and held), a line per day (received, refunded, net), then a line per
   * license kind, activity, office and basis (received), and per refund
   * reason (refunded); the columns a line has no figure for are empty.
   */
  async revenueCsv(p: Period): Promise<CsvFile> {
    const r = await this.revenue(p);
    const row = (scope: string, key: string | null, name: string | null, x: { receivedCount?: number; receivedHalalas?: number; refundedCount?: number; refundedHalalas?: number; netHalalas?: number; heldCount?: number; heldHalalas?: number }) => ({
      scope,
      key: key ?? '',
      name: name ?? '',
      receivedCount: x.receivedCount ?? '',
      receivedSar: x.receivedHalalas === undefined ? '' : sarCell(x.receivedHalalas),
      refundedCount: x.refundedCount ?? '',
      refundedSar: x.refundedHalalas === undefined ? '' : sarCell(x.refundedHalalas),
      netSar: x.netHalalas === undefined ? '' : sarCell(x.netHalalas),
      heldCount: x.heldCount ?? '',
      heldSar: x.heldHalalas === undefined ? '' : sarCell(x.heldHalalas),
    });
    const received = (x: { count: number; halalas: number }) => ({ receivedCount: x.count, receivedHalalas: x.halalas });
    const rows = [
      row('total', null, null, {
        ...received(r.received),
        refundedCount: r.refunded.count,
        refundedHalalas: r.refunded.halalas,
        netHalalas: r.netHalalas,
        heldCount: r.held.count,
        heldHalalas: r.held.halalas,
      }),
      ...r.byDay.map(({ day, ...x }) => row('day', day, null, x)),
      ...r.byLicenseKind.map((x) => row('license_kind', x.licenseKind, null, received(x))),
      ...r.byActivity.map((x) => row('activity', x.isicCode, x.activityAr, received(x))),
      ...r.byOffice.map((x) => row('office', x.officeId, x.officeName, received(x))),
      ...r.byBasis.map((x) => row('basis', x.basis, null, received(x))),
      ...r.refundsByReason.map((x) => row('refund_reason', x.reason, null, { refundedCount: x.count, refundedHalalas: x.halalas })),
    ];
    return { filename: `tarkhees-revenue-${p.from}-${p.to}.csv`, body: toCsv(rows) };
  }

  /**
   * The invoices open at `asOf` (now unless asked; not later): how many and
   * how much, those past their due date then and those not, in all, per
   * license kind and per office; and the first OUTSTANDING_LISTED of them,
   * the longest due first.
   */
  async outstanding(asked?: string, now = new Date()) {
    const asOf = asked === undefined ? now : new Date(asked);
    if (asOf.getTime() > now.getTime()) throw badRequest('querystring/asOf', 'querystring/asOf: the report counts what was open up to now, not later');
    const [rows, invoices] = await Promise.all([this.revenueStore.outstanding(asOf), this.revenueStore.outstandingInvoices(asOf, OUTSTANDING_LISTED)]);
    return {
      asOf: asOf.toISOString(),
      total: outstandingFigures(rows.find((r) => r.g === 3) ?? NO_OUTSTANDING),
      byLicenseKind: rows.filter((r) => r.g === 1).map((r) => ({ licenseKind: r.license_kind!, ...outstandingFigures(r) })),
      byOffice: rows.filter((r) => r.g === 2).map((r) => ({ officeId: r.office_id, officeName: r.office_name, ...outstandingFigures(r) })),
      invoices: invoices.map((i) => ({
        invoiceId: i.id,
        basis: i.basis,
        applicationId: i.application_id,
        licenseNumber: i.license_number,
        billNumber: i.bill_number,
        amountHalalas: i.amount_halalas,
        dueAt: i.due_at,
        overdue: i.overdue,
        licenseKind: i.license_kind,
        officeId: i.office_id,
        officeName: i.office_name,
        tradeName: i.trade_name,
      })),
    };
  }

  /**
   * One table: the total, a line per license kind and per office (counts and
   * riyals, overdue and not), then a line per listed invoice (its bill number,
   * case or license, due date; the count columns 1 or 0).
   */
  async outstandingCsv(asked?: string): Promise<CsvFile> {
    const r = await this.outstanding(asked);
    const figures = (x: ReturnType<typeof outstandingFigures>) => ({
      count: x.count,
      sar: sarCell(x.halalas),
      overdueCount: x.overdueCount,
      overdueSar: sarCell(x.overdueHalalas),
      notDueCount: x.notDueCount,
      notDueSar: sarCell(x.notDueHalalas),
    });
    const blank = { billNumber: '', caseOrLicense: '', basis: '', dueAt: '' };
    const rows = [
      { scope: 'total', key: '', name: '', ...figures(r.total), ...blank },
      ...r.byLicenseKind.map((x) => ({ scope: 'license_kind', key: x.licenseKind, name: '', ...figures(x), ...blank })),
      ...r.byOffice.map((x) => ({ scope: 'office', key: x.officeId ?? '', name: x.officeName ?? '', ...figures(x), ...blank })),
      ...r.invoices.map((i) => ({
        scope: 'invoice',
        key: i.invoiceId,
        name: i.tradeName,
        ...figures({ count: 1, halalas: i.amountHalalas, overdueCount: i.overdue ? 1 : 0, overdueHalalas: i.overdue ? i.amountHalalas : 0, notDueCount: i.overdue ? 0 : 1, notDueHalalas: i.overdue ? 0 : i.amountHalalas }),
        billNumber: i.billNumber ?? '',
        caseOrLicense: i.applicationId ?? i.licenseNumber ?? '',
        basis: i.basis,
        dueAt: i.dueAt,
      })),
    ];
    return { filename: `tarkhees-outstanding-${riyadhDate(new Date(r.asOf))}.csv`, body: toCsv(rows) };
  }
}
