/**
 * Secrets at rest (vendor tokens, TOTP secrets) are sealed with AES-256-GCM. The sealed form carries a
 * key id so that keys can rotate: the current key seals, the current and retired keys open.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from './errors.ts';

export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
  /** Re-seals a value with the current key (after a rotation). */
  reseal(sealed: string): string;
}

const keyId = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);

export function createSecretBox(currentKey: Buffer, oldKeys: Buffer[] = []): SecretBox {
  if (currentKey.length !== 32) throw new Error('encryption key must be 32 bytes');
  const keys = new Map<string, Buffer>();
  for (const k of [currentKey, ...oldKeys]) keys.set(keyId(k), k);
  const currentId = keyId(currentKey);

  const seal = (plaintext: string) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', currentKey, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      'v1',
      currentId,
      iv.toString('base64url'),
      body.toString('base64url'),
      tag.toString('base64url'),
    ].join('.');
  };
  const open = (sealed: string) => {
    const [version, kid, iv, body, tag] = sealed.split('.');
    if (version !== 'v1' || !kid || !iv || body === undefined || !tag)
      throw new AppError('internal', 'Malformed sealed secret');
    const key = keys.get(kid);
    if (!key)
      throw new AppError(
        'internal',
        `Secret sealed with unknown key ${kid}; add it to OMNIFY_ENCRYPTION_KEYS_OLD`,
      );
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  };
  return {
    seal,
    open,
    reseal: (sealed) => (sealed.split('.')[1] === currentId ? sealed : seal(open(sealed))),
  };
}

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** A random token for the wire (refresh tokens, API keys, reset tokens); only its hash is stored. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** Stable JSON (sorted keys) so that hashes of the same value are equal however it was built. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
