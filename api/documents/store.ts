// The documents' SQL: keep an upload's row, read one with the case it belongs
// to, claim uploads for a case and supersede what a correction replaced.
import { and, count, eq, inArray, isNull, notInArray, TransactionRollbackError } from 'drizzle-orm';
import { DocumentState, type DocumentType } from '../../domain/status';
import type { Db } from '../../db/client';
import { applications, documentRules, documents, licenses } from '../../db/schema';

export type DocumentRow = typeof documents.$inferSelect;
export type DocumentRuleRow = typeof documentRules.$inferSelect;
/** A document with the scope of the case, or else the license, it belongs to (none while it is only uploaded). */
export type DocumentWithCase = DocumentRow & {
  caseOfficeId: string | null;
  caseApplicantNationalId: string | null;
  licenseOfficeId: string | null;
  licenseHolderNationalId: string | null;
};

/**
 * What claims an upload: a case (its filing, its corrections), or a license (a renewal, its correction, an
 * objection): the license's own case with it when it has one, the license alone when it was imported from before Tarkhees.
 */
export type Claimant = { applicationId: string; licenseNumber?: string } | { applicationId?: null; licenseNumber: string };

/** The documents a claimant holds: a case's by its id, an imported license's by its number. */
const heldBy = (c: Claimant) => (c.applicationId ? eq(documents.applicationId, c.applicationId) : eq(documents.licenseNumber, c.licenseNumber!));

export class DocumentStore {
  constructor(private readonly db: Db) {}

  async rule(type: DocumentType): Promise<DocumentRuleRow | undefined> {
    const [rule] = await this.db.select().from(documentRules).where(eq(documentRules.type, type));
    return rule;
  }

  /** The new row, or undefined when its idempotency key was already used (a retry). */
  async insert(row: typeof documents.$inferInsert): Promise<DocumentRow | undefined> {
    const [inserted] = await this.db.insert(documents).values(row).onConflictDoNothing({ target: documents.idempotencyKey }).returning();
    return inserted;
  }

  async byIdempotencyKey(key: string): Promise<DocumentRow | undefined> {
    const [row] = await this.db.select().from(documents).where(eq(documents.idempotencyKey, key));
    return row;
  }

  async withCase(id: string): Promise<DocumentWithCase | undefined> {
    const [row] = await this.db
      .select({
        doc: documents,
        caseOfficeId: applications.officeId,
        caseApplicantNationalId: applications.applicantNationalId,
        licenseOfficeId: licenses.officeId,
        licenseHolderNationalId: licenses.holderNationalId,
      })
      .from(documents)
      .leftJoin(applications, eq(applications.id, documents.applicationId))
      .leftJoin(licenses, eq(licenses.number, documents.licenseNumber))
      .where(eq(documents.id, id));
    return row && { ...row.doc, caseOfficeId: row.caseOfficeId, caseApplicantNationalId: row.caseApplicantNationalId, licenseOfficeId: row.licenseOfficeId, licenseHolderNationalId: row.licenseHolderNationalId };
  }

  byIds(ids: string[]): Promise<DocumentRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db.select().from(documents).where(inArray(documents.id, ids));
  }

  /** Every file a case has carried, the superseded ones too, oldest first. */
  forCase(applicationId: string): Promise<DocumentRow[]> {
    return this.db.select().from(documents).where(eq(documents.applicationId, applicationId)).orderBy(documents.uploadedAt, documents.id);
  }

  /** Removes an upload no case or license has taken; false when it is attached (or gone) by now. */
  async deleteUnattached(id: string): Promise<DocumentRow | undefined> {
    const [row] = await this.db
      .delete(documents)
      .where(and(eq(documents.id, id), eq(documents.state, DocumentState.uploaded), isNull(documents.applicationId), isNull(documents.licenseNumber)))
      .returning();
    return row;
  }

  /**
   * Claims uploads for a case or a license: those still only uploaded, and
   * those already its own (a correction sent again). Answers the ids it
   * claimed anew, or undefined, claiming nothing, when any of them is
   * another's by now.
   */
  async claimFor(claimant: Claimant, ids: string[], at: Date): Promise<string[] | undefined> {
    try {
      return await this.db.transaction(async (tx) => {
        const claimed = await tx
          .update(documents)
          .set({ state: DocumentState.attached, applicationId: claimant.applicationId ?? null, licenseNumber: claimant.licenseNumber ?? null, attachedAt: at })
          .where(and(inArray(documents.id, ids), eq(documents.state, DocumentState.uploaded), isNull(documents.applicationId), isNull(documents.licenseNumber)))
          .returning({ id: documents.id });
        const [held] = await tx
          .select({ n: count() })
          .from(documents)
          .where(and(inArray(documents.id, ids), heldBy(claimant), eq(documents.state, DocumentState.attached)));
        if ((held?.n ?? 0) < ids.length) tx.rollback();
        return claimed.map((c) => c.id);
      });
    } catch (err) {
      if (err instanceof TransactionRollbackError) return undefined;
      throw err;
    }
  }

  /** Gives back uploads claimed for a request (a correction, a renewal) that was then refused. */
  async release(claimant: Claimant, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .update(documents)
      .set({ state: DocumentState.uploaded, applicationId: null, licenseNumber: null, attachedAt: null })
      .where(and(inArray(documents.id, ids), heldBy(claimant), eq(documents.state, DocumentState.attached)));
  }

  /** The case's earlier files of the types a correction replaced: kept, but no longer what the case carries. */
  async supersede(applicationId: string, types: DocumentType[], keep: string[], at: Date): Promise<void> {
    if (types.length === 0) return;
    await this.db
      .update(documents)
      .set({ state: DocumentState.superseded, supersededAt: at })
      .where(
        and(
          eq(documents.applicationId, applicationId),
          eq(documents.state, DocumentState.attached),
          inArray(documents.type, types),
          keep.length > 0 ? notInArray(documents.id, keep) : undefined,
        ),
      );
  }
}
