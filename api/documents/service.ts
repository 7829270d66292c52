// What the document routes do: judge and keep an upload, serve a file to those
// who may see its case, and tell the applications' filing which uploads a case
// may name. A file is kept only after its bytes, size and type pass the rules
// table; it is served with the type its bytes showed, never the one it came with.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { FastifyBaseLogger } from 'fastify';
import type { DocumentRef } from '../../domain/application';
import { caseScope, type Principal } from '../../domain/access';
import { isIsoDate, riyadhDate } from '../../domain/calendar';
import { CONTENT_TYPE, displayName, FILE_KINDS, judgeFile, SNIFF_BYTES } from '../../domain/files';
import { newDocumentId } from '../../domain/identifiers';
import { DOCUMENT_TYPES, DocumentState, ExpiryRule, type DocumentType } from '../../domain/status';
import type { Config } from '../../config';
import type { Db } from '../../db/client';
import type { FileStore } from '../../integrations/files/store';
import { badRequest, HttpError, notFound } from '../errors';
import { filingAuthority, seesCase, type FilingAuthority } from '../filing';
import { DocumentStore, type Claimant, type DocumentRow, type DocumentRuleRow, type DocumentWithCase } from './store';

export type { Claimant } from './store';
import type { DocumentView } from './schemas';

/** One upload as the route read it from the multipart body. */
export interface Upload {
  type?: string;
  expiresOn?: string;
  file?: { bytes: Buffer; filename: string };
}

/** What a case is filed (or corrected) with: the entries to keep, and the uploads they name. */
export interface FiledDocuments {
  documents: DocumentRef[];
  ids: string[];
  /** Some entry is a bare reference: the answer says that form is going away. */
  usesReferences: boolean;
}


/** A type missing from the rules table (a new one, not seeded yet): any kept kind, no expiry, the store's limit. */
const FALLBACK_RULE = { acceptedKinds: [...FILE_KINDS], expiry: ExpiryRule.none } as const;

export function documentView(row: DocumentRow): DocumentView {
  return {
    id: row.id,
    type: row.type,
    state: row.state,
    name: row.name,
    contentType: CONTENT_TYPE[row.fileKind],
    sizeBytes: row.sizeBytes,
    sha256: row.sha256,
    expiresOn: row.expiresOn,
    applicationId: row.applicationId,
    licenseNumber: row.licenseNumber,
    uploadedAt: row.uploadedAt.toISOString(),
    url: `/documents/${row.id}`,
  };
}

/** An upload is its uploader's: an office's (staff, keys) or one applicant's. */
function ownedBy(row: Pick<DocumentRow, 'officeId' | 'ownerNationalId'>, owner: FilingAuthority): boolean {
  return 'officeId' in owner ? row.officeId === owner.officeId : row.ownerNationalId === owner.nationalId;
}

/**
 * Who may see a document: those who see its case; one an imported license's renewal took (no case), those who
 * see the license (its holder, its office, the municipality); before either, its uploader's scope.
 */
function sees(p: Principal, row: DocumentWithCase): boolean {
  if (row.applicationId) return seesCase(p, { officeId: row.caseOfficeId, applicantNationalId: row.caseApplicantNationalId ?? '' });
  if (row.licenseNumber) return seesCase(p, { officeId: row.licenseOfficeId, applicantNationalId: row.licenseHolderNationalId ?? '' });
  const scope = caseScope(p);
  if ('all' in scope) return true;
  if ('officeId' in scope) return row.officeId === scope.officeId;
  if ('nationalId' in scope) return row.ownerNationalId === scope.nationalId;
  return false;
}

