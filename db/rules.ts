// Seeds the rules tables from db/rules.json and reads them back for the checks,
// with the facts of the stored documents those checks look at.
import { readFileSync } from 'node:fs';
import { inArray, sql } from 'drizzle-orm';
import type { ActivityRule, DocumentRule, KindRule, RuleSet, StoredDocumentFacts } from '../domain/rules';
import { durationMs } from '../domain/duration';
import type { LicenseRules } from '../domain/license';
import { REVIEW_KINDS, type LicenseKind, type ReviewKind } from '../domain/status';
import type { Db } from './db';
import { scheduleProblems, type FeeBand, type FeeSettings } from '../domain/fees';
import { activityRules, documentRules, documents, feeSchedules, inspectionRules, licenseKindRules, licenseRules, taskSlas, violationCodes } from './schema';

const RULES_FILE = new URL('./rules.json', import.meta.url);

type LicenseRulesRow = typeof licenseRules.$inferInsert;

interface RulesFile {
  kinds: KindRule[];
  licenses: LicenseRulesRow[];
  activities: ActivityRule[];
  documents: DocumentRule[];
  taskSlas: (typeof taskSlas.$inferInsert)[];
  inspections: (typeof inspectionRules.$inferInsert)[];
  violations: (typeof violationCodes.$inferInsert)[];
  fees: { bands: FeeBand[]; settings: FeeSettings };
}

/** A duration of the rules file, or the start stops, naming where it is. */
function durationOf(where: string, text: string): number {
  const v = durationMs(text);
  if (v === undefined) throw new Error(`${where} "${text}" is not a duration (e.g. "90d", "20s")`);
  return v;
}

/** Upsert by key: re-running start-up applies edits to rules.json without duplicating rows. */
export async function seedRules(db: Db): Promise<void> {
  const file = JSON.parse(readFileSync(RULES_FILE, 'utf8')) as RulesFile;
  await db.transaction(async (tx) => {
    for (const k of file.kinds) {
      await tx
        .insert(licenseKindRules)
        .values(k)
        .onConflictDoUpdate({
          target: licenseKindRules.kind,
          set: {
            requiredDocuments: k.requiredDocuments,
            minTermYears: k.minTermYears,
            maxTermYears: k.maxTermYears,
            defaultTermYears: k.defaultTermYears,
          },
        });
    }
    for (const l of file.licenses) {
      // A typo here would stop a license's workflow at its first step, so it stops the start instead, by name.
      licenseRulesOf(l);
      const { kind, ...rest } = l;
      await tx.insert(licenseRules).values(l).onConflictDoUpdate({ target: licenseRules.kind, set: rest });
    }
    // Before the activities, which name their risk class.
    for (const i of file.inspections) {
      durationOf(`db/rules.json: inspections ${i.riskClass}: interval`, i.interval);
      const { riskClass, ...rest } = i;
      await tx.insert(inspectionRules).values(i).onConflictDoUpdate({ target: inspectionRules.riskClass, set: rest });
    }
    for (const v of file.violations) {
      if (v.fixWithin) durationOf(`db/rules.json: violations ${v.code}: fixWithin`, v.fixWithin);
      const { code, ...rest } = v;
      await tx.insert(violationCodes).values(v).onConflictDoUpdate({ target: violationCodes.code, set: rest });
    }
    for (const a of file.activities) {
      // A review kind misspelt would never open: it stops the start instead, by name.
      for (const k of a.renewalReviews ?? []) {
        if (!(REVIEW_KINDS as readonly string[]).includes(k)) throw new Error(`db/rules.json: activities ${a.isicPrefix}: renewalReviews "${k}" is not one of ${REVIEW_KINDS.join(', ')}`);
      }
      const { isicPrefix, ...rest } = a;
      await tx
        .insert(activityRules)
        .values(a)
        .onConflictDoUpdate({ target: activityRules.isicPrefix, set: rest });
    }
    // A kind's first SLA only: the municipality edits the rows where they are, and start-up must not undo it.
    for (const t of file.taskSlas) await tx.insert(taskSlas).values(t).onConflictDoNothing();
    for (const d of file.documents) {
      // The sweep compares it in SQL: a typo would stop every removal, so it stops the start instead, by name.
      await tx.execute(sql`select ${d.retention}::interval`).catch(() => {
        throw new Error(`db/rules.json: documents ${d.type}: retention "${d.retention}" is not a PostgreSQL interval (e.g. "5 years")`);
      });
      const { type, ...rest } = d;
      await tx.insert(documentRules).values(d).onConflictDoUpdate({ target: documentRules.type, set: rest });
    }
    // The first version only: later ones are an administrator's (PUT /fees), and start-up must not undo them.
    const problems = scheduleProblems(file.fees.bands, file.fees.settings);
    if (problems.length > 0) throw new Error(`db/rules.json: fees: ${problems.map((p) => `${p.field.replace(/^body\//, '')} ${p.message}`).join('; ')}`);
    await tx
      .insert(feeSchedules)
      .values({ version: 1, bands: file.fees.bands, settings: file.fees.settings, createdBy: 'db/rules.json', reason: 'the schedule Tarkhees was set up with' })
      .onConflictDoNothing();
  });
}

export async function loadRules(db: Db): Promise<RuleSet> {
  const [kinds, activities, documents] = await Promise.all([
    db.select().from(licenseKindRules),
    db.select().from(activityRules).orderBy(sql`length(${activityRules.isicPrefix}) desc`),
    db.select().from(documentRules),
  ]);
  return {
    kinds: Object.fromEntries(kinds.map((k) => [k.kind, k as KindRule])),
    activities: activities as ActivityRule[],
    documents: Object.fromEntries(documents.map((d) => [d.type, d])),
  };
}

/**
 * The rules, loaded at most once per `maxAgeMs`: every completeness check and
 * every draft validation reads them, and an edit to the tables shows up within
 * that time. A failed load is not kept.
 */
export function cachedRules(db: Db, maxAgeMs: number): () => Promise<RuleSet> {
  let cache: { at: number; rules: Promise<RuleSet> } | undefined;
  return () => {
    const t = Date.now();
    if (!cache || t - cache.at > maxAgeMs) {
      const loading = loadRules(db);
      loading.catch(() => (cache = undefined));
      cache = { at: t, rules: loading };
    }
    return cache.rules;
  };
}

/** What the completeness check knows of the named uploads: their rows' type, state, kind and expiry. */
export async function storedDocumentFacts(db: Db, ids: string[]): Promise<Map<string, StoredDocumentFacts>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: documents.id, type: documents.type, state: documents.state, fileKind: documents.fileKind, expiresOn: documents.expiresOn })
    .from(documents)
    .where(inArray(documents.id, ids));
  return new Map(rows.map(({ id, ...facts }) => [id, facts]));
}

