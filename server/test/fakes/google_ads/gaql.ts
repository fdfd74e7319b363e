/**
 * A small Google Ads Query Language engine for the fake: SELECT/FROM/WHERE (AND-ed conditions with
 * = != > >= < <= IN, NOT IN, BETWEEN, IS [NOT] NULL, LIKE)/ORDER BY/LIMIT, evaluated over GoogleAdsRow-
 * shaped objects, and projection of the selected snake_case fields into camelCase JSON.
 */

export class GaqlError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Condition {
  field: string;
  op: string;
  values: string[];
}

export interface GaqlQuery {
  fields: string[];
  from: string;
  where: Condition[];
  orderBy: { field: string; desc: boolean } | undefined;
  limit: number | undefined;
}

export const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

const CLAUSES =
  /^\s*SELECT\s+(.+?)\s+FROM\s+([a-z_]+)(?:\s+WHERE\s+(.+?))?(?:\s+ORDER\s+BY\s+(.+?))?(?:\s+LIMIT\s+(\S+))?(?:\s+PARAMETERS\s+.+?)?\s*$/is;

function tokenize(s: string): string[] {
  const out: string[] = [];
  const re = /\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|>=|<=|!=|=|>|<|\(|\)|,|[A-Za-z0-9_.\-%]+)/y;
  while (re.lastIndex < s.length && !/^\s*$/.test(s.slice(re.lastIndex))) {
    const at = re.lastIndex;
    const m = re.exec(s);
    if (!m) throw new GaqlError('BAD_SYMBOL', `Unexpected input at: ${s.slice(at, at + 20)}`);
    out.push(m[1] ?? '');
  }
  return out;
}

