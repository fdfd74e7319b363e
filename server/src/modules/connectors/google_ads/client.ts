/**
 * Google Ads REST transport: URLs, headers, error classification and the two call shapes we use
 * (GAQL `googleAds:search` with page tokens, and `<service>:mutate`). Everything goes through the
 * shared `vendorRequest` loop, so budget, waits and retries are the same as for every connector.
 */
import { type ConnectorContext, ConnectorError, type VendorSettings } from '../connector.port.ts';
import { retryAfterMs, type VendorResponse, vendorRequest } from '../vendor-http.ts';
import type { GoogleAdsRow } from './mapping.ts';

/** Customer ids go into paths and `login-customer-id` as digits only; `123-456-7890` is refused by Google. */
export function customerId(id: string): string {
  const digits = id.trim().replace(/-/g, '');
  if (!/^\d{1,20}$/.test(digits))
    throw new ConnectorError('invalid', `Not a Google Ads customer id: "${id}"`);
  return digits;
}

export function apiUrl(settings: VendorSettings, path: string): string {
  return `${settings.apiBaseUrl.replace(/\/+$/, '')}/${settings.apiVersion}/${path}`;
}

/** One budget per customer: Google's short-term limits are per account (and per Cloud project). */
export const budgetKey = (cid: string) => `google_ads:${cid}`;

function headers(ctx: ConnectorContext, withLogin: boolean): Record<string, string> {
  const h: Record<string, string> = { authorization: `Bearer ${ctx.tokens.accessToken}` };
  // Developer tokens were sunset on 2026-09-09: the header is optional and ignored, so send it only if set.
  if (ctx.settings.developerToken) h['developer-token'] = ctx.settings.developerToken;
  if (withLogin && ctx.settings.loginCustomerId)
    h['login-customer-id'] = customerId(ctx.settings.loginCustomerId);
  return h;
}

interface GoogleAdsErrorItem {
  errorCode?: Record<string, string>;
  message?: string;
  details?: { quotaErrorDetails?: { rateScope?: string; rateName?: string; retryDelay?: unknown } };
}
interface RpcStatus {
  code?: number;
  message?: string;
  status?: string;
  details?: Array<{ '@type'?: string; errors?: GoogleAdsErrorItem[]; requestId?: string }>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** protobuf Duration in JSON (`"30s"`, `"1.5s"`) or as `{seconds, nanos}` → milliseconds. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const m = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
    return m ? Math.round(Number(m[1]) * 1000) : undefined;
  }
  if (isObject(value)) {
    const secs = Number(value.seconds ?? 0);
    const nanos = Number(value.nanos ?? 0);
    if (Number.isFinite(secs) && Number.isFinite(nanos)) return Math.round(secs * 1000 + nanos / 1e6);
  }
  return undefined;
}

const TRANSIENT_STATUS = new Set(['INTERNAL', 'UNAVAILABLE', 'DEADLINE_EXCEEDED', 'UNKNOWN', 'ABORTED']);

/**
 * Maps a Google answer to one of the four failure kinds. The body is a google.rpc.Status whose
 * details carry a GoogleAdsFailure (`@type` embeds the API version, so match on the suffix).
 */
