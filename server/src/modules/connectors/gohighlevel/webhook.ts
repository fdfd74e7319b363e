/**
 * GoHighLevel webhook signatures are asymmetric, over the raw body bytes (never re-serialised JSON):
 * `X-GHL-Signature` is Ed25519 (current; the only one after 2026-07-01), `X-WH-Signature` is the
 * legacy RSA-SHA256 (PKCS#1 v1.5). Both are base64. There is no shared secret and no HMAC.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { VendorSettings } from '../connector.port.ts';

/** HighLevel's published Ed25519 key (Webhook Integration Guide), the default for `webhookPublicKey`. */
export const GHL_WEBHOOK_ED25519_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=
-----END PUBLIC KEY-----`;

const parsed = new Map<string, KeyObject[]>();

/**
 * `webhookPublicKey` holds one or more PEM public keys (Ed25519 and/or RSA, e.g. both during a key
 * migration) or a bare base64 SPKI key.
 */
function keysFrom(setting: string | undefined): KeyObject[] {
  if (!setting) return [];
  const cached = parsed.get(setting);
  if (cached) return cached;
  const pems = setting.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g);
  const keys: KeyObject[] = [];
  for (const src of pems ?? [setting.trim()]) {
    try {
      keys.push(
        src.startsWith('-----')
          ? createPublicKey(src)
          : createPublicKey({
              key: Buffer.from(src.replace(/\s+/g, ''), 'base64'),
              format: 'der',
              type: 'spki',
            }),
      );
    } catch {
      // An unreadable key verifies nothing; the others still count.
    }
  }
  parsed.set(setting, keys);
  return keys;
}

function signatureFrom(headers: Record<string, string | string[] | undefined>, name: string): Buffer | null {
  const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === name);
  const raw = Array.isArray(entry?.[1]) ? entry[1][0] : entry?.[1];
  const v = raw?.trim();
  // GHL sends the literal "N/A" where it did not sign.
  if (!v || v === 'N/A' || !/^[A-Za-z0-9+/_-]+=*$/.test(v)) return null;
  const sig = Buffer.from(v, 'base64');
  return sig.length > 0 ? sig : null;
}

const safely = (f: () => boolean) => {
  try {
    return f();
  } catch {
    return false;
  }
};

/**
 * True when the body was signed by a configured key. The Ed25519 header wins when it is present and
 * an Ed25519 key is configured; the legacy RSA header is checked only otherwise.
 */
export function verifyGhlWebhook(
  rawBody: Buffer,
  headers: Record<string, string | string[] | undefined>,
  settings: VendorSettings,
): boolean {
  const keys = keysFrom(settings.webhookPublicKey);
  const ed25519 = keys.filter((k) => k.asymmetricKeyType === 'ed25519');
  const rsa = keys.filter((k) => k.asymmetricKeyType === 'rsa');
  const current = signatureFrom(headers, 'x-ghl-signature');
  if (current && ed25519.length > 0)
    return current.length === 64 && ed25519.some((k) => safely(() => verify(null, rawBody, k, current)));
  const legacy = signatureFrom(headers, 'x-wh-signature');
  if (legacy && rsa.length > 0) return rsa.some((k) => safely(() => verify('sha256', rawBody, k, legacy)));
  return false;
}

/**
 * Replay defence for the receiving route (which also dedupes on `webhookId`): a body whose
 * `timestamp` is older than `maxAgeMs` (or from the future by as much) is stale. Bodies without a
 * timestamp pass: not every event type carries one.
 */
export function isWebhookFresh(body: unknown, now = Date.now(), maxAgeMs = 5 * 60_000): boolean {
  const ts = (body as { timestamp?: unknown } | null)?.timestamp;
  if (typeof ts !== 'string' && typeof ts !== 'number') return true;
  const at = new Date(ts).getTime();
  return Number.isFinite(at) && Math.abs(now - at) <= maxAgeMs;
}
