/**
 * The GoHighLevel API v2 calls Omnify makes, through the shared vendor loop. Every call carries the
 * location's bearer token and the `Version` header of its endpoint family (contacts and
 * opportunities `2021-07-28`, conversations `2021-04-15`); the budget is keyed per location because
 * GHL's limits (100 per 10 s, 200,000 per day) are per app per location.
 */
import {
  type ConnectorContext,
  ConnectorError,
  type ContactRecord,
  type OpportunityRecord,
  type PipelineRecord,
} from '../connector.port.ts';
import { retryAfterMs, type VendorResponse, vendorRequest } from '../vendor-http.ts';
import {
  type GhlContact,
  type GhlOpportunity,
  type GhlPipeline,
  toContactRecord,
  toMessageBody,
  toOpportunityRecord,
  toPipelineRecord,
  toUpsertBody,
  type UpsertInput,
  vendorMessage,
} from './mapping.ts';

export const CONVERSATIONS_VERSION = '2021-04-15';
/** Vendor maxima: contacts search pageLimit ≤ 500, opportunities search limit ≤ 100. */
const MAX_CONTACTS_PAGE = 500;
const MAX_OPPORTUNITIES_PAGE = 100;
const DEFAULT_BURST_INTERVAL_MS = 10_000;

export const budgetKeyFor = (locationId: string) => `gohighlevel:${locationId}`;

/** Location tokens carry their sub-account id; every endpoint here is scoped to it. */
export function locationIdOf(ctx: ConnectorContext): string {
  const id = ctx.tokens.extra.locationId;
  if (!id)
    throw new ConnectorError(
      'invalid',
      'GoHighLevel connection has no locationId: install it on a sub-account',
    );
  return id;
}

