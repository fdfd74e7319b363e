/** The audit log with filters, and the hash chain's verification status. */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { type FormEvent, Fragment, useState } from 'react';
import { Link } from 'react-router';
import { Icon } from '../../components/icons.tsx';
import {
  Badge,
  Button,
  Card,
  CardHeader,
  EmptyState,
  ErrorState,
  Field,
  Input,
  LoadingState,
  PageHeader,
  Select,
} from '../../components/ui.tsx';
import { api, type Page } from '../../lib/api.ts';
import { dateTime } from '../../lib/format.ts';
import { useNames } from '../../lib/names.ts';
import type { AuditEntry } from '../../lib/types.ts';
import { AuditDetail } from './AuditDetail.tsx';

interface Verify {
  ok: boolean;
  checked: number;
  firstProblem: { seq: number; problem: string; id?: string } | null;
}

interface Filters {
  action: string;
  actorType: string;
  targetType: string;
  from: string;
  to: string;
}
const none: Filters = { action: '', actorType: '', targetType: '', from: '', to: '' };

function ChainStatus() {
  const q = useQuery({ queryKey: ['audit-verify'], queryFn: () => api.get<Verify>('/api/v1/audit/verify') });
  return (
    <Card>
      <CardHeader title="Tamper evidence" description="Every entry is hash-chained to the one before" />
      <div className="px-5 py-4 text-sm" data-testid="chain-status">
        {q.isPending ? (
          <LoadingState rows={1} />
        ) : q.error ? (
          <ErrorState error={q.error} />
        ) : q.data.ok ? (
          <div className="flex items-center gap-3">
            <span
              className="grid size-9 place-items-center rounded-full bg-emerald-100 text-emerald-700"
              aria-hidden="true"
            >
              ✓
            </span>
            <div>
              <p className="font-medium text-emerald-800">Chain verified</p>
              <p className="text-xs text-slate-500">
                {q.data.checked.toLocaleString()} entries checked, none edited, deleted or reordered
              </p>
            </div>
          </div>
        ) : (
          <div className="flex items-center gap-3">
            <span
              className="grid size-9 place-items-center rounded-full bg-rose-100 text-rose-700"
              aria-hidden="true"
            >
              !
            </span>
            <div>
              <p className="font-medium text-rose-800">Chain broken at entry #{q.data.firstProblem?.seq}</p>
              <p className="text-xs text-slate-500">
                {q.data.firstProblem?.problem}: the log was changed outside Omnify
              </p>
            </div>
          </div>
        )}
      </div>
    </Card>
  );
}

/** One line, cut with an ellipsis when longer than its column; the whole value is its tooltip. */
function Clip({ text, className }: { text: string; className: string }) {
  return (
    <span className={`block truncate ${className}`} title={text}>
      {text}
    </span>
  );
}

/**
 * What an entry changed: its type, and its name (or id) linked to its page when it has one; the id
 * on hover. A target the page's lists do not hold (the organization, a membership, an invitation, a
 * client since deleted) takes the server's name for it.
 */
function Target({
  type,
  id,
  name,
  resolve,
}: {
  type: string;
  id?: string | null;
  name?: string | null;
  resolve: Resolve;
}) {
  const listed = resolve(type, id);
  const t = !listed.known && name && id ? { ...listed, known: true, label: name, title: id } : listed;
  const text = (
    <span
      className={`block max-w-48 truncate ${t.known ? 'text-slate-800' : 'font-mono text-[11px] text-slate-500'}`}
      title={t.label === t.title ? t.title : `${t.label} — ${t.title}`}
    >
      {t.label}
    </span>
  );
  const kind = type.replace(/_/g, ' ');
  // A target with no name of its own (a session) is just its kind, the id on hover.
  if (id && t.known && t.label === kind)
    return (
      <span className="block whitespace-nowrap" data-testid="audit-target" title={t.title}>
        {kind}
      </span>
    );
  return (
    <span className="block" data-testid="audit-target">
      <span className="block whitespace-nowrap">{kind}</span>
      {id &&
        (t.to ? (
          <Link to={t.to} className="block hover:underline">
            {text}
          </Link>
        ) : (
          text
        ))}
    </span>
  );
}

