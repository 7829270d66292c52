// The file checks an upload will make (no database or Temporal needed). The
// stores that keep the files have their contract in test/file-stores.test.ts.
import { describe, expect, it } from 'vitest';
import { displayName, judgeFile, sniff, SNIFF_BYTES } from '../domain/files';

const PDF = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n', 'latin1');
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0xff, 0xd9]);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]);
/** A Linux executable and a Windows one, as a renamed ".pdf" would carry them. */
const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]);
const EXE = Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1');
const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00]);

const RULE = { maxBytes: 1024, accepted: ['pdf', 'jpeg', 'png'] as const };
const head = (b: Buffer) => b.subarray(0, SNIFF_BYTES);

describe('judging a file by its bytes', () => {
  it('tells PDF, JPEG and PNG apart from their first bytes', () => {
    expect([sniff(head(PDF)), sniff(head(JPEG)), sniff(head(PNG))]).toEqual(['pdf', 'jpeg', 'png']);
  });

  it('refuses executables, archives, text and a truncated signature, whatever the file is called', () => {
    for (const b of [ELF, EXE, ZIP, Buffer.from('hello'), PNG.subarray(0, 4)]) {
      expect(judgeFile({ head: head(b), size: b.length }, RULE)).toEqual({ reason: 'type_not_accepted', accepted: RULE.accepted });
    }
  });

  it('refuses an empty file and one over the limit, and keeps one at the limit', () => {
    expect(judgeFile({ head: head(PDF), size: 0 }, RULE)).toEqual({ reason: 'empty' });
    expect(judgeFile({ head: head(PDF), size: 1025 }, RULE)).toEqual({ reason: 'too_large', maxBytes: 1024 });
    expect(judgeFile({ head: head(PDF), size: 1024 }, RULE)).toEqual({ kind: 'pdf' });
  });

  it('refuses a kind the document type does not accept', () => {
    expect(judgeFile({ head: head(PDF), size: PDF.length }, { maxBytes: 1024, accepted: ['jpeg', 'png'] })).toMatchObject({ reason: 'type_not_accepted' });
  });

  it('keeps the uploader\'s name as display text only: no path, no control characters, bounded', () => {
    expect(displayName('../../etc/passwd')).toBe('passwd');
    expect(displayName('C:\\Users\\sara\\عقد الإيجار.pdf')).toBe('عقد الإيجار.pdf');
    expect(displayName('a\u0000b\nc.pdf')).toBe('abc.pdf');
    expect(displayName('/')).toBe('document');
    expect(displayName('x'.repeat(500))).toHaveLength(200);
  });
});