export function classify(res: VendorResponse): ConnectorError | undefined {
  if (res.status >= 200 && res.status < 300) {
    if (isObject(res.body) && !Array.isArray(res.body)) return undefined;
    return new ConnectorError(
      'transient',
      `Google Ads answered ${res.status} with a body that is not a JSON object`,
      {
        status: res.status,
      },
    );
  }
  const err: RpcStatus | undefined =
    isObject(res.body) && isObject(res.body.error) ? res.body.error : undefined;
  const grpc = typeof err?.status === 'string' ? err.status : undefined;
  const failure = err?.details?.find((d) => d['@type']?.endsWith('.GoogleAdsFailure'));
  const first = failure?.errors?.[0];
  const [category, reason] = Object.entries(first?.errorCode ?? {})[0] ?? [];
  const vendorCode = category ? `${category}.${reason}` : (grpc ?? String(res.status));
  const requestId = failure?.requestId ?? res.headers.get('request-id');
  const detail = first?.message ?? err?.message ?? res.text.slice(0, 200);
  const message = `Google Ads ${grpc ?? res.status}: ${detail}${requestId ? ` (request ${requestId})` : ''}`;
  const opts = { status: res.status, vendorCode };

  if (grpc === 'RESOURCE_EXHAUSTED' || res.status === 429 || category === 'quotaError') {
    // ACCESS_PROHIBITED is about the Cloud project's access level, not speed: waiting will not help.
    if (reason === 'ACCESS_PROHIBITED') return new ConnectorError('auth', message, opts);
    const wait = durationMs(first?.details?.quotaErrorDetails?.retryDelay) ?? retryAfterMs(res.headers);
    return new ConnectorError('rate_limited', message, {
      ...opts,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
  }
  if (grpc === 'UNAUTHENTICATED' || grpc === 'PERMISSION_DENIED' || res.status === 401 || res.status === 403)
    return new ConnectorError('auth', message, opts);
  if ((grpc && TRANSIENT_STATUS.has(grpc)) || res.status >= 500 || res.status === 408 || res.status === 409)
    return new ConnectorError('transient', message, opts);
  return new ConnectorError('invalid', message, opts);
}

/** GET customers:listAccessibleCustomers → the ids the OAuth user reaches directly. */
export async function listAccessibleCustomers(ctx: ConnectorContext): Promise<string[]> {
  const res = await vendorRequest(
    ctx,
    { url: apiUrl(ctx.settings, 'customers:listAccessibleCustomers'), headers: headers(ctx, false) },
    { budgetKey: 'google_ads:accessible', classify },
  );
  const names = (res.body as { resourceNames?: unknown }).resourceNames ?? [];
  if (!Array.isArray(names)) throw new ConnectorError('transient', 'Google Ads: resourceNames is not a list');
  return names.flatMap((n) => {
    const m = typeof n === 'string' ? /^customers\/(\d+)$/.exec(n) : null;
    return m?.[1] ? [m[1]] : [];
  });
}

/**
 * Runs a GAQL query with `googleAds:search`, yielding one page of rows at a time. The page size is
 * fixed by Google (10,000 rows); sending `pageSize` is an error since v17, so we never do.
 */
export async function* search(
  ctx: ConnectorContext,
  cid: string,
  query: string,
): AsyncGenerator<GoogleAdsRow[]> {
  const seen = new Set<string>();
  let pageToken: string | undefined;
  do {
    const res = await vendorRequest(
      ctx,
      {
        method: 'POST',
        url: apiUrl(ctx.settings, `customers/${cid}/googleAds:search`),
        headers: headers(ctx, true),
        json: pageToken ? { query, pageToken } : { query },
      },
      { budgetKey: budgetKey(cid), classify },
    );
    const body = res.body as { results?: unknown; nextPageToken?: unknown };
    if (body.results !== undefined && !Array.isArray(body.results))
      throw new ConnectorError('transient', 'Google Ads: search results is not a list');
    yield (body.results ?? []) as GoogleAdsRow[];
    pageToken = typeof body.nextPageToken === 'string' && body.nextPageToken ? body.nextPageToken : undefined;
    if (pageToken && seen.has(pageToken))
      throw new ConnectorError('transient', 'Google Ads returned the same page token twice');
    if (pageToken) seen.add(pageToken);
  } while (pageToken);
}

export async function searchAll(ctx: ConnectorContext, cid: string, query: string): Promise<GoogleAdsRow[]> {
  const rows: GoogleAdsRow[] = [];
  for await (const page of search(ctx, cid, query)) rows.push(...page);
  return rows;
}

export type MutateService = 'campaigns' | 'adGroups' | 'adGroupAds' | 'campaignBudgets';

/** One `update` operation; asks for the mutated resource back so `after` is what Google stored. */
export async function mutateOne(
  ctx: ConnectorContext,
  cid: string,
  service: MutateService,
  update: Record<string, unknown>,
  updateMask: string,
): Promise<Record<string, unknown>> {
  const res = await vendorRequest(
    ctx,
    {
      method: 'POST',
      url: apiUrl(ctx.settings, `customers/${cid}/${service}:mutate`),
      headers: headers(ctx, true),
      json: { operations: [{ update, updateMask }], responseContentType: 'MUTABLE_RESOURCE' },
    },
    { budgetKey: budgetKey(cid), classify },
  );
  const first = (res.body as { results?: unknown }).results;
  return Array.isArray(first) && isObject(first[0]) ? first[0] : {};
}
