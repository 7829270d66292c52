// The console's sessions live in the browser, sealed: AES-256-GCM over the
// signed-in principal, its CSRF token and its end, so nothing is stored
// server-side and a cookie can be neither read nor altered by its holder.
// Each kind of cookie is sealed for its own purpose (the AAD): one cannot be
// passed off as another.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** The key from CONSOLE_SESSION_SECRET, or (development) one generated once and kept in a file, so a restart keeps sessions. */
export function sessionKey(secret: string | undefined, keyFile: string): Buffer {
  let material = secret;
  if (!material) {
    if (existsSync(keyFile)) material = readFileSync(keyFile, 'utf8').trim();
    else {
      material = randomBytes(KEY_BYTES).toString('base64url');
      mkdirSync(path.dirname(keyFile), { recursive: true });
      writeFileSync(keyFile, material, { mode: 0o600 });
    }
  }
  // A passphrase of any form becomes a key of the right size.
  return Buffer.from(hkdfSync('sha256', material, '', 'tarkhees console session', KEY_BYTES));
}

export function seal(key: Buffer, purpose: string, value: unknown): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(purpose));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The value, or undefined for anything not sealed with this key for this purpose. */
export function unseal<T>(key: Buffer, purpose: string, sealed: string): T | undefined {
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}