/** Who did it: the person's name (email and id on hover), the agent's or key's name, or "system". */
function Actor({ actor, resolve }: { actor: AuditEntry['actor']; resolve: Resolve }) {
  const listed = resolve(actor.type, actor.id);
  // Someone no longer in the lists the page reads (a member since removed): the server's name.
  const a =
    !listed.known && actor.name
      ? { ...listed, known: true, label: actor.name, title: `${actor.name} (${actor.id})`, to: undefined }
      : listed;
  const tone = actor.type === 'user' ? 'blue' : actor.type === 'agent' ? 'violet' : 'gray';
  return (
    <span className="flex flex-col items-start gap-0.5" data-testid="audit-actor">
      <Badge tone={tone}>{actor.type.replace(/_/g, ' ')}</Badge>
      {actor.id &&
        (a.to && a.known ? (
          <Link to={a.to} title={a.title} className="max-w-44 truncate text-slate-800 hover:underline">
            {a.label}
          </Link>
        ) : (
          <span
            className={`max-w-44 truncate ${a.known ? 'text-slate-800' : 'font-mono text-[11px] text-slate-500'}`}
            title={a.title}
          >
            {a.label}
          </span>
        ))}
    </span>
  );
}

type Resolve = ReturnType<typeof useNames>;

/**
 * The clients whose portal users the entries show: portal users are listed client by client, so
 * only these clients' lists are fetched. An entry about a portal user carries its client
 * (metadata.clientId) except a few (portal.logged_out): those take the client from another entry of
 * the same portal user, and when none is shown every client's list is asked for.
 */
function portalUserClients(rows: AuditEntry[]): string[] | 'all' {
  const clientOf = new Map<string, string>();
  const unplaced = new Set<string>();
  for (const e of rows) {
    const ids = [
      e.actor.type === 'portal_user' && e.actor.id,
      e.target?.type === 'portal_user' && e.target.id,
    ];
    for (const id of ids) {
      if (!id) continue;
      const clientId = e.metadata?.clientId;
      if (typeof clientId === 'string') clientOf.set(id, clientId);
      else unplaced.add(id);
    }
  }
  if ([...unplaced].some((id) => !clientOf.has(id))) return 'all';
  return [...new Set(clientOf.values())].sort();
}

