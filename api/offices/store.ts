// The offices' SQL: office files and their timelines, staff, open work per
// office, accreditation rounds and API keys. Each method is one statement and
// answers in rows; what a missing row means is the service's to say.
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { OfficeStatus } from '../../domain/access';
import type { OfficeApplication } from '../../domain/office';
import type { Db } from '../../db/client';
import { accreditationRounds, apiKeys, applications, officeEvents, offices, officeStaff } from '../../db/schema';

export type OfficeRow = typeof offices.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;

const openCases = (officeId: SQL | string) => and(eq(applications.officeId, officeId), eq(applications.status, 'in_progress'));

export class OfficeStore {
  constructor(private readonly db: Db) {}

  async office(id: string): Promise<OfficeRow | undefined> {
    const [o] = await this.db.select().from(offices).where(eq(offices.id, id));
    return o;
  }

  /** By name; `visibleTo`: accredited offices and this one (undefined: every office). */
  offices(f: { status?: OfficeStatus; visibleTo?: { officeId?: string }; limit: number }) {
    const where: SQL[] = [];
    if (f.status) where.push(eq(offices.status, f.status));
    if (f.visibleTo) {
      const own = f.visibleTo.officeId;
      where.push(own ? sql`(${offices.status} = 'accredited' or ${offices.id} = ${own})` : eq(offices.status, 'accredited'));
    }
    return this.db.select().from(offices).where(and(...where)).orderBy(asc(offices.name)).limit(f.limit);
  }

  /** What the office's own people and the municipality see beside the summary: staff, timeline, open cases. */
  async inside(id: string) {
    const [staff, events, open] = await Promise.all([
      this.db.select().from(officeStaff).where(eq(officeStaff.officeId, id)).orderBy(asc(officeStaff.role), asc(officeStaff.userId)),
      this.db.select().from(officeEvents).where(eq(officeEvents.officeId, id)).orderBy(asc(officeEvents.seq)),
      this.db.select({ n: sql<number>`count(*)::int` }).from(applications).where(openCases(id)),
    ]);
    return { staff, events, openApplications: open[0]?.n ?? 0 };
  }

  /** The round open on this Riyadh date (the one closing first, if two overlap). */
  async openRound(today: string) {
    const [round] = await this.db
      .select()
      .from(accreditationRounds)
      .where(and(sql`${accreditationRounds.opensOn} <= ${today}::date`, sql`${accreditationRounds.closesOn} >= ${today}::date`))
      .orderBy(asc(accreditationRounds.closesOn))
      .limit(1);
    return round;
  }

  /** A new office file; false when the firm license already has one. */
  async insertOffice(o: { id: string; roundId: string; application: OfficeApplication; at: Date }): Promise<boolean> {
    const { application: a } = o;
    const inserted = await this.db
      .insert(offices)
      .values({
        id: o.id,
        name: a.name,
        firmLicenseNumber: a.firmLicenseNumber,
        crNumber: a.crNumber,
        status: 'applying',
        roundId: o.roundId,
        data: a,
        appliedAt: o.at,
        updatedAt: o.at,
      })
      .onConflictDoNothing({ target: offices.firmLicenseNumber })
      .returning({ id: offices.id });
    return inserted.length > 0;
  }

  async officeByFirmLicense(firmLicenseNumber: string): Promise<OfficeRow | undefined> {
    const [o] = await this.db.select().from(offices).where(eq(offices.firmLicenseNumber, firmLicenseNumber));
    return o;
  }

  /** The office named, or every accredited office but `except`. */
  candidateOffices(f: { named: string } | { except: string }) {
    return this.db
      .select({ id: offices.id, status: offices.status })
      .from(offices)
      .where('named' in f ? eq(offices.id, f.named) : and(eq(offices.status, 'accredited'), sql`${offices.id} <> ${f.except}`));
  }

  /** An office's open cases, oldest filed first. */
  openCaseIds(officeId: string) {
    return this.db.select({ id: applications.id }).from(applications).where(openCases(officeId)).orderBy(asc(applications.submittedAt));
  }

  /** Open cases per office, for the offices named (an office with none is absent). */
  openCaseCounts(officeIds: string[]) {
    return this.db
      .select({ officeId: applications.officeId, n: sql<number>`count(*)::int` })
      .from(applications)
      .where(and(inArray(applications.officeId, officeIds), eq(applications.status, 'in_progress')))
      .groupBy(applications.officeId);
  }

  /** Newest first, each with how many offices it has accredited. */
  async rounds() {
    const [rows, taken] = await Promise.all([
      this.db.select().from(accreditationRounds).orderBy(desc(accreditationRounds.opensOn)),
      this.db
        .select({ roundId: offices.roundId, n: sql<number>`count(*)::int` })
        .from(offices)
        .where(sql`${offices.accreditedAt} is not null`)
        .groupBy(offices.roundId),
    ]);
    return rows.map((r) => ({ ...r, accredited: taken.find((t) => t.roundId === r.id)?.n ?? 0 }));
  }

  /** False when a round with this id exists. */
  async insertRound(r: typeof accreditationRounds.$inferInsert): Promise<boolean> {
    const inserted = await this.db.insert(accreditationRounds).values(r).onConflictDoNothing().returning();
    return inserted.length > 0;
  }

  async insertApiKey(k: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
    const [row] = await this.db.insert(apiKeys).values(k).returning();
    return row!;
  }

  apiKeys(officeId: string): Promise<ApiKeyRow[]> {
    return this.db.select().from(apiKeys).where(eq(apiKeys.officeId, officeId)).orderBy(desc(apiKeys.createdAt));
  }

  /** Revoked once: a second revocation keeps the first one's time and author. */
  async revokeApiKey(officeId: string, keyId: string, by: string): Promise<ApiKeyRow | undefined> {
    const [row] = await this.db
      .update(apiKeys)
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())`, revokedBy: sql`coalesce(${apiKeys.revokedBy}, ${by})` })
      .where(and(eq(apiKeys.id, keyId), eq(apiKeys.officeId, officeId)))
      .returning();
    return row;
  }
}