/** A license_rules row in milliseconds; a duration that does not parse is named, with its kind. */
export function licenseRulesOf(row: LicenseRulesRow): LicenseRules {
  const ms = (field: string, text: string) => durationOf(`license_rules ${row.kind}: ${field}`, text);
  return {
    renewalWindowMs: ms('renewal_window', row.renewalWindow),
    remindersMs: row.reminders.map((r) => ms('reminders', r)).sort((a, b) => b - a),
    gracePeriodMs: ms('grace_period', row.gracePeriod),
    objectionWindowMs: ms('objection_window', row.objectionWindow),
    renewalCorrectionMs: ms('renewal_correction', row.renewalCorrection),
    cancellationDeadlineMs: ms('cancellation_deadline', row.cancellationDeadline),
    agencyRecheckMs: ms('agency_recheck', row.agencyRecheck),
  };
}

export async function loadLicenseRules(db: Db, kind: LicenseKind): Promise<LicenseRules> {
  const [row] = await db.select().from(licenseRules).where(sql`${licenseRules.kind} = ${kind}`);
  if (!row) throw new Error(`license_rules has no row for ${kind}`);
  return licenseRulesOf(row);
}

/**
 * What a license's activity sets in its life (its longest-prefix activity): how often it is inspected (its risk
 * class's interval; undefined, it is not), and the reviews a renewal needs (empty, none).
 */
export async function loadActivityLicenseRules(db: Db, isicCode: string): Promise<{ inspectionIntervalMs?: number; renewalReviews: ReviewKind[] }> {
  const [row] = await db
    .select({ riskClass: activityRules.riskClass, interval: inspectionRules.interval, renewalReviews: activityRules.renewalReviews })
    .from(activityRules)
    .leftJoin(inspectionRules, sql`${inspectionRules.riskClass} = ${activityRules.riskClass}`)
    .where(sql`${isicCode} like ${activityRules.isicPrefix} || '%'`)
    .orderBy(sql`length(${activityRules.isicPrefix}) desc`)
    .limit(1);
  const renewalReviews = (row?.renewalReviews ?? []).filter((k): k is ReviewKind => (REVIEW_KINDS as readonly string[]).includes(k));
  return {
    ...(row?.interval ? { inspectionIntervalMs: durationOf(`inspection_rules ${row.riskClass}: interval`, row.interval) } : {}),
    renewalReviews: REVIEW_KINDS.filter((k) => renewalReviews.includes(k)),
  };
}

/** The violation codes named, as the table has them (a missing one is simply absent); none named, every code, by code. */
export async function loadViolations(db: Db, codes?: string[]) {
  if (codes === undefined) return db.select().from(violationCodes).orderBy(violationCodes.code);
  if (codes.length === 0) return [];
  return db.select().from(violationCodes).where(inArray(violationCodes.code, codes));
}