export function AuditPage() {
  const [draft, setDraft] = useState<Filters>(none);
  const [filters, setFilters] = useState<Filters>(none);
  const q = useInfiniteQuery({
    queryKey: ['audit', filters],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      api.get<Page<AuditEntry>>('/api/v1/audit', {
        limit: 50,
        cursor: pageParam,
        action: filters.action,
        actorType: filters.actorType,
        targetType: filters.targetType,
        from: filters.from ? new Date(`${filters.from}T00:00:00Z`).toISOString() : undefined,
        to: filters.to ? new Date(`${filters.to}T23:59:59Z`).toISOString() : undefined,
      }),
    getNextPageParam: (p) => p.nextCursor ?? undefined,
  });
  const rows = q.data?.pages.flatMap((p) => p.items) ?? [];
  const [opened, setOpened] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setOpened((o) => {
      const next = new Set(o);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  // The actions seen so far, and each area as a prefix (clients.*), offered as the Action filter's
  // suggestions: kept across filters, so narrowing to one area still offers the others.
  const [seen, setSeen] = useState<ReadonlySet<string>>(new Set());
  const fresh = rows.filter((e) => !seen.has(e.action));
  if (fresh.length) setSeen(new Set([...seen, ...fresh.map((e) => e.action)]));
  const suggestions = [
    ...[...new Set([...seen].map((a) => `${a.split('.')[0]}.*`))].sort(),
    ...[...seen].sort(),
  ];
  const resolve = useNames({ portalUserClients: portalUserClients(rows) });
  function apply(e: FormEvent) {
    e.preventDefault();
    setFilters(draft);
  }
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Who changed what, when, from where — written in the same transaction as the change"
      />
      {/* The chain's status sits beside the log only where the log keeps room for its six columns
          (2xl); below that it comes first, over the full width. */}
      <div className="grid grid-cols-1 gap-6 2xl:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="2xl:order-last">
          <ChainStatus />
        </div>
        <Card>
          <form
            onSubmit={apply}
            className="grid grid-cols-2 gap-3 border-b border-slate-100 px-4 py-3 sm:grid-cols-3 lg:grid-cols-6 lg:items-end"
            aria-label="Audit filters"
          >
            <Field label="Action">
              <Input
                value={draft.action}
                onChange={(e) => setDraft({ ...draft, action: e.target.value })}
                placeholder="clients.* or auth.logged_in"
                list="audit-action-suggestions"
                aria-describedby="audit-action-hint"
              />
            </Field>
            <datalist id="audit-action-suggestions">
              {suggestions.map((a) => (
                <option key={a} value={a} />
              ))}
            </datalist>
            <Field label="Actor">
              <Select
                value={draft.actorType}
                onChange={(e) => setDraft({ ...draft, actorType: e.target.value })}
              >
                <option value="">Anyone</option>
                {['user', 'api_key', 'agent', 'system'].map((a) => (
                  <option key={a} value={a}>
                    {a}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="Target type">
              <Input
                value={draft.targetType}
                onChange={(e) => setDraft({ ...draft, targetType: e.target.value })}
                placeholder="connection"
              />
            </Field>
            <Field label="From">
              <Input
                type="date"
                value={draft.from}
                onChange={(e) => setDraft({ ...draft, from: e.target.value })}
              />
            </Field>
            <Field label="To">
              <Input
                type="date"
                value={draft.to}
                onChange={(e) => setDraft({ ...draft, to: e.target.value })}
              />
            </Field>
            <div className="flex flex-wrap gap-2">
              <Button type="submit" variant="primary">
                Filter
              </Button>
              <Button
                variant="ghost"
                onClick={() => {
                  setDraft(none);
                  setFilters(none);
                }}
              >
                Clear
              </Button>
            </div>
            <p id="audit-action-hint" className="col-span-full -mt-1 text-xs text-slate-500">
              Action: one exact action (<code className="font-mono">auth.logged_in</code>), or every action of
              an area with <code className="font-mono">.*</code> (<code className="font-mono">clients.*</code>{' '}
              for every change to clients, <code className="font-mono">members.*</code> for the team).
            </p>
          </form>
          {q.isPending ? (
            <LoadingState rows={8} />
          ) : q.error ? (
            <ErrorState error={q.error} onRetry={() => q.refetch()} />
          ) : rows.length === 0 ? (
            <EmptyState title="No entries match" />
          ) : (
            <div className="overflow-x-auto">
              <table className="min-w-full text-sm" aria-label="Audit entries">
                <thead className="bg-slate-50/80 text-xs text-slate-500">
                  <tr>
                    {['#', 'When', 'Actor', 'Action', 'Target', 'From'].map((h) => (
                      <th key={h} scope="col" className="px-3 py-2.5 text-left font-medium">
                        {h}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {rows.map((e) => (
                    <Fragment key={e.id}>
                      <tr className={`align-top ${opened.has(e.id) ? 'bg-slate-50' : ''}`}>
                        <td className="px-3 py-2 text-xs text-slate-400 tabular">
                          <button
                            type="button"
                            onClick={() => toggle(e.id)}
                            aria-expanded={opened.has(e.id)}
                            aria-controls={`audit-entry-${e.id}`}
                            aria-label={`Details of entry #${e.seq}`}
                            className="inline-flex items-center gap-1 rounded px-1 py-0.5 hover:bg-slate-100 hover:text-slate-700 focus-visible:ring-2 focus-visible:ring-brand-500 focus-visible:outline-none"
                          >
                            <Icon
                              name="chevron"
                              className={`size-3.5 transition-transform ${opened.has(e.id) ? '' : '-rotate-90'}`}
                            />
                            {e.seq}
                          </button>
                        </td>
                        <td className="px-3 py-2 whitespace-nowrap text-slate-600">
                          {dateTime(e.createdAt)}
                        </td>
                        <td className="px-3 py-2">
                          <Actor actor={e.actor} resolve={resolve} />
                        </td>
                        <td className="px-3 py-2 font-mono text-xs whitespace-nowrap text-slate-800">
                          {e.action}
                        </td>
                        <td className="px-3 py-2 text-xs text-slate-600">
                          {e.target ? (
                            <Target
                              type={e.target.type}
                              id={e.target.id}
                              name={e.target.name}
                              resolve={resolve}
                            />
                          ) : (
                            '—'
                          )}
                        </td>
                        <td className="px-3 py-2 text-xs text-slate-500">
                          {e.ip ? <Clip text={e.ip} className="max-w-40" /> : '—'}
                        </td>
                      </tr>
                      {opened.has(e.id) && (
                        <tr id={`audit-entry-${e.id}`} className="bg-slate-50/60">
                          <td colSpan={6} className="p-0">
                            <section aria-label={`Entry #${e.seq}`}>
                              <AuditDetail entry={e} resolve={resolve} />
                            </section>
                          </td>
                        </tr>
                      )}
                    </Fragment>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {q.hasNextPage && (
            <div className="border-t border-slate-100 px-4 py-3 text-center">
              <Button size="sm" loading={q.isFetchingNextPage} onClick={() => q.fetchNextPage()}>
                Load older entries
              </Button>
            </div>
          )}
        </Card>
      </div>
    </>
  );
}