/** `filename*` (RFC 6266/8187) carries an Arabic name; the plain `filename` is its ASCII shadow for old clients. */
function contentDisposition(disposition: 'attachment' | 'inline', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export class DocumentService {
  private readonly store: DocumentStore;

  constructor(
    db: Db,
    private readonly files: FileStore,
    private readonly config: Config['documents'],
    private readonly log?: FastifyBaseLogger,
  ) {
    this.store = new DocumentStore(db);
  }

  /** Whether the store takes files now (the health check). */
  checkStore(): Promise<void> {
    return this.files.check();
  }

  /** Keeps an upload once it passes its type's rule; a retry with the same Idempotency-Key answers the first one. */
  async upload(u: Upload, p: Principal, idempotencyKey?: string): Promise<{ document: DocumentView; replayed: boolean }> {
    const owner = filingAuthority(p);
    if (!u.type) throw badRequest('body/type', `body/type: required: which document this is (${DOCUMENT_TYPES.join(', ')})`);
    if (!(DOCUMENT_TYPES as readonly string[]).includes(u.type)) throw badRequest('body/type', `body/type: must be one of ${DOCUMENT_TYPES.join(', ')}`);
    const type = u.type as DocumentType;
    if (u.expiresOn !== undefined && !isIsoDate(u.expiresOn)) throw badRequest('body/expiresOn', 'body/expiresOn: must be a date, YYYY-MM-DD');
    if (!u.file) throw badRequest('body/file', 'body/file: required: the file itself, as the multipart part named "file"');
    const rule: Pick<DocumentRuleRow, 'acceptedKinds' | 'expiry'> & { maxBytes: number } = (await this.store.rule(type)) ?? {
      ...FALLBACK_RULE,
      acceptedKinds: [...FALLBACK_RULE.acceptedKinds],
      maxBytes: this.config.maxBytes,
    };
    if (rule.expiry === ExpiryRule.entered && !u.expiresOn) {
      throw badRequest('body/expiresOn', `body/expiresOn: required for a ${type}: enter the expiry date written on the document`);
    }
    const bytes = u.file.bytes;
    const maxBytes = Math.min(rule.maxBytes, this.config.maxBytes);
    const verdict = judgeFile({ head: bytes.subarray(0, SNIFF_BYTES), size: bytes.length }, { maxBytes, accepted: rule.acceptedKinds });
    if ('reason' in verdict) {
      if (verdict.reason === 'empty') throw new HttpError(400, 'file_empty', 'body/file: the file is empty', 'body/file');
      if (verdict.reason === 'too_large') throw fileTooLarge(type, verdict.maxBytes);
      throw new HttpError(
        415,
        'file_type_not_accepted',
        `body/file: a ${type} must be ${verdict.accepted.join(', ')}; this file's contents are none of those (its name and declared type are not what decides)`,
        'body/file',
      );
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const scopedKey = idempotencyKey ? `${p.kind}:${p.id}:${idempotencyKey}` : undefined;
    if (scopedKey) {
      const first = await this.store.byIdempotencyKey(scopedKey);
      if (first) return { document: documentView(sameUpload(first, type, sha256)), replayed: true };
    }
    const stored = await this.files.put(Readable.from([bytes]));
    let row: DocumentRow | undefined;
    try {
      row = await this.store.insert({
        id: newDocumentId(randomBytes(10)),
        type,
        officeId: 'officeId' in owner ? owner.officeId : null,
        ownerNationalId: 'nationalId' in owner ? owner.nationalId : null,
        uploadedBy: p.id,
        fileKind: verdict.kind,
        sizeBytes: stored.size,
        sha256: stored.sha256,
        name: displayName(u.file.filename),
        storageKey: stored.key,
        expiresOn: u.expiresOn ?? null,
        idempotencyKey: scopedKey ?? null,
      });
    } catch (err) {
      await this.files.remove(stored.key);
      throw err;
    }
    if (!row) {
      // A concurrent twin with the same key was kept first: this copy goes.
      await this.files.remove(stored.key);
      const first = await this.store.byIdempotencyKey(scopedKey!);
      return { document: documentView(sameUpload(first!, type, sha256)), replayed: true };
    }
    return { document: documentView(row), replayed: false };
  }

  /** The file, checked against the SHA-256 it was kept with, for those who may see it. */
  async download(id: string, p: Principal, disposition: 'attachment' | 'inline' = 'attachment'): Promise<{ bytes: Buffer; headers: Record<string, string> }> {
    const row = await this.store.withCase(id);
    if (!row || !sees(p, row)) throw notFound(`no document ${id}`);
    if (row.state === DocumentState.removed) {
      throw new HttpError(410, 'document_removed', `document ${id} was removed on ${row.removedAt?.toISOString().slice(0, 10)} (${row.removalReason}); the audit log has the row`);
    }
    const stream = await this.files.get(row.storageKey).catch((err: unknown) => {
      this.log?.error({ err, documentId: id }, 'file store unreadable');
      throw unavailable(id);
    });
    if (!stream) {
      this.log?.error({ documentId: id, key: row.storageKey }, 'document row names a file the store does not have');
      throw unavailable(id);
    }
    // Files are small (the upload limit): read whole, so nothing altered is ever sent, even in part.
    const bytes = await buffer(stream);
    if (createHash('sha256').update(bytes).digest('hex') !== row.sha256) {
      this.log?.error({ documentId: id, key: row.storageKey }, 'stored file does not match its SHA-256: not served');
      throw new HttpError(409, 'document_altered', `document ${id}: the stored file no longer matches the SHA-256 kept when it was uploaded, so it is not served; an administrator restores it from backup`);
    }
    return {
      bytes,
      headers: {
        'content-type': CONTENT_TYPE[row.fileKind],
        'content-disposition': contentDisposition(disposition, row.name),
        'content-length': String(bytes.length),
        etag: `"${row.sha256}"`,
        // Private, and nothing active runs from it even when shown inline.
        'cache-control': 'private, no-cache',
        'content-security-policy': "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
      },
    };
  }

  /** Takes back an upload no case has taken yet. A filed document is never changed: a correction supersedes it. */
  async remove(id: string, p: Principal): Promise<void> {
    const owner = filingAuthority(p);
    const row = await this.store.withCase(id);
    if (!row || !sees(p, row) || !ownedBy(row, owner)) throw notFound(`no document ${id}`);
    const gone = row.state === DocumentState.uploaded ? await this.store.deleteUnattached(id) : undefined;
    if (!gone) {
      const of = row.applicationId ? `application ${row.applicationId}` : `license ${row.licenseNumber}`;
      throw new HttpError(409, 'document_attached', `document ${id} is part of ${of}: a filed document is not changed or removed; a correction replaces it`);
    }
    await this.files.remove(gone.storageKey);
  }

  /**
   * Checks the documents an application, a correction or a license's request
   * names (under `path`): each names an upload of the filer's own, of the same
   * type, not another case's or license's (`claimant`'s own may be named
   * again), or (until the transition ends) a bare reference.
   */
  async forFiling(entries: DocumentRef[], owner: FilingAuthority, path: string, claimant?: Claimant): Promise<FiledDocuments> {
    const today = riyadhDate(new Date());
    const ids: string[] = [];
    let usesReferences = false;
    entries.forEach((e, i) => {
      const at = `${path}/${i}`;
      if ((e.documentId === undefined) === (e.reference === undefined)) {
        throw badRequest(at, `${at}: name the uploaded file (documentId), or until ${this.config.referencesUntil} a reference; one of the two`);
      }
      if (e.reference !== undefined) {
        usesReferences = true;
        if (today > this.config.referencesUntil) {
          throw new HttpError(400, 'references_retired', `${at}/reference: bare references were accepted until ${this.config.referencesUntil}; upload the file (POST /documents) and name its documentId`, `${at}/reference`);
        }
        return;
      }
      if (e.expiresOn !== undefined) throw badRequest(`${at}/expiresOn`, `${at}/expiresOn: an uploaded file's expiry is the one entered with its upload`);
      if (ids.includes(e.documentId!)) throw badRequest(`${at}/documentId`, `${at}/documentId: ${e.documentId} is named twice`);
      ids.push(e.documentId!);
    });
    const rows = new Map((await this.store.byIds(ids)).map((r) => [r.id, r]));
    entries.forEach((e, i) => {
      if (e.documentId === undefined) return;
      const at = `${path}/${i}`;
      const row = rows.get(e.documentId);
      if (!row || !ownedBy(row, owner)) {
        throw new HttpError(400, 'unknown_document', `${at}/documentId: no upload ${e.documentId} of yours (an office names only its own uploads, an applicant theirs)`, `${at}/documentId`);
      }
      if (row.type !== e.type) throw badRequest(`${at}/type`, `${at}/type: ${e.documentId} was uploaded as a ${row.type}`);
      if (row.state === DocumentState.removed) {
        throw new HttpError(400, 'document_removed', `${at}/documentId: ${e.documentId} was removed (${row.removalReason}); upload the file again`, `${at}/documentId`);
      }
      const ours = (claimant?.applicationId && row.applicationId === claimant.applicationId) || (claimant?.licenseNumber && row.licenseNumber === claimant.licenseNumber);
      if ((row.applicationId || row.licenseNumber) && !ours) {
        const whose = row.applicationId ? 'another application' : 'another license';
        throw new HttpError(409, 'document_in_use', `${at}/documentId: ${e.documentId} belongs to ${whose}; upload the file again for this one`, `${at}/documentId`);
      }
    });
    const documents = entries.map((e) => (e.documentId !== undefined ? { type: e.type, documentId: e.documentId } : e));
    return { documents, ids, usesReferences };
  }

  /** Claims uploads for an open case (a correction's) or a license (a renewal's, an objection's), before the workflow hears of them. */
  async claim(claimant: Claimant, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const claimed = await this.store.claimFor(claimant, ids, new Date());
    if (!claimed) throw new HttpError(409, 'document_in_use', 'body/documents: one of these uploads was just taken by another application or license; upload it again', 'body/documents');
    return claimed;
  }

  /** The workflow refused the request: its uploads are the uploader's again. */
  release(claimant: Claimant, ids: string[]): Promise<void> {
    return this.store.release(claimant, ids);
  }

  /** After a correction: what it replaced stays with the case, marked as superseded. */
  supersede(caseId: string, filed: FiledDocuments): Promise<void> {
    return this.store.supersede(caseId, [...new Set(filed.documents.map((d) => d.type))], filed.ids, new Date());
  }

  /** The case's files for its view: those it carries by id, and those corrections replaced. */
  async forCase(caseId: string): Promise<DocumentRow[]> {
    return this.store.forCase(caseId);
  }

  /**
   * What an answer to a request that named a bare reference says (RFC 9745's
   * Deprecation, RFC 8594's Sunset): that form goes after the transition.
   */
  referenceHeaders(): Record<string, string> {
    return {
      deprecation: `@${Math.floor(Date.parse(REFERENCES_DEPRECATED_ON) / 1000)}`,
      sunset: new Date(`${this.config.referencesUntil}T23:59:59+03:00`).toUTCString(),
      link: '</docs#/documents>; rel="deprecation"; type="text/html"',
    };
  }
}

/** The day uploads came and bare references were deprecated. */
const REFERENCES_DEPRECATED_ON = '2026-12-01T00:00:00+03:00';

function fileTooLarge(type: DocumentType, maxBytes: number): HttpError {
  return new HttpError(413, 'file_too_large', `body/file: a ${type} may be at most ${maxBytes} bytes (${(maxBytes / 1024 / 1024).toFixed(1)} MiB)`, 'body/file');
}

function unavailable(id: string): HttpError {
  return new HttpError(503, 'document_unavailable', `document ${id} cannot be read from the file store just now; retry shortly`);
}

/** A retried upload must be the same file of the same type: anything else reuses a key. */
function sameUpload(first: DocumentRow, type: DocumentType, sha256: string): DocumentRow {
  if (first.type !== type || first.sha256 !== sha256) {
    throw new HttpError(409, 'idempotency_key_reused', 'this Idempotency-Key was already used for a different file or type');
  }
  return first;
}

