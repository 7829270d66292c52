// What an uploaded file is, judged from its bytes, never from its name or the
// content type the uploader claimed. Pure: the upload route (issue #16) reads
// the first bytes and the size, and asks here whether to keep the file.

/** The kinds of file an application may carry: scans and photos. */
export const FileKind = {
  pdf: 'pdf',
  jpeg: 'jpeg',
  png: 'png',
} as const;
export type FileKind = (typeof FileKind)[keyof typeof FileKind];
export const FILE_KINDS = Object.values(FileKind) as [FileKind, ...FileKind[]];

/** The content type a kept file is served with: from the sniffed kind, never from the upload. */
export const CONTENT_TYPE: Record<FileKind, string> = {
  pdf: 'application/pdf',
  jpeg: 'image/jpeg',
  png: 'image/png',
};

/** How many leading bytes `sniff` needs to tell every kind apart. */
export const SNIFF_BYTES = 8;

const SIGNATURES: [FileKind, number[]][] = [
  // "%PDF-"
  [FileKind.pdf, [0x25, 0x50, 0x44, 0x46, 0x2d]],
  // SOI marker then the first segment's marker byte
  [FileKind.jpeg, [0xff, 0xd8, 0xff]],
  // the PNG signature, all eight bytes
  [FileKind.png, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
];

/** The file's kind from its first bytes, or undefined when it is none we keep (an executable, a zip, text). */
export function sniff(head: Uint8Array): FileKind | undefined {
  for (const [kind, signature] of SIGNATURES) {
    if (head.length >= signature.length && signature.every((b, i) => head[i] === b)) return kind;
  }
  return undefined;
}

/** Why a file is refused; undefined when it may be kept. */
export type FileRefusal = { reason: 'empty' } | { reason: 'too_large'; maxBytes: number } | { reason: 'type_not_accepted'; accepted: readonly FileKind[] };

export function judgeFile(f: { head: Uint8Array; size: number }, rule: { maxBytes: number; accepted: readonly FileKind[] }): { kind: FileKind } | FileRefusal {
  if (f.size === 0) return { reason: 'empty' };
  if (f.size > rule.maxBytes) return { reason: 'too_large', maxBytes: rule.maxBytes };
  const kind = sniff(f.head);
  if (!kind || !rule.accepted.includes(kind)) return { reason: 'type_not_accepted', accepted: rule.accepted };
  return { kind };
}

/**
 * The uploader's file name as display text only: no path, no control
 * characters, at most 200 characters. It never names anything on disk.
 */
export function displayName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (clean || 'document').slice(0, 200);
}