const header = (h: Headers, name: string): number | undefined => {
  const v = h.get(name);
  if (v === null || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

/** Daily quota used, in percent (the burst window is handled exactly in `classifyGhl`). */
export function usageFromHeaders(h: Headers): number | undefined {
  const limit = header(h, 'x-ratelimit-limit-daily');
  const remaining = header(h, 'x-ratelimit-daily-remaining');
  if (!limit || remaining === undefined) return undefined;
  return Math.min(100, Math.max(0, ((limit - remaining) / limit) * 100));
}

const msUntilNextUtcMidnight = (now: number) => {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) - now;
};

/**
 * GHL response → failure kind. `onBurstSpent` is told how long to hold callers when a successful
 * answer says the burst window is used up, so the next call does not earn a 429.
 */
export function classifyGhl(
  res: VendorResponse,
  opts: { expect?: (body: unknown) => boolean; onBurstSpent?: (waitMs: number) => void; now?: number } = {},
): ConnectorError | undefined {
  const message = vendorMessage(res.body) ?? res.text.slice(0, 200);
  const interval = header(res.headers, 'x-ratelimit-interval-milliseconds') ?? DEFAULT_BURST_INTERVAL_MS;
  const status = res.status;
  if (status === 401) {
    // A missing or unknown Version header is also a 401; it is our bug, not an expired token.
    if (/version header/i.test(message))
      return new ConnectorError('invalid', `GoHighLevel: ${message}`, { status, vendorCode: 'version' });
    return new ConnectorError('auth', `GoHighLevel rejected the token: ${message}`, { status });
  }
  if (status === 403)
    return new ConnectorError('auth', `GoHighLevel denied access (scope or location): ${message}`, {
      status,
    });
  if (status === 429) {
    if (header(res.headers, 'x-ratelimit-daily-remaining') === 0) {
      // Retrying today is pointless: fail now so the sync is rescheduled. GHL does not document when
      // the daily window resets; the next UTC midnight is an estimate.
      throw new ConnectorError('rate_limited', 'GoHighLevel daily request limit reached for this location', {
        status,
        vendorCode: 'daily_limit',
        retryAfterMs: msUntilNextUtcMidnight(opts.now ?? Date.now()),
      });
    }
    return new ConnectorError('rate_limited', `GoHighLevel rate limit: ${message}`, {
      status,
      vendorCode: 'burst_limit',
      retryAfterMs: retryAfterMs(res.headers) ?? interval,
    });
  }
  if (status >= 500 || status === 408)
    return new ConnectorError('transient', `GoHighLevel ${status}: ${message}`, { status });
  if (status >= 400) return new ConnectorError('invalid', `GoHighLevel ${status}: ${message}`, { status });
  if (res.text.length > 0 && res.body === undefined)
    return new ConnectorError('transient', 'GoHighLevel sent a malformed JSON body', { status });
  if (opts.expect && !opts.expect(res.body))
    return new ConnectorError('transient', 'GoHighLevel sent an unexpected response shape', { status });
  if (header(res.headers, 'x-ratelimit-remaining') === 0) opts.onBurstSpent?.(interval);
  return undefined;
}

interface Call {
  method?: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  version?: string;
  expect?: (body: unknown) => boolean;
}

export async function ghlCall<T>(ctx: ConnectorContext, call: Call): Promise<T> {
  const key = budgetKeyFor(locationIdOf(ctx));
  const res = await vendorRequest(
    ctx,
    {
      method: call.method ?? 'GET',
      url: ctx.settings.apiBaseUrl.replace(/\/+$/, '') + call.path,
      query: call.query,
      headers: {
        authorization: `Bearer ${ctx.tokens.accessToken}`,
        version: call.version ?? ctx.settings.apiVersion,
      },
      json: call.json,
    },
    {
      budgetKey: key,
      classify: (r) =>
        classifyGhl(r, {
          expect: call.expect,
          onBurstSpent: (ms) => ctx.budget.report(key, { retryAfterMs: ms }),
        }),
      usage: usageFromHeaders,
    },
  );
  return res.body as T;
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object';
const listOf = (field: string) => (b: unknown) =>
  isObj(b) &&
  Array.isArray(b[field]) &&
  (b[field] as unknown[]).every((x) => isObj(x) && typeof x.id === 'string');

/**
 * POST /contacts/search, oldest change first. Pages with the `searchAfter` cursor each contact
 * carries (no 10,000-record ceiling, stable while contacts change); falls back to `page` numbers if a
 * full page ever comes without one.
 */
export async function* searchContacts(
  ctx: ConnectorContext,
  p: { updatedSince?: string },
): AsyncIterable<ContactRecord[]> {
  const locationId = locationIdOf(ctx);
  const pageLimit = Math.min(ctx.settings.pageSize ?? MAX_CONTACTS_PAGE, MAX_CONTACTS_PAGE);
  const base: Record<string, unknown> = {
    locationId,
    pageLimit,
    sort: [{ field: 'dateUpdated', direction: 'asc' }],
    ...(p.updatedSince
      ? { filters: [{ field: 'dateUpdated', operator: 'range', value: { gte: p.updatedSince } }] }
      : {}),
  };
  let cursor: { searchAfter: Array<string | number> } | { page: number } | undefined;
  for (let pageNo = 1; ; pageNo++) {
    const body = await ghlCall<{ contacts: GhlContact[] }>(ctx, {
      method: 'POST',
      path: '/contacts/search',
      json: { ...base, ...cursor },
      expect: listOf('contacts'),
    });
    const contacts = body.contacts;
    if (contacts.length > 0) yield contacts.map(toContactRecord);
    if (contacts.length < pageLimit) return;
    const after = contacts[contacts.length - 1]?.searchAfter;
    cursor = Array.isArray(after) && after.length > 0 ? { searchAfter: after } : { page: pageNo + 1 };
  }
}

/** GET /opportunities/pipelines?locationId= (camelCase here, unlike opportunity search). */
export async function listPipelines(ctx: ConnectorContext): Promise<PipelineRecord[]> {
  const body = await ghlCall<{ pipelines: GhlPipeline[] }>(ctx, {
    path: '/opportunities/pipelines',
    query: { locationId: locationIdOf(ctx) },
    expect: listOf('pipelines'),
  });
  return body.pipelines.map(toPipelineRecord);
}

interface OpportunityPage {
  opportunities: GhlOpportunity[];
  meta?: {
    startAfter?: number | string | null;
    startAfterId?: string | null;
    nextPageUrl?: string | null;
    nextPage?: number | null;
  };
}

/**
 * GET /opportunities/search?location_id=…&status=all, paged with the `startAfter`/`startAfterId`
 * cursor from `meta`. The API cannot filter on update time (`date`/`endDate` bound creation), so
 * `updatedSince` is applied here after reading every opportunity.
 */
export async function* searchOpportunities(
  ctx: ConnectorContext,
  p: { updatedSince?: string },
): AsyncIterable<OpportunityRecord[]> {
  const locationId = locationIdOf(ctx);
  const limit = Math.min(ctx.settings.pageSize ?? MAX_OPPORTUNITIES_PAGE, MAX_OPPORTUNITIES_PAGE);
  const since = p.updatedSince ? Date.parse(p.updatedSince) : undefined;
  let after: { startAfter: string; startAfterId: string } | undefined;
  for (;;) {
    const body = await ghlCall<OpportunityPage>(ctx, {
      path: '/opportunities/search',
      query: { location_id: locationId, status: 'all', limit, ...after },
      expect: listOf('opportunities'),
    });
    const rows = body.opportunities
      .map(toOpportunityRecord)
      .filter((o) => since === undefined || Date.parse(o.updatedAt) >= since);
    if (rows.length > 0) yield rows;
    const meta = body.meta ?? {};
    const nextId = meta.startAfterId ?? body.opportunities[body.opportunities.length - 1]?.id;
    const more = !!meta.nextPageUrl || (meta.nextPage !== undefined && meta.nextPage !== null);
    const done =
      body.opportunities.length < limit ||
      !more ||
      !nextId ||
      meta.startAfter === undefined ||
      meta.startAfter === null ||
      nextId === after?.startAfterId;
    if (done) return;
    after = { startAfter: String(meta.startAfter), startAfterId: nextId };
  }
}

/** POST /contacts/upsert: GHL matches on email / phone per the location's duplicate settings. */
export async function upsertContact(
  ctx: ConnectorContext,
  input: UpsertInput,
): Promise<{ externalId: string; created: boolean }> {
  if (!input.email && !input.phone)
    throw new ConnectorError('invalid', 'GoHighLevel upsert needs an email or a phone to match on');
  const body = await ghlCall<{ new?: boolean; contact: { id: string } }>(ctx, {
    method: 'POST',
    path: '/contacts/upsert',
    json: toUpsertBody(locationIdOf(ctx), input),
    expect: (b) => isObj(b) && isObj(b.contact) && typeof b.contact.id === 'string',
  });
  return { externalId: body.contact.id, created: body.new === true };
}

/** POST /contacts/{contactId}/workflow/{workflowId}; answers `{"succeded": true}` (sic). */
export async function addContactToWorkflow(
  ctx: ConnectorContext,
  contactId: string,
  workflowId: string,
): Promise<void> {
  const body = await ghlCall<{ succeded?: boolean; succeeded?: boolean }>(ctx, {
    method: 'POST',
    path: `/contacts/${encodeURIComponent(contactId)}/workflow/${encodeURIComponent(workflowId)}`,
    json: {},
    expect: isObj,
  });
  if ((body.succeded ?? body.succeeded) === false)
    throw new ConnectorError(
      'invalid',
      `GoHighLevel did not add contact ${contactId} to workflow ${workflowId}`,
    );
}

/** POST /conversations/messages (Version 2021-04-15). */
export async function sendMessage(
  ctx: ConnectorContext,
  p: { contactExternalId: string; channel: 'SMS' | 'Email'; message: string; subject?: string },
): Promise<{ messageId: string }> {
  if (p.channel === 'Email' && !p.subject)
    throw new ConnectorError('invalid', 'An email through GoHighLevel needs a subject');
  const body = await ghlCall<{ messageId: string }>(ctx, {
    method: 'POST',
    path: '/conversations/messages',
    version: CONVERSATIONS_VERSION,
    json: toMessageBody(p),
    expect: (b) => isObj(b) && typeof b.messageId === 'string',
  });
  return { messageId: body.messageId };
}
