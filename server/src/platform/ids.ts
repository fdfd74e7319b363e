/**
 * Prefixed, time-sortable text ids (`org_01jd…`). The body is a ULID in lower-case Crockford base32:
 * 48 bits of milliseconds then 80 random bits, monotonic within a millisecond in one process, so
 * ordering by id is ordering by creation and works as a pagination cursor on both dialects.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export const idPrefixes = {
  organization: 'org',
  user: 'usr',
  membership: 'mem',
  client: 'cli',
  invitation: 'inv',
  apiKey: 'key',
  session: 'ses',
  refreshToken: 'rft',
  audit: 'aud',
  agent: 'agt',
  job: 'job',
  passwordReset: 'pwr',
  mfa: 'mfa',
  connection: 'con',
  oauthState: 'ost',
  adAccount: 'acc',
  campaign: 'cmp',
  adGroup: 'adg',
  ad: 'ad',
  contact: 'ctc',
  pipeline: 'pip',
  opportunity: 'opp',
  syncRun: 'syn',
  writeAction: 'act',
  prediction: 'prd',
  proposal: 'prp',
  rule: 'rul',
  ruleRun: 'rrn',
  ruleCooldown: 'rcd',
  agentExecution: 'exe',
  ledgerEntry: 'led',
  ledgerScore: 'lsc',
  workflow: 'wfl',
  workflowVersion: 'wfv',
  workflowExecution: 'wfx',
  workflowStepRun: 'wfs',
  workflowNotification: 'wfn',
  portalBranding: 'pbr',
  portalUser: 'pou',
  portalSession: 'pse',
  portalRefreshToken: 'prt',
} as const;

export type IdKind = keyof typeof idPrefixes;

let lastTime = -1;
let lastRandom: Uint8Array = new Uint8Array(10);

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

function incrementRandom(bytes: Uint8Array): Uint8Array {
  const next = new Uint8Array(bytes);
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i] === 255) {
      next[i] = 0;
    } else {
      next[i] = (next[i] ?? 0) + 1;
      break;
    }
  }
  return next;
}

export function ulid(now = Date.now()): string {
  if (now <= lastTime) {
    lastRandom = incrementRandom(lastRandom);
    now = lastTime;
  } else {
    lastTime = now;
    lastRandom = new Uint8Array(randomBytes(10));
  }
  return encodeTime(now) + encodeRandom(lastRandom);
}

export function newId(kind: IdKind): string {
  return `${idPrefixes[kind]}_${ulid()}`;
}

export function hasPrefix(id: string, kind: IdKind): boolean {
  return id.startsWith(`${idPrefixes[kind]}_`);
}
