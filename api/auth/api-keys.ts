// API keys for an office's own software: `ak_<id>.<secret>`. The id finds the
// row; only a SHA-256 of the secret is stored, so a leaked table opens nothing.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface IssuedKey {
  id: string;
  /** The whole key: shown once, at creation. */
  key: string;
  secretHash: string;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function newApiKey(): IssuedKey {
  const id = `ak_${randomBytes(8).toString('hex')}`;
  const secret = randomBytes(32).toString('base64url');
  return { id, key: `${id}.${secret}`, secretHash: hashSecret(secret) };
}

export function parseApiKey(key: string): { id: string; secret: string } | undefined {
  const m = /^(ak_[0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/.exec(key.trim());
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
