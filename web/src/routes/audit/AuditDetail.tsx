/**
 * One audit entry opened: what it changed (the before and after its metadata keeps, side by side
 * with the changed fields marked), the rest of its metadata, and where it came from (request id,
 * IP, user agent, the input's hash and the chain hashes). Ids in the metadata are named where the
 * page knows them, the id on hover.
 */
import { dateTime } from '../../lib/format.ts';
import { typeOfId, type useNames } from '../../lib/names.ts';
import type { AuditEntry } from '../../lib/types.ts';

type Resolve = ReturnType<typeof useNames>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** reportingCurrency / reporting_currency → "reporting currency"; the key itself is on hover. */
const words = (key: string) =>
  key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** An id's name: from the page's lists, else from what the server named in this entry. */
type Namer = (id: string) => string | undefined;

function Value({ value, name }: { value: unknown; name: Namer }) {
  if (value === undefined) return <span className="text-slate-400">not set</span>;
  if (value === null || value === '') return <span className="text-slate-400">—</span>;
  if (typeof value === 'string') {
    const label = name(value);
    if (label)
      return (
        <span title={value} className="text-slate-800">
          {label}
        </span>
      );
    return <span className="break-words text-slate-800">{value}</span>;
  }
  if (typeof value === 'number' || typeof value === 'boolean')
    return <span className="font-mono text-slate-800">{String(value)}</span>;
  return (
    <code className="block font-mono text-[11px] break-all whitespace-pre-wrap text-slate-700">
      {JSON.stringify(value, null, 1)}
    </code>
  );
}

