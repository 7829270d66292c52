// The drafts' SQL: an application being typed, kept between its pages, each
// read and written only by the person who started it.
import { randomBytes } from 'node:crypto';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { filingDrafts } from '../../db/schema';
import type { DraftBody } from '../../api/applications/schemas';

/** What the pages show of an upload without asking the documents table again. */
export interface DraftFile {
  name: string;
  sizeBytes: number;
  expiresOn: string | null;
}

export interface DraftData {
  /** As POST /applications/validate takes it: every field may still be missing. */
  body: DraftBody;
  files: Record<string, DraftFile>;
}

export interface Draft {
  id: string;
  data: DraftData;
  applicationId: string | null;
  updatedAt: Date;
}

/** A person's open drafts shown on the start page: a clerk's day, not their history. */
const LISTED_DRAFTS = 20;

const toDraft = (r: typeof filingDrafts.$inferSelect): Draft => ({
  id: r.id,
  data: r.data as unknown as DraftData,
  applicationId: r.applicationId,
  updatedAt: r.updatedAt,
});

export class DraftStore {
  constructor(private readonly db: Db) {}

  async create(ownerId: string, body: DraftBody): Promise<Draft> {
    // Unguessable: a draft's address is typed into no page but its owner's.
    const id = `d_${randomBytes(12).toString('base64url')}`;
    const data: DraftData = { body, files: {} };
    const [row] = await this.db.insert(filingDrafts).values({ id, ownerId, data: data as never }).returning();
    return toDraft(row!);
  }

  async get(id: string, ownerId: string): Promise<Draft | undefined> {
    const [row] = await this.db.select().from(filingDrafts).where(and(eq(filingDrafts.id, id), eq(filingDrafts.ownerId, ownerId)));
    return row && toDraft(row);
  }

  /** Saves what was typed, unless the draft was filed meanwhile (another tab): then nothing. */
  async save(id: string, ownerId: string, data: DraftData): Promise<boolean> {
    const rows = await this.db
      .update(filingDrafts)
      .set({ data: data as never, updatedAt: new Date() })
      .where(and(eq(filingDrafts.id, id), eq(filingDrafts.ownerId, ownerId), isNull(filingDrafts.applicationId)))
      .returning({ id: filingDrafts.id });
    return rows.length === 1;
  }

  async filed(id: string, ownerId: string, applicationId: string): Promise<void> {
    await this.db
      .update(filingDrafts)
      .set({ applicationId, updatedAt: new Date() })
      .where(and(eq(filingDrafts.id, id), eq(filingDrafts.ownerId, ownerId)));
  }

  async open(ownerId: string): Promise<Draft[]> {
    const rows = await this.db
      .select()
      .from(filingDrafts)
      .where(and(eq(filingDrafts.ownerId, ownerId), isNull(filingDrafts.applicationId)))
      .orderBy(desc(filingDrafts.updatedAt))
      .limit(LISTED_DRAFTS);
    return rows.map(toDraft);
  }
}
