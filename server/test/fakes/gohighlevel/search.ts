/**
 * The two GoHighLevel search endpoints as documented: POST /contacts/search (filters, sort, `page`
 * up to 10,000 records or the `searchAfter` cursor each contact carries) and GET
 * /opportunities/search (snake_case query, `limit` ≤ 100, `page` or `startAfter`/`startAfterId`).
 */
import type { FakeResponse } from '../fake-server.ts';
import type { FakeContact, Json } from './shapes.ts';

export const unprocessable = (...message: string[]): FakeResponse => ({
  status: 422,
  json: { statusCode: 422, message, error: 'Unprocessable Entity' },
});
export const badRequest = (message: string): FakeResponse => ({
  status: 400,
  json: { statusCode: 400, message, error: 'Bad Request' },
});

const dateFields = new Set(['dateAdded', 'dateUpdated', 'lastActivity']);
const fieldValue = (c: Json, field: string): unknown => {
  const v = c[field];
  return dateFields.has(field) && typeof v === 'string' ? Date.parse(v) : v;
};
const asComparable = (field: string, v: unknown) =>
  dateFields.has(field) && typeof v === 'string' ? Date.parse(v) : v;

type Filter = {
  field?: string;
  operator?: string;
  value?: unknown;
  group?: 'AND' | 'OR';
  filters?: Filter[];
};

function matches(c: Json, f: Filter): boolean {
  if (f.group) {
    const parts = (f.filters ?? []).map((g) => matches(c, g));
    return f.group === 'OR' ? parts.some(Boolean) : parts.every(Boolean);
  }
  const field = f.field ?? '';
  const v = fieldValue(c, field);
  const eq = (x: unknown) =>
    Array.isArray(v)
      ? v.map((t) => String(t).toLowerCase()).includes(String(x).toLowerCase())
      : String(v ?? '').toLowerCase() === String(x).toLowerCase();
  switch (f.operator) {
    case 'eq':
      return eq(f.value);
    case 'not_eq':
      return !eq(f.value);
    case 'contains':
      return String(v ?? '')
        .toLowerCase()
        .includes(String(f.value).toLowerCase());
    case 'not_contains':
      return !String(v ?? '')
        .toLowerCase()
        .includes(String(f.value).toLowerCase());
    case 'exists':
      return v !== undefined && v !== null && v !== '';
    case 'not_exists':
      return v === undefined || v === null || v === '';
    case 'range': {
      const r = (f.value ?? {}) as Record<string, unknown>;
      const n = v as number;
      const b = (k: string) => asComparable(field, r[k]) as number;
      return (
        (r.gte === undefined || n >= b('gte')) &&
        (r.gt === undefined || n > b('gt')) &&
        (r.lte === undefined || n <= b('lte')) &&
        (r.lt === undefined || n < b('lt'))
      );
    }
    default:
      return false;
  }
}

const validOperators = new Set(['eq', 'not_eq', 'contains', 'not_contains', 'exists', 'not_exists', 'range']);
const invalidFilter = (f: Filter): string | null => {
  if (f.group) return f.group !== 'AND' && f.group !== 'OR' ? 'group must be AND or OR' : null;
  if (!f.field) return 'filters.field should not be empty';
  return validOperators.has(f.operator ?? '') ? null : `operator ${f.operator} is not supported`;
};

