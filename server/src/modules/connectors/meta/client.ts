/**
 * The Graph API transport: URLs, access token and appsecret_proof, error classification by Meta's
 * error `code` (throttling arrives as HTTP 400, not 429), usage headers, and cursor paging.
 */
import { createHmac } from 'node:crypto';
import { type ConnectorContext, ConnectorError } from '../connector.port.ts';
import { retryAfterMs, type VendorResponse, vendorRequest } from '../vendor-http.ts';
import { type GraphObject, isObject } from './mapping.ts';

/** Graph error codes that mean "slow down": app, user, page, ad account and Business Use Case limits. */
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613]);
const isBucCode = (code: number) => code >= 80000 && code <= 80014;
/** Token problems (190 with subcodes 458/459/460/463/464/467), missing token (104), permissions. */
const isAuthCode = (code: number) =>
  code === 190 || code === 102 || code === 104 || code === 10 || (code >= 200 && code <= 299);
/**
 * "Please reduce the amount of data" and insights time-outs: backing off does not help, a smaller
 * query or an async report run does. Classified `invalid` (not retried) with this vendorCode so the
 * insights reader can switch strategy.
 */
export const TOO_MUCH_DATA = new Set(['100/1487534', '1/99', '2/1504038', '100/1504018']);
export const isTooMuchData = (e: unknown) =>
  e instanceof ConnectorError && e.kind === 'invalid' && TOO_MUCH_DATA.has(e.vendorCode ?? '');