/** Before and after, field by field: changed fields first and marked; the unchanged ones listed. */
function Changes({
  before,
  after,
  name,
  what,
}: {
  before: unknown;
  after: unknown;
  name: Namer;
  /** What a single value is (members.role_changed: "role"). */
  what: string;
}) {
  const hasBefore = before !== undefined;
  const hasAfter = after !== undefined;
  const rows: Array<{ key: string; before: unknown; after: unknown }> =
    isObject(before) || isObject(after)
      ? [
          ...new Set([
            ...Object.keys(isObject(before) ? before : {}),
            ...Object.keys(isObject(after) ? after : {}),
          ]),
        ].map((key) => ({
          key,
          before: isObject(before) ? before[key] : undefined,
          after: isObject(after) ? after[key] : undefined,
        }))
      : [{ key: what, before, after }];
  // With both sides, only what changed is a row; the rest is named in one line.
  const both = hasBefore && hasAfter;
  const changed = both ? rows.filter((r) => !same(r.before, r.after)) : rows;
  const unchanged = both ? rows.filter((r) => same(r.before, r.after)) : [];
  return (
    <div>
      <table className="w-full table-fixed text-xs" aria-label="Changes">
        <thead className="text-left text-slate-500">
          <tr>
            <th scope="col" className="w-40 py-1 pr-3 font-medium">
              Field
            </th>
            {hasBefore && (
              <th scope="col" className="py-1 pr-3 font-medium">
                Before
              </th>
            )}
            {hasAfter && (
              <th scope="col" className="py-1 pr-3 font-medium">
                After
              </th>
            )}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {changed.map((r) => (
            <tr key={r.key} data-changed={both ? 'true' : undefined}>
              <th scope="row" className="py-1.5 pr-3 text-left font-medium text-slate-700" title={r.key}>
                {words(r.key)}
              </th>
              {hasBefore && (
                <td className={`py-1.5 pr-3 ${both ? 'bg-rose-50/60' : ''}`}>
                  <Value value={r.before} name={name} />
                </td>
              )}
              {hasAfter && (
                <td className={`py-1.5 pr-3 ${both ? 'bg-emerald-50/60' : ''}`}>
                  <Value value={r.after} name={name} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {both && changed.length === 0 && <p className="py-1 text-xs text-slate-500">Nothing changed.</p>}
      {unchanged.length > 0 && (
        <p className="mt-1.5 text-xs text-slate-500">
          Unchanged: {unchanged.map((r) => words(r.key)).join(', ')}
        </p>
      )}
    </div>
  );
}

function Facts({ items }: { items: Array<[string, unknown, string?]> }) {
  return (
    <dl className="grid grid-cols-[minmax(6rem,auto)_1fr] gap-x-3 gap-y-1 text-xs">
      {items.map(([label, value, title]) => (
        <div key={label} className="contents">
          <dt className="text-slate-500" title={title}>
            {label}
          </dt>
          <dd className="min-w-0 font-mono text-[11px] break-all text-slate-700">
            {value === null || value === undefined || value === '' ? '—' : String(value)}
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function AuditDetail({ entry, resolve }: { entry: AuditEntry; resolve: Resolve }) {
  const { before, after, ...rest } = entry.metadata ?? {};
  const hasChanges = before !== undefined || after !== undefined;
  const other = Object.entries(rest);
  // What the server named in this entry: its actor, its target, and a membership's person (the
  // server names a membership by the metadata.userId its entry keeps).
  const named = new Map<string, string>();
  if (entry.actor.id && entry.actor.name) named.set(entry.actor.id, entry.actor.name);
  if (entry.target?.id && entry.target.name) {
    named.set(entry.target.id, entry.target.name);
    if (entry.target.type === 'membership' && typeof rest.userId === 'string')
      named.set(rest.userId, entry.target.name);
  }
  const name: Namer = (id) => {
    const type = typeOfId(id);
    const listed = type ? resolve(type, id) : null;
    return listed?.known ? listed.label : named.get(id);
  };
  return (
    <div className="grid gap-5 px-4 py-4 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
      <div className="min-w-0 space-y-4">
        <section>
          <h3 className="mb-1.5 text-xs font-semibold tracking-wide text-slate-500 uppercase">
            {hasChanges ? 'What changed' : 'Change'}
          </h3>
          {hasChanges ? (
            <Changes
              before={before}
              after={after}
              name={name}
              what={/_changed$/.test(entry.action) ? entry.action.replace(/^.*\.|_changed$/g, '') : 'value'}
            />
          ) : (
            <p className="text-xs text-slate-500">
              This entry keeps no before and after: the action and its target are the record.
            </p>
          )}
        </section>
        {other.length > 0 && (
          <section>
            <h3 className="mb-1.5 text-xs font-semibold tracking-wide text-slate-500 uppercase">Details</h3>
            <dl
              className="grid grid-cols-[minmax(6rem,auto)_1fr] gap-x-3 gap-y-1 text-xs"
              aria-label="Details"
            >
              {other.map(([k, v]) => (
                <div key={k} className="contents">
                  <dt className="text-slate-500" title={k}>
                    {/* userId naming a person reads "user". */}
                    {typeof v === 'string' && name(v) ? words(k).replace(/ id$/, '') : words(k)}
                  </dt>
                  <dd className="min-w-0">
                    <Value value={v} name={name} />
                  </dd>
                </div>
              ))}
            </dl>
          </section>
        )}
      </div>
      <section className="min-w-0">
        <h3 className="mb-1.5 text-xs font-semibold tracking-wide text-slate-500 uppercase">Record</h3>
        <Facts
          items={[
            ['Time', `${dateTime(entry.createdAt)} (${entry.createdAt})`],
            ['Actor', entry.actor.id ? `${entry.actor.type} ${entry.actor.id}` : entry.actor.type],
            ['Target', entry.target ? `${entry.target.type} ${entry.target.id ?? ''}` : null],
            ['Request', entry.requestId],
            ['IP', entry.ip],
            ['User agent', entry.userAgent],
            ['Input hash', entry.inputHash, 'SHA-256 of the request input; the input itself is not kept'],
            ['Hash', entry.hash],
            ['Previous hash', entry.prevHash],
          ]}
        />
      </section>
    </div>
  );
}