export function searchContacts(all: FakeContact[], body: Json): FakeResponse {
  const pageLimit = body.pageLimit;
  if (typeof pageLimit !== 'number' || pageLimit < 1)
    return unprocessable('pageLimit must be a positive number');
  if (pageLimit > 500) return unprocessable('pageLimit must not be greater than 500');
  if (body.page !== undefined && body.searchAfter !== undefined)
    return badRequest('page and searchAfter cannot be used together');
  const filters = (Array.isArray(body.filters) ? body.filters : []) as Filter[];
  for (const f of filters) {
    const problem = invalidFilter(f);
    if (problem) return unprocessable(problem);
  }
  const sort = (Array.isArray(body.sort) ? body.sort : [{ field: 'dateAdded', direction: 'desc' }]) as Array<{
    field: string;
    direction?: string;
  }>;
  const key = sort[0]?.field ?? 'dateAdded';
  const dir = sort[0]?.direction === 'asc' ? 1 : -1;
  const cmp = (a: Json, b: Json) => {
    const x = fieldValue(a, key) as number | string;
    const y = fieldValue(b, key) as number | string;
    return (x < y ? -1 : x > y ? 1 : String(a.id).localeCompare(String(b.id))) * dir;
  };
  const hits = all.filter((c) => filters.every((f) => matches(c, f))).sort(cmp);
  const cursorOf = (c: Json): Array<string | number> => [fieldValue(c, key) as number, String(c.id)];
  let start = 0;
  if (Array.isArray(body.searchAfter)) {
    const [v, id] = body.searchAfter as [number | string, string];
    const pivot = { [key]: typeof v === 'number' && dateFields.has(key) ? new Date(v).toISOString() : v, id };
    start = hits.findIndex((c) => cmp(c, pivot) > 0);
    if (start < 0) start = hits.length;
  } else {
    const page = typeof body.page === 'number' ? body.page : 1;
    if (page * pageLimit > 10_000) return badRequest('page and pageLimit can reach at most 10000 records');
    start = (page - 1) * pageLimit;
  }
  const contacts = hits.slice(start, start + pageLimit).map((c) => ({ ...c, searchAfter: cursorOf(c) }));
  return { json: { contacts, total: hits.length } };
}

export function searchOpportunities(all: Json[], q: URLSearchParams, baseUrl: string): FakeResponse {
  if (q.has('locationId')) return unprocessable('property locationId should not exist');
  const limit = q.has('limit') ? Number(q.get('limit')) : 20;
  if (!Number.isInteger(limit) || limit < 1) return unprocessable('limit must be a positive integer');
  if (limit > 100) return unprocessable('limit must not be greater than 100');
  const status = q.get('status') ?? 'all';
  if (!['open', 'won', 'lost', 'abandoned', 'all'].includes(status))
    return unprocessable('status must be one of the following values: open, won, lost, abandoned, all');
  const asc = q.get('order') === 'added_asc' ? 1 : -1;
  const ms = (o: Json) => Date.parse(String(o.createdAt));
  const cmp = (a: Json, b: Json) => (ms(a) - ms(b) || String(a.id).localeCompare(String(b.id))) * asc;
  const hits = all.filter((o) => status === 'all' || o.status === status).sort(cmp);
  let start: number;
  const page = Number(q.get('page') ?? '1');
  if (q.has('startAfter') && q.has('startAfterId')) {
    const pivot = {
      createdAt: new Date(Number(q.get('startAfter'))).toISOString(),
      id: q.get('startAfterId'),
    };
    start = hits.findIndex((o) => cmp(o, pivot) > 0);
    if (start < 0) start = hits.length;
  } else start = (page - 1) * limit;
  const opportunities = hits.slice(start, start + limit);
  const last = opportunities[opportunities.length - 1];
  const more = start + limit < hits.length;
  const next = new URL('/opportunities/search', baseUrl);
  for (const [k, v] of q) if (k !== 'startAfter' && k !== 'startAfterId') next.searchParams.set(k, v);
  if (last) {
    next.searchParams.set('startAfter', String(ms(last)));
    next.searchParams.set('startAfterId', String(last.id));
  }
  const current = Math.floor(start / limit) + 1;
  return {
    json: {
      opportunities,
      meta: {
        total: hits.length,
        nextPageUrl: more ? next.toString() : null,
        startAfterId: last ? String(last.id) : null,
        startAfter: last ? ms(last) : null,
        currentPage: current,
        nextPage: more ? current + 1 : null,
        prevPage: current > 1 ? current - 1 : null,
      },
      aggregations: {},
    },
  };
}
