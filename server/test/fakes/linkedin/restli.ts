/**
 * Rest.li 2.0 wire syntax as LinkedIn parses it, for the fake: query values are read raw (before
 * percent-decoding) so that structural characters `( ) , :` must be literal and values inside
 * `List(...)` must be percent-encoded. A request that gets either wrong is rejected with 400, as
 * LinkedIn does.
 */

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
}

/** LinkedIn's versioned-API error body. */
export function restliError(
  status: number,
  message: string,
  extra: { code?: string; serviceErrorCode?: number } = {},
): Reply {
  return { status, json: { status, ...extra, message } };
}

/** 400 for Rest.li syntax LinkedIn cannot parse (wording from observed LinkedIn answers). */
export const badQuery = (detail?: string): Reply =>
  restliError(400, `Invalid query parameters passed to request${detail ? `: ${detail}` : ''}`);

/** Splits a raw query string without decoding the values. Keys are plain ASCII. */
export function rawParams(rawQuery: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    out.set(eq < 0 ? part : part.slice(0, eq), eq < 0 ? '' : part.slice(eq + 1));
  }
  return out;
}

/** A raw Rest.li value: only unreserved characters and percent-escapes. */
const ENCODED_VALUE = /^(?:[A-Za-z0-9\-._~]|%[0-9A-Fa-f]{2})*$/;

export function decodeValue(raw: string): string | undefined {
  if (!ENCODED_VALUE.test(raw)) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** `List(a,b)` → decoded items, or undefined when the syntax or an item's encoding is wrong. */
export function parseList(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const m = /^List\(([^()]*)\)$/.exec(raw);
  if (!m) return undefined;
  if (m[1] === '') return [];
  const items = m[1]!.split(',').map(decodeValue);
  return items.every((i): i is string => i !== undefined) ? items : undefined;
}

export interface DateRange {
  start: string;
  end: string | undefined;
}

const DATE = String.raw`\(year:(\d{4}),month:(\d{1,2}),day:(\d{1,2})\)`;
const pad = (n: string) => n.padStart(2, '0');

/** `(start:(year:2026,month:11,day:1),end:(year:2026,month:11,day:7))` (end optional). */
export function parseDateRange(raw: string | undefined): DateRange | undefined {
  if (raw === undefined) return undefined;
  const m = new RegExp(`^\\(start:${DATE}(?:,end:${DATE})?\\)$`).exec(raw);
  if (!m) return undefined;
  return {
    start: `${m[1]}-${pad(m[2]!)}-${pad(m[3]!)}`,
    end: m[4] ? `${m[4]}-${pad(m[5]!)}-${pad(m[6]!)}` : undefined,
  };
}

/** `(status:(values:List(ACTIVE,PAUSED)))` → statuses; null when absent, undefined when malformed. */
export function parseStatusSearch(raw: string | undefined): string[] | null | undefined {
  if (raw === undefined) return null;
  const m = /^\(status:\(values:(List\([^()]*\))\)\)$/.exec(raw);
  return m ? parseList(m[1]) : undefined;
}

/** A URN path key must be percent-encoded (`urn%3Ali%3AsponsoredCreative%3A1`). */
export function pathUrn(rawSegment: string, type: string): string | undefined {
  const decoded = decodeValue(rawSegment);
  return decoded !== undefined && new RegExp(`^urn:li:${type}:\\d+$`).test(decoded) ? decoded : undefined;
}

export const pathSyntaxError = (): Reply => restliError(400, 'Syntax exception in path variables');

/** Cursor tokens: opaque to clients; here an encoded offset. */
export function pageFrom(rawToken: string | undefined): number | undefined {
  if (rawToken === undefined) return 0;
  const token = decodeValue(rawToken);
  if (token === undefined) return undefined;
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  return /^\d+$/.test(decoded) ? Number(decoded) : undefined;
}

export const pageToken = (offset: number): string => Buffer.from(String(offset)).toString('base64url');

/** Micros → LinkedIn's decimal string in major units (exact). */
export function amountOf(micros: number): string {
  const frac = String(micros % 1_000_000)
    .padStart(6, '0')
    .replace(/0+$/, '')
    .padEnd(2, '0');
  return `${Math.floor(micros / 1_000_000)}.${frac}`;
}

/** LinkedIn decimal string → micros (exact), or undefined when it is not a plain decimal. */
export function microsOf(amount: unknown): number | undefined {
  if (typeof amount !== 'string') return undefined;
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(amount);
  if (!m) return undefined;
  return Number(m[1]) * 1_000_000 + Number((m[2] ?? '').padEnd(6, '0'));
}