function parseHeader(headers: Headers, name: string): unknown {
  const raw = headers.get(name);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

const pct = (o: GraphObject, keys: string[]) =>
  keys.map((k) => Number(o[k])).filter((n) => Number.isFinite(n));

/**
 * Highest usage percentage across x-app-usage, x-ad-account-usage, x-business-use-case-usage and
 * x-fb-ads-insights-throttle. Tolerant: unknown or malformed headers are ignored.
 */
export function metaUsagePct(headers: Headers): number | undefined {
  const values: number[] = [];
  const app = parseHeader(headers, 'x-app-usage');
  if (isObject(app)) values.push(...pct(app, ['call_count', 'total_cputime', 'total_time']));
  const account = parseHeader(headers, 'x-ad-account-usage');
  if (isObject(account)) values.push(...pct(account, ['acc_id_util_pct']));
  const insights = parseHeader(headers, 'x-fb-ads-insights-throttle');
  if (isObject(insights)) values.push(...pct(insights, ['app_id_util_pct', 'acc_id_util_pct']));
  for (const entry of bucEntries(headers))
    values.push(...pct(entry, ['call_count', 'total_cputime', 'total_time']));
  return values.length ? Math.max(...values) : undefined;
}

function bucEntries(headers: Headers): GraphObject[] {
  const buc = parseHeader(headers, 'x-business-use-case-usage');
  if (!isObject(buc)) return [];
  return Object.values(buc).flatMap((list) => (Array.isArray(list) ? list.filter(isObject) : []));
}

/**
 * How long Meta asked us to wait: estimated_time_to_regain_access (minutes) from the BUC header,
 * reset_time_duration (seconds) from x-ad-account-usage once it is at 100 %, or Retry-After.
 * Undefined when Meta gives no hint, so the shared loop backs off exponentially instead.
 */
export function metaRetryAfterMs(headers: Headers): number | undefined {
  const waits: number[] = [];
  for (const e of bucEntries(headers)) {
    const minutes = Number(e.estimated_time_to_regain_access);
    if (Number.isFinite(minutes) && minutes > 0) waits.push(minutes * 60_000);
  }
  const account = parseHeader(headers, 'x-ad-account-usage');
  if (isObject(account) && Number(account.acc_id_util_pct) >= 100) {
    const secs = Number(account.reset_time_duration);
    if (Number.isFinite(secs) && secs > 0) waits.push(secs * 1000);
  }
  const header = retryAfterMs(headers);
  if (header) waits.push(header);
  return waits.length ? Math.max(...waits) : undefined;
}

/** Maps a Graph error object (or an async report run's error fields) to a connector error. */
export function classifyGraphError(
  error: GraphObject,
  res: { status?: number; headers?: Headers } = {},
  fallbackWaitMs?: number,
): ConnectorError {
  const code = Number(error.code);
  const subcode = error.error_subcode === undefined ? undefined : Number(error.error_subcode);
  const vendorCode = subcode === undefined ? String(code) : `${code}/${subcode}`;
  const message = `Meta API error ${vendorCode}: ${typeof error.message === 'string' ? error.message : 'unknown'}`;
  const opts = { status: res.status, vendorCode };
  if (TOO_MUCH_DATA.has(vendorCode)) return new ConnectorError('invalid', message, opts);
  if (RATE_LIMIT_CODES.has(code) || isBucCode(code)) {
    const wait = (res.headers ? metaRetryAfterMs(res.headers) : undefined) ?? fallbackWaitMs;
    return new ConnectorError('rate_limited', message, {
      ...opts,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
  }
  if (isAuthCode(code)) return new ConnectorError('auth', message, opts);
  if (code === 1 || code === 2 || code === -2 || code === -1 || error.is_transient === true)
    return new ConnectorError('transient', message, opts);
  if ((res.status ?? 400) >= 500) return new ConnectorError('transient', message, opts);
  return new ConnectorError('invalid', message, opts);
}

/**
 * vendorRequest's `classify` for every Graph call. `fallbackWaitMs` is the wait used when Meta
 * throttles without saying for how long (codes 4/17/32/613 carry no estimate); undefined leaves it
 * to the shared loop's exponential backoff.
 */
export function classifyMeta(res: VendorResponse, fallbackWaitMs?: number): ConnectorError | undefined {
  const body = res.body;
  if (isObject(body) && isObject(body.error)) return classifyGraphError(body.error, res, fallbackWaitMs);
  const opts = { status: res.status };
  if (res.status === 429) {
    const wait = metaRetryAfterMs(res.headers) ?? fallbackWaitMs;
    return new ConnectorError('rate_limited', 'Meta API rate limited (HTTP 429)', {
      ...opts,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
  }
  if (res.status >= 500) return new ConnectorError('transient', `Meta API HTTP ${res.status}`, opts);
  if (res.status === 401 || res.status === 403)
    return new ConnectorError('auth', `Meta API HTTP ${res.status}`, opts);
  if (res.status >= 400) return new ConnectorError('invalid', `Meta API HTTP ${res.status}`, opts);
  if (!isObject(body))
    return new ConnectorError('transient', 'Meta API returned a body that is not a JSON object', opts);
  return undefined;
}

export interface GraphCall {
  method?: 'GET' | 'POST';
  /** Path after the version, e.g. `act_123/insights` or `6200000000000001`. */
  path: string;
  params?: Record<string, string | number | undefined>;
}

/** Credentials for one call: access token plus appsecret_proof when the app secret is configured. */
function credentials(ctx: ConnectorContext): Record<string, string> {
  const token = ctx.tokens.accessToken;
  const secret = ctx.settings.appSecret;
  return secret
    ? { access_token: token, appsecret_proof: createHmac('sha256', secret).update(token).digest('hex') }
    : { access_token: token };
}

/** Who is calling: the budget key (`meta:<account>`) and the connector's throttling fallback. */
export interface Scope {
  budgetKey: string;
  fallbackWaitMs?: number;
}

/** One Graph call through the shared retry/budget loop; returns the JSON object body. */
export async function graph(ctx: ConnectorContext, scope: Scope, call: GraphCall): Promise<GraphObject> {
  const base = ctx.settings.apiBaseUrl.replace(/\/+$/, '');
  const url = `${base}/${ctx.settings.apiVersion}/${call.path}`;
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(call.params ?? {})) if (v !== undefined) params[k] = String(v);
  // POST parameters (and the token) travel in the form body, never in the URL.
  const req =
    call.method === 'POST'
      ? { method: 'POST' as const, url, form: { ...params, ...credentials(ctx) } }
      : { method: 'GET' as const, url, query: { ...params, ...credentials(ctx) } };
  const res = await vendorRequest(ctx, req, {
    budgetKey: scope.budgetKey,
    classify: (r) => classifyMeta(r, scope.fallbackWaitMs),
    usage: metaUsagePct,
  });
  return res.body as GraphObject;
}

export interface Page {
  data: GraphObject[];
  after: string | null;
}

/** One page of an edge; the last page is the one without `paging.next`. */
export async function graphPage(
  ctx: ConnectorContext,
  scope: Scope,
  call: GraphCall,
  after: string | null,
): Promise<Page> {
  const body = await graph(ctx, scope, { ...call, params: { ...call.params, ...(after ? { after } : {}) } });
  if (!Array.isArray(body.data))
    throw new ConnectorError('transient', `Meta ${call.path} answered without a data array`);
  const paging = isObject(body.paging) ? body.paging : {};
  const cursors = isObject(paging.cursors) ? paging.cursors : {};
  const next = typeof paging.next === 'string' && typeof cursors.after === 'string' ? cursors.after : null;
  return { data: body.data.filter(isObject), after: next };
}

/**
 * Every item of an edge, page by page. When Meta says a page is too heavy (nested creative fields
 * can do that), the page size is halved and the same cursor is asked again.
 */
export async function* graphEdge(
  ctx: ConnectorContext,
  scope: Scope,
  call: GraphCall,
  limit: number,
): AsyncGenerator<GraphObject[]> {
  let after: string | null = null;
  let size = limit;
  for (;;) {
    let page: Page;
    try {
      page = await graphPage(ctx, scope, { ...call, params: { ...call.params, limit: size } }, after);
    } catch (e) {
      if (isTooMuchData(e) && size > 1) {
        size = Math.max(1, Math.floor(size / 2));
        continue;
      }
      throw e;
    }
    if (page.data.length) yield page.data;
    if (!page.after) return;
    after = page.after;
  }
}
