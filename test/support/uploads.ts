// Uploads as a browser or curl sends them: a multipart/form-data body built by
// hand (inject takes bytes), and the sample files the README's walkthrough uses.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { authHeaders, type Who } from './env';

const SAMPLES = new URL('../../docs/samples/', import.meta.url);
export const sample = (name: string): Buffer => readFileSync(new URL(name, SAMPLES));

export interface UploadParts {
  type?: string;
  expiresOn?: string;
  file?: { name: string; bytes: Buffer; contentType?: string };
  /** Extra parts, as a hostile or careless client would send them. */
  extra?: Record<string, string>;
}

export function multipartBody(parts: UploadParts): { payload: Buffer; contentType: string } {
  const boundary = `----tarkhees${randomUUID()}`;
  const chunks: Buffer[] = [];
  const field = (name: string, value: string) =>
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  if (parts.type !== undefined) field('type', parts.type);
  if (parts.expiresOn !== undefined) field('expiresOn', parts.expiresOn);
  for (const [k, v] of Object.entries(parts.extra ?? {})) field(k, v);
  if (parts.file) {
    const f = parts.file;
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${f.name}"; filename*=UTF-8''${encodeURIComponent(f.name)}\r\nContent-Type: ${f.contentType ?? 'application/octet-stream'}\r\n\r\n`,
      ),
      f.bytes,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export async function upload(api: FastifyInstance, who: Who, parts: UploadParts, idempotencyKey?: string) {
  const { payload, contentType } = multipartBody(parts);
  return api.inject({
    method: 'POST',
    url: '/documents',
    payload,
    headers: { ...(await authHeaders(api, who)), 'content-type': contentType, ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
  });
}

/** Uploads one file and answers its id; fails the test on anything but 201. */
export async function uploadOk(api: FastifyInstance, who: Who, parts: UploadParts): Promise<string> {
  const res = await upload(api, who, parts);
  if (res.statusCode !== 201) throw new Error(`upload answered ${res.statusCode}: ${res.body}`);
  return res.json<{ id: string }>().id;
}

const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);

/** The four files a commercial license needs, uploaded by `who`: the entries an application names. */
export async function commercialUploads(api: FastifyInstance, who: Who = 'clerk') {
  const [photo, lease, permit, cd] = await Promise.all([
    uploadOk(api, who, { type: 'storefront_photo', file: { name: 'واجهة المحل.png', bytes: sample('storefront.png'), contentType: 'image/png' } }),
    uploadOk(api, who, { type: 'lease_or_deed', expiresOn: inAYear(), file: { name: 'lease.pdf', bytes: sample('lease.pdf'), contentType: 'application/pdf' } }),
    uploadOk(api, who, { type: 'building_permit', file: { name: 'building-permit.pdf', bytes: sample('building-permit.pdf') } }),
    uploadOk(api, who, { type: 'civil_defense', expiresOn: inAYear(), file: { name: 'civil-defense.pdf', bytes: sample('civil-defense.pdf') } }),
  ]);
  return [
    { type: 'storefront_photo' as const, documentId: photo },
    { type: 'lease_or_deed' as const, documentId: lease },
    { type: 'building_permit' as const, documentId: permit },
    { type: 'civil_defense' as const, documentId: cd },
  ];
}