const literal = (t: string | undefined): string => {
  if (t === undefined) throw new GaqlError('UNEXPECTED_END_OF_QUERY', 'Unexpected end of query');
  const v = /^['"]/.test(t) ? t.slice(1, -1) : t;
  // Basic ISO dates (YYYYMMDD) are accepted too.
  return /^\d{8}$/.test(v) && /^['"]/.test(t) ? `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6)}` : v;
};

function parseWhere(src: string): Condition[] {
  const t = tokenize(src);
  const out: Condition[] = [];
  let i = 0;
  const next = () => t[i++];
  for (;;) {
    const field = next();
    if (!field || !/^[a-z_.0-9]+$/.test(field))
      throw new GaqlError('BAD_FIELD_NAME', `Bad field in WHERE: ${field}`);
    let op = (next() ?? '').toUpperCase();
    if ((op === 'NOT' || op === 'IS') && ['IN', 'NOT', 'NULL', 'LIKE'].includes((t[i] ?? '').toUpperCase()))
      op = `${op} ${(next() ?? '').toUpperCase()}`;
    if (op === 'IS NOT') op = `IS NOT ${(next() ?? '').toUpperCase()}`;
    let values: string[];
    if (op === 'IN' || op === 'NOT IN') {
      if (next() !== '(') throw new GaqlError('EXPECTED_LIST', `${op} needs a list`);
      values = [];
      for (let tok = next(); tok !== ')'; tok = next()) {
        if (tok === undefined) throw new GaqlError('UNEXPECTED_END_OF_QUERY', 'Unclosed list');
        if (tok !== ',') values.push(literal(tok));
      }
    } else if (op === 'BETWEEN') {
      const lo = literal(next());
      if ((next() ?? '').toUpperCase() !== 'AND') throw new GaqlError('EXPECTED_AND', 'BETWEEN needs AND');
      values = [lo, literal(next())];
    } else if (op === 'IS NULL' || op === 'IS NOT NULL') values = [];
    else if (['=', '!=', '>', '>=', '<', '<=', 'LIKE', 'NOT LIKE'].includes(op)) values = [literal(next())];
    else throw new GaqlError('BAD_OPERATOR', `Operator not supported: ${op}`);
    out.push({ field, op, values });
    if (i >= t.length) return out;
    if ((next() ?? '').toUpperCase() !== 'AND')
      throw new GaqlError('EXPECTED_AND', 'Conditions are joined with AND');
  }
}

export function parseGaql(query: string): GaqlQuery {
  const m = CLAUSES.exec(query.replace(/\s+/g, ' '));
  if (!m) throw new GaqlError('QUERY_ERROR', 'Query must be SELECT ... FROM ...');
  const fields = (m[1] ?? '').split(',').map((f) => f.trim());
  if (fields.some((f) => !/^[a-z_]+(\.[a-z0-9_]+)+$/.test(f)))
    throw new GaqlError('BAD_FIELD_NAME', `Bad field in SELECT: ${fields.join(', ')}`);
  const order = m[4]?.trim().split(/\s+/);
  const limit = m[5] === undefined ? undefined : Number(m[5]);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
    throw new GaqlError('BAD_LIMIT_VALUE', `Bad LIMIT: ${m[5]}`);
  return {
    fields,
    from: m[2] ?? '',
    where: m[3] ? parseWhere(m[3]) : [],
    orderBy: order?.[0] ? { field: order[0], desc: order[1]?.toUpperCase() === 'DESC' } : undefined,
    limit,
  };
}

/** Value of a snake_case GAQL path in a camelCase row, e.g. `ad_group_ad.ad.id` → row.adGroupAd.ad.id. */
export function valueAt(row: object, field: string): unknown {
  let v: unknown = row;
  for (const part of field.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[camel(part)];
  }
  return v;
}

const norm = (v: unknown) => (typeof v === 'boolean' ? String(v).toUpperCase() : String(v));
function compare(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function matches(row: object, conds: Condition[]): boolean {
  return conds.every(({ field, op, values }) => {
    const raw = valueAt(row, field);
    if (op === 'IS NULL') return raw === undefined || raw === null;
    if (op === 'IS NOT NULL') return raw !== undefined && raw !== null;
    if (raw === undefined || raw === null) return op === '!=' || op === 'NOT IN';
    const v = norm(raw);
    const [a = '', b = ''] = values.map((x) =>
      x.toUpperCase() === 'TRUE' || x.toUpperCase() === 'FALSE' ? x.toUpperCase() : x,
    );
    switch (op) {
      case '=':
        return v === a;
      case '!=':
        return v !== a;
      case '>':
        return compare(v, a) > 0;
      case '>=':
        return compare(v, a) >= 0;
      case '<':
        return compare(v, a) < 0;
      case '<=':
        return compare(v, a) <= 0;
      case 'IN':
        return values.includes(v);
      case 'NOT IN':
        return !values.includes(v);
      case 'BETWEEN':
        return compare(v, a) >= 0 && compare(v, b) <= 0;
      default: {
        const re = new RegExp(`^${a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*')}$`);
        return op === 'LIKE' ? re.test(v) : !re.test(v);
      }
    }
  });
}

/** Copies the selected fields (plus each selected resource's resourceName, as Google does) into a new row. */
export function project(row: object, fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (path: string[], value: unknown) => {
    let o = out;
    for (const p of path.slice(0, -1)) {
      o[p] ??= {};
      o = o[p] as Record<string, unknown>;
    }
    o[path[path.length - 1] ?? ''] = value;
  };
  for (const f of fields) {
    const parts = f.split('.');
    const top = parts[0] ?? '';
    if (top !== 'metrics' && top !== 'segments') {
      const rn = valueAt(row, `${top}.resource_name`);
      if (rn !== undefined) put([camel(top), 'resourceName'], rn);
      if (parts[1] === 'ad' && parts.length > 2)
        put([camel(top), 'ad', 'resourceName'], valueAt(row, `${top}.ad.resource_name`));
    }
    const v = valueAt(row, f);
    if (v !== undefined) put(parts.map(camel), v);
  }
  return out;
}
