/**
 * HTTP layer of the LinkedIn connector: Rest.li 2.0 query encoding, the versioned-API headers, the
 * mapping of LinkedIn's answers to the four failure kinds, and cursor paging of the search finders.
 * Every call goes through the shared `vendorRequest` loop.
 */
import { type ConnectorContext, ConnectorError } from '../connector.port.ts';
import { retryAfterMs, type VendorResponse, vendorRequest } from '../vendor-http.ts';

/**
 * LinkedIn throttles per application and per member-per-application (daily, reset at midnight UTC),
 * not per ad account, so one key holds every LinkedIn caller in this process when a 429 arrives.
 */
export const BUDGET_KEY = 'linkedin';

/** Documented maxima: search finders page up to 1000, the creatives criteria finder up to 100. */
export const MAX_SEARCH_PAGE = 1000;
export const MAX_CREATIVE_PAGE = 100;

/**
 * Rest.li 2.0 value encoding (as LinkedIn's own client does): everything but unreserved characters
 * is percent-encoded, including `( ) ' ! *`, which encodeURIComponent leaves alone. The structural
 * `List( , )` and `(k:v)` characters around encoded values stay literal.
 */
export function restliEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export const restliList = (values: string[]): string => `List(${values.map(restliEncode).join(',')})`;

/** 'YYYY-MM-DD' → `(year:2026,month:11,day:1)` (LinkedIn's Date record, no zero padding). */
export function restliDate(isoDate: string): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  return `(year:${y},month:${m},day:${d})`;
}

/**
 * Builds a query string from values that are already in wire form. URLSearchParams must not be
 * used: it would percent-encode the Rest.li structure (`(`, `:`, `,`) and LinkedIn rejects that.
 */
export function wireQuery(params: Array<[string, string | number | undefined]>): string {
  return params
    .filter((p): p is [string, string | number] => p[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** What a successful answer must look like; anything else is a malformed (transient) answer. */
export type Expect = 'elements' | 'entity' | 'batch' | 'empty';

interface LinkedInErrorBody {
  status?: number;
  code?: string;
  serviceErrorCode?: number;
  message?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function wellFormed(body: unknown, expect: Expect): boolean {
  if (expect === 'empty') return true;
  if (!isObject(body)) return false;
  if (expect === 'elements') return Array.isArray(body.elements);
  if (expect === 'batch') return isObject(body.results);
  return true;
}

/** LinkedIn's answer → one of the four kinds (undefined when it is a usable success). */
export function classify(res: VendorResponse, expect: Expect): ConnectorError | undefined {
  if (res.status >= 200 && res.status < 300) {
    if (wellFormed(res.body, expect)) return undefined;
    return new ConnectorError('transient', `LinkedIn sent a malformed ${res.status} response`, {
      status: res.status,
    });
  }
  const body: LinkedInErrorBody = isObject(res.body) ? (res.body as LinkedInErrorBody) : {};
  const vendorCode = body.code ?? body.serviceErrorCode;
  const message = `LinkedIn ${res.status}${body.code ? ` ${body.code}` : ''}: ${body.message ?? res.text.slice(0, 200)}`;
  const opts = { status: res.status, ...(vendorCode === undefined ? {} : { vendorCode }) };
  // 401: expired (65602), revoked (65601), invalid or empty token. 403 ACCESS_DENIED: the member
  // lacks the scope or the ad-account role; either way a person has to re-consent or be granted it.
  if (res.status === 401 || res.status === 403) return new ConnectorError('auth', message, opts);
  if (res.status === 429) {
    // LinkedIn documents no Retry-After; honour one if it ever comes, else the shared loop backs off.
    const wait = retryAfterMs(res.headers);
    return new ConnectorError('rate_limited', message, {
      ...opts,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
  }
  if (res.status >= 500 || res.status === 408) return new ConnectorError('transient', message, opts);
  // 400 (Rest.li syntax), 404, 409, 414, 422, 426 (sunset LinkedIn-Version) and the rest.
  return new ConnectorError('invalid', message, opts);
}

export interface LinkedInCall {
  method?: 'GET' | 'POST';
  /** Path under the versioned base, e.g. `/adAccounts/123/adCampaigns`. */
  path: string;
  /** Query string in wire form (see wireQuery). */
  query?: string;
  json?: unknown;
  /** X-RestLi-Method when the HTTP verb is ambiguous (PARTIAL_UPDATE, BATCH_GET, FINDER). */
  restliMethod?: string;
  expect: Expect;
}

/** One call to the versioned REST API with the headers every call needs. */
export async function linkedinCall(ctx: ConnectorContext, call: LinkedInCall): Promise<VendorResponse> {
  const base = ctx.settings.apiBaseUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = {
    authorization: `Bearer ${ctx.tokens.accessToken}`,
    'linkedin-version': ctx.settings.apiVersion,
    'x-restli-protocol-version': '2.0.0',
  };
  if (call.restliMethod) headers['x-restli-method'] = call.restliMethod;
  return vendorRequest(
    ctx,
    {
      method: call.method ?? 'GET',
      url: `${base}${call.path}${call.query ? `?${call.query}` : ''}`,
      headers,
      ...(call.json === undefined ? {} : { json: call.json }),
    },
    { budgetKey: BUDGET_KEY, classify: (res) => classify(res, call.expect) },
  );
}

/**
 * Walks a cursor-paged finder (search finders since 202401, creatives `q=criteria`): `pageSize` plus
 * `pageToken` = the previous `metadata.nextPageToken`; no token means the last page.
 */
export async function* pagedElements<T>(
  ctx: ConnectorContext,
  call: Omit<LinkedInCall, 'expect' | 'query'> & { params: Array<[string, string | undefined]> },
  maxPage: number,
): AsyncGenerator<T[]> {
  const pageSize = Math.max(1, Math.min(ctx.settings.pageSize ?? maxPage, maxPage));
  const seen = new Set<string>();
  let token: string | undefined;
  for (;;) {
    const query = wireQuery([
      ...call.params,
      ['pageSize', pageSize],
      ['pageToken', token === undefined ? undefined : restliEncode(token)],
    ]);
    const res = await linkedinCall(ctx, { ...call, query, expect: 'elements' });
    const body = res.body as { elements: T[]; metadata?: { nextPageToken?: string } };
    yield body.elements;
    const next = body.metadata?.nextPageToken;
    if (!next) return;
    if (seen.has(next)) throw new ConnectorError('transient', `LinkedIn repeated page token ${next}`);
    seen.add(next);
    token = next;
  }
}

export async function allElements<T>(
  ctx: ConnectorContext,
  call: Omit<LinkedInCall, 'expect' | 'query'> & { params: Array<[string, string | undefined]> },
  maxPage: number,
): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pagedElements<T>(ctx, call, maxPage)) out.push(...page);
  return out;
}
