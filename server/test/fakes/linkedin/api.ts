/**
 * The fake's versioned REST resources: adAccounts, adCampaignGroups, adCampaigns, creatives, posts
 * and adAnalytics, with LinkedIn's finders, paging, Rest.li syntax checks and partial updates.
 */
import {
  amountOf,
  badQuery,
  type DateRange,
  decodeValue,
  microsOf,
  pageFrom,
  pageToken,
  parseDateRange,
  parseList,
  parseStatusSearch,
  pathSyntaxError,
  pathUrn,
  type Reply,
  restliError,
} from './restli.ts';
import type { FakeState, Json } from './state.ts';

export interface ApiRequest {
  method: string;
  /** Raw path segments after /rest/. */
  segments: string[];
  params: Map<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  contentType: string;
}

const notFound = () => restliError(404, 'Not Found', { code: 'NOT_FOUND' });
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Cursor paging of a finder: pageSize (capped by the finder's max and the scenario) + pageToken. */
function page(req: ApiRequest, items: Json[], max: number, scenarioSize: number): Reply {
  const rawSize = req.params.get('pageSize');
  const asked = rawSize === undefined ? 100 : Number(rawSize);
  if (!Number.isInteger(asked) || asked < 1) return badQuery('pageSize');
  const size = Math.min(asked, max, scenarioSize);
  const start = pageFrom(req.params.get('pageToken'));
  if (start === undefined) return restliError(400, 'Invalid page token');
  const next = start + size < items.length ? pageToken(start + size) : undefined;
  return {
    status: 200,
    json: { metadata: next ? { nextPageToken: next } : {}, elements: items.slice(start, start + size) },
  };
}

function search(req: ApiRequest, items: Iterable<Json>, field: string, scenarioSize: number): Reply {
  if (req.params.get('q') !== 'search') return badQuery('q');
  const statuses = parseStatusSearch(req.params.get('search'));
  if (statuses === undefined) return badQuery('search');
  const list = [...items].filter((e) => statuses === null || statuses.includes(String(e[field])));
  return page(req, list, 1000, scenarioSize);
}

const LOCKED = ['COMPLETED', 'CANCELED', 'PENDING_DELETION', 'REMOVED'];

/** Rest.li PARTIAL_UPDATE: `X-RestLi-Method: PARTIAL_UPDATE` and `{"patch":{"$set":{...}}}` → 204. */
function partialUpdate(
  req: ApiRequest,
  state: FakeState,
  entity: Json,
  statusField: string,
  updatable: string[],
): Reply {
  if (String(req.headers['x-restli-method'] ?? '').toUpperCase() !== 'PARTIAL_UPDATE')
    return restliError(400, 'POST on an entity requires the X-RestLi-Method: PARTIAL_UPDATE header');
  if (!req.contentType.includes('application/json')) return restliError(415, 'Unsupported Media Type');
  const patch = isObj(req.body) && isObj(req.body.patch) ? req.body.patch : undefined;
  const set = patch && isObj(patch.$set) ? patch.$set : undefined;
  if (!set) return restliError(400, 'Request body is not a valid patch: expected {"patch":{"$set":{...}}}');
  if (LOCKED.includes(String(entity[statusField])))
    return restliError(400, `Entity in status ${String(entity[statusField])} cannot be updated`);
  for (const [k, v] of Object.entries(set)) {
    if (!updatable.includes(k)) return restliError(400, `Field ${k} cannot be updated`);
    if (k === statusField && !['ACTIVE', 'PAUSED', 'ARCHIVED', 'DRAFT', 'CANCELED'].includes(String(v)))
      return restliError(400, `Invalid value for field ${k}: ${String(v)}`);
    if (k === 'dailyBudget') {
      const m = isObj(v) ? v : {};
      if (microsOf(m.amount) === undefined)
        return restliError(400, 'Invalid value for field dailyBudget.amount');
      if (m.currencyCode !== state.currency)
        return restliError(400, 'dailyBudget currencyCode must match the account currency');
    }
  }
  Object.assign(entity, set);
  return { status: 204 };
}

function entityRoute(
  req: ApiRequest,
  state: FakeState,
  entity: Json | undefined,
  statusField: string,
  updatable: string[],
): Reply {
  if (!entity) return notFound();
  if (req.method === 'GET') return { status: 200, json: entity };
  if (req.method === 'POST') return partialUpdate(req, state, entity, statusField, updatable);
  return restliError(405, 'Method Not Allowed');
}

function creatives(req: ApiRequest, state: FakeState, scenarioSize: number): Reply {
  if (req.params.get('q') !== 'criteria') return badQuery('q');
  const campaigns = req.params.has('campaigns') ? parseList(req.params.get('campaigns')) : null;
  const statuses = req.params.has('intendedStatuses') ? parseList(req.params.get('intendedStatuses')) : null;
  if (campaigns === undefined || statuses === undefined) return badQuery('List');
  const sort = req.params.get('sortOrder') ?? 'ASCENDING';
  if (sort !== 'ASCENDING' && sort !== 'DESCENDING') return badQuery('sortOrder');
  let list = [...state.creatives.values()].filter(
    (c) =>
      (campaigns === null || campaigns.includes(String(c.campaign))) &&
      (statuses === null || statuses.includes(String(c.intendedStatus))),
  );
  if (sort === 'DESCENDING') list = list.reverse();
  return page(req, list, 100, scenarioSize);
}

function posts(req: ApiRequest, state: FakeState): Reply {
  if (req.segments.length === 2) {
    const urn = decodeValue(req.segments[1]!);
    if (urn === undefined || !/^urn:li:(share|ugcPost):\d+$/.test(urn)) return pathSyntaxError();
    const post = state.posts.get(urn);
    return post ? { status: 200, json: post } : notFound();
  }
  const ids = parseList(req.params.get('ids'));
  if (!ids || ids.length === 0) return badQuery('ids');
  const results: Json = {};
  const statuses: Json = {};
  const errors: Json = {};
  for (const urn of ids) {
    const post = state.posts.get(urn);
    if (post) results[urn] = post;
    else {
      statuses[urn] = 404;
      errors[urn] = { status: 404, code: 'NOT_FOUND', message: `Cannot find entity ${urn}` };
    }
  }
  return { status: 200, json: { results, statuses, errors } };
}

const METRICS: Record<string, (m: FakeState['metrics'][number]) => unknown> = {
  impressions: (m) => m.impressions,
  clicks: (m) => m.clicks,
  costInLocalCurrency: (m) => amountOf(m.spendMicros),
  externalWebsiteConversions: (m) => m.conversions,
  conversionValueInLocalCurrency: (m) => amountOf(m.conversionValueMicros),
  videoViews: (m) => m.videoViews ?? 0,
};

const liDate = (iso: string) => {
  const [year, month, day] = iso.split('-').map(Number);
  return { year, month, day };
};

/** q=analytics, pivot=CREATIVE, DAILY: one element per creative and UTC day; no pagination. */
function analytics(req: ApiRequest, state: FakeState): Reply {
  const p = req.params;
  if (p.get('q') !== 'analytics') return badQuery('q');
  if (p.get('pivot') !== 'CREATIVE' || p.get('timeGranularity') !== 'DAILY')
    return badQuery('this fake serves pivot=CREATIVE with timeGranularity=DAILY');
  const range: DateRange | undefined = parseDateRange(p.get('dateRange'));
  const accounts = parseList(p.get('accounts'));
  if (!range) return badQuery('dateRange');
  if (!accounts || accounts.some((a) => !/^urn:li:sponsoredAccount:\d+$/.test(a)))
    return badQuery('accounts');
  const fields = (p.get('fields') ?? '').split(',').filter(Boolean);
  if (fields.filter((f) => f !== 'dateRange' && f !== 'pivotValues').length > 20)
    return restliError(400, 'Requested more than 20 metrics in fields');
  const serves = accounts.includes(`urn:li:sponsoredAccount:${state.accountId}`);
  const end = range.end ?? '9999-12-31';
  const elements = state.metrics
    .filter((m) => serves && m.date >= range.start && m.date <= end)
    .map((m) => {
      const e: Json = {};
      for (const f of fields) {
        if (f === 'dateRange') e.dateRange = { start: liDate(m.date), end: liDate(m.date) };
        else if (f === 'pivotValues') e.pivotValues = [`urn:li:sponsoredCreative:${m.adExternalId}`];
        else if (METRICS[f]) e[f] = METRICS[f](m);
      }
      return e;
    });
  // A `paging` object appears but means nothing: adAnalytics does not paginate.
  return { status: 200, json: { paging: { start: 0, count: 10, links: [] }, elements } };
}

/** Routes one authenticated, versioned call. */
export function handleApi(req: ApiRequest, state: FakeState, scenarioSize: number): Reply {
  const [resource, accountKey, sub, key] = req.segments;
  if (resource === 'posts' && req.method === 'GET') return posts(req, state);
  if (resource === 'adAnalytics' && req.method === 'GET' && !accountKey) return analytics(req, state);
  if (resource !== 'adAccounts') return notFound();
  if (!accountKey)
    return req.method === 'GET' ? search(req, [state.account], 'status', scenarioSize) : notFound();
  if (accountKey !== state.accountId)
    return /^\d+$/.test(accountKey)
      ? restliError(403, `Not enough permissions to access: adAccounts ${accountKey}`, {
          code: 'ACCESS_DENIED',
          serviceErrorCode: 100,
        })
      : pathSyntaxError();
  if (!sub) return req.method === 'GET' ? { status: 200, json: state.account } : notFound();
  if (sub === 'adCampaignGroups')
    return key === undefined
      ? search(req, state.groups.values(), 'status', scenarioSize)
      : entityRoute(req, state, state.groups.get(key), 'status', [
          'status',
          'name',
          'totalBudget',
          'runSchedule',
        ]);
  if (sub === 'adCampaigns')
    return key === undefined
      ? search(req, state.campaigns.values(), 'status', scenarioSize)
      : entityRoute(req, state, state.campaigns.get(key), 'status', [
          'status',
          'name',
          'dailyBudget',
          'unitCost',
        ]);
  if (sub === 'creatives') {
    if (key === undefined) return creatives(req, state, scenarioSize);
    const urn = pathUrn(key, 'sponsoredCreative');
    if (!urn) return pathSyntaxError();
    return entityRoute(
      req,
      state,
      state.creatives.get(urn.slice(urn.lastIndexOf(':') + 1)),
      'intendedStatus',
      ['intendedStatus', 'name'],
    );
  }
  return notFound();
}
