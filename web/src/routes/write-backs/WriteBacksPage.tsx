/**
 * Write-backs (GET /api/v1/write-backs): every change Omnify sent to a platform, newest first, with
 * its status, filtered by status (`unknown`: interrupted, a person must check the platform) and paged
 * with the API's cursor. Each row links to the ledger entry recording it and to the proposal it
 * applied or reverted (both named by the API).
 */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import {
  Button,
  Card,
  CardHeader,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  Select,
  StatusBadge,
} from '../../components/ui.tsx';
import { actionsPath, api, type Page } from '../../lib/api.ts';
import { dateTime, humanize, money, platformName } from '../../lib/format.ts';
import type { Proposal } from '../../lib/types.ts';
import { entityPath } from '../ledger/LedgerEntryPage.tsx';

type Snapshot = Record<string, unknown>;

export interface WriteBack {
  id: string;
  type: string;
  level: string;
  entityId: string;
  externalId: string;
  status: 'pending' | 'applied' | 'failed' | 'unknown';
  before: Snapshot | null;
  after: Snapshot | null;
  /** What was asked for, whether or not it happened. */
  requested: Snapshot;
  proposal: { id: string; role: 'apply' | 'revert' } | null;
  ledgerEntryId: string | null;
  error: string | null;
  createdAt: string;
  appliedAt: string | null;
}

/** The statuses the API filters by (actions.routes.ts), the ones to act on first. */
const statuses = [
  { key: 'unknown', label: 'Outcome unknown' },
  { key: 'failed', label: 'Failed' },
  { key: 'pending', label: 'Pending' },
  { key: 'applied', label: 'Applied' },
] as const;

const linkClass = 'text-brand-700 hover:underline';

/** The catalog entity a write-back changed: its name, platform and currency; CRM contacts have none. */
interface Entity {
  name: string;
  platform: string;
  currency: string;
}
const entityApi: Record<string, string> = {
  campaign: '/api/v1/campaigns',
  ad_group: '/api/v1/ad-groups',
  ad: '/api/v1/ads',
};

function useEntity(level: string, id: string) {
  const base = entityApi[level];
  return useQuery({
    queryKey: ['entity', level, id],
    enabled: Boolean(base),
    staleTime: 5 * 60_000,
    queryFn: () => api.get<Entity>(`${base}/${encodeURIComponent(id)}`),
  });
}

function EntityCell({ w }: { w: WriteBack }) {
  const e = useEntity(w.level, w.entityId);
  const path = entityPath(w.level, w.entityId);
  const name = e.data?.name ?? w.entityId;
  return (
    <div className="min-w-0">
      <span className="block text-xs text-slate-500">
        {humanize(w.level)}
        {e.data ? ` · ${platformName(e.data.platform)}` : ''}
      </span>
      {path ? (
        <Link className={linkClass} to={path} title={e.data ? undefined : name}>
          {name}
        </Link>
      ) : (
        // A CRM contact's id (no name to show): one line, whole on hover.
        <span className={e.data ? '' : 'block max-w-48 truncate font-mono text-xs'} title={name}>
          {name}
        </span>
      )}
    </div>
  );
}

/** Snapshot keys as people say them; CRM snapshots keep whatever the vendor returned. */
const fieldLabel: Record<string, string> = {
  dailyBudgetMicros: 'Daily budget',
  status: 'Status',
  workflowId: 'Workflow',
  messageId: 'Message',
};

function show(key: string, v: unknown, currency: string | undefined): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number' && /micros$/i.test(key))
    return currency ? money(v, currency) : `${(v / 1_000_000).toFixed(2)} (account currency)`;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * Field and old → new value: the write-back's own snapshot once the platform answered; before that
 * (pending, failed, unknown: no snapshot) the value asked for, marked "requested".
 */
function ChangeCell({ w }: { w: WriteBack }) {
  const e = useEntity(w.level, w.entityId);
  const currency = e.data?.currency;
  const own = w.before !== null || w.after !== null;
  const before: Snapshot = (own ? w.before : null) ?? {};
  const after: Snapshot = (own ? w.after : w.requested) ?? {};
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return (
    <div className="min-w-0">
      <span className="block text-xs text-slate-500">{humanize(w.type)}</span>
      {keys.length === 0 ? (
        <span className="text-slate-400">—</span>
      ) : (
        <ul>
          {keys.map((k) => {
            const from = show(k, before[k], currency);
            const to = show(k, after[k], currency);
            return (
              <li key={k} className="tabular wrap-anywhere">
                <span className="text-xs text-slate-500">{fieldLabel[k] ?? k}</span>{' '}
                {/* Short values (amounts, statuses) stay on one line; a CRM's JSON wraps anywhere. */}
                <span className={from.length + to.length <= 40 ? 'whitespace-nowrap' : undefined}>
                  {from} → {to}
                </span>
                {!own && <span className="ml-1 text-xs text-slate-400">(requested)</span>}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

/** The Approvals tab a proposal of this status is listed under. */
const approvalsTab = (status: string) =>
  ['pending_approval', 'applied', 'unknown'].includes(status) ? status : 'all';

/** The proposal a write-back applied or reverted, linked to the Approvals tab that lists it. */
function ProposalLink({ link }: { link: NonNullable<WriteBack['proposal']> }) {
  const base = useQuery({ queryKey: ['actions-base'], queryFn: actionsPath, staleTime: Infinity });
  const p = useQuery({
    queryKey: ['proposal', link.id],
    enabled: Boolean(base.data),
    staleTime: 60_000,
    queryFn: () => api.get<Proposal>(`${base.data}/${encodeURIComponent(link.id)}`),
  });
  return (
    <Link
      className={linkClass}
      to={`/approvals?status=${p.data ? approvalsTab(p.data.status) : 'all'}`}
      title={`Proposal ${link.id}${p.data ? `: ${humanize(p.data.status)}` : ''}`}
    >
      {link.role === 'revert' ? 'Proposal (revert)' : 'Proposal'}
    </Link>
  );
}

export function WriteBacksPage() {
  const [params, setParams] = useSearchParams();
  const raw = params.get('status') ?? '';
  const status = statuses.some((s) => s.key === raw) ? raw : '';
  // `?entityId=` (from a ledger entry): the write-backs of one campaign, ad group or ad.
  const entityId = params.get('entityId') ?? '';
  const setFilter = (next: { status?: string; entityId?: string }) => {
    const merged = { status, entityId, ...next };
    setParams(Object.fromEntries(Object.entries(merged).filter(([, v]) => v)));
  };
  const q = useInfiniteQuery({
    queryKey: ['write-backs', status, entityId],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      api.get<Page<WriteBack>>('/api/v1/write-backs', {
        status,
        entityId,
        limit: 50,
        cursor: pageParam,
      }),
    getNextPageParam: (p) => p.nextCursor ?? undefined,
  });
  const rows = q.data?.pages.flatMap((p) => p.items) ?? [];

  const columns: Column<WriteBack>[] = [
    {
      key: 'when',
      header: 'When',
      render: (w) => (
        <span className="text-slate-600" title={w.appliedAt ? `applied ${dateTime(w.appliedAt)}` : undefined}>
          {dateTime(w.createdAt)}
        </span>
      ),
    },
    // Status next to the time (what a phone shows before the table scrolls sideways), with the
    // error under it: a reconciler's detail names both values, so it wraps rather than being cut.
    {
      key: 'status',
      header: 'Status',
      render: (w) => (
        <div>
          <StatusBadge status={w.status} write />
          {w.error && (
            <p className="mt-1 max-w-60 min-w-44 text-xs whitespace-normal text-slate-600">{w.error}</p>
          )}
        </div>
      ),
    },
    // Names and values wrap inside their column: at 1280 px every column is on screen.
    { key: 'entity', header: 'Entity', wrap: true, render: (w) => <EntityCell w={w} /> },
    {
      key: 'change',
      header: 'Field: old → new',
      wrap: true,
      render: (w) => <ChangeCell w={w} />,
    },
    {
      key: 'links',
      header: 'Recorded in',
      render: (w) => {
        if (!w.ledgerEntryId && !w.proposal) return <span className="text-slate-400">—</span>;
        return (
          <span className="flex flex-col text-xs">
            {w.ledgerEntryId && (
              <Link className={linkClass} to={`/ledger/${w.ledgerEntryId}`}>
                Ledger entry
              </Link>
            )}
            {w.proposal && <ProposalLink link={w.proposal} />}
          </span>
        );
      },
    },
  ];

  return (
    <>
      <PageHeader
        title="Write-backs"
        description="Every change sent to an ad platform or CRM, newest first, and whether it landed"
      />
      <Card>
        <CardHeader
          title="Platform changes"
          description={
            status === 'unknown'
              ? 'Interrupted and not confirmed afterwards: check each on the platform; Omnify will not retry them'
              : undefined
          }
          actions={
            <>
              {entityId && (
                <span className="inline-flex items-center gap-1 text-xs text-slate-600">
                  Only <span className="font-mono">{entityId}</span>
                  <Button size="sm" variant="ghost" onClick={() => setFilter({ entityId: '' })}>
                    Show all
                  </Button>
                </span>
              )}
              <Select
                aria-label="Status"
                value={status}
                onChange={(e) => setFilter({ status: e.target.value })}
                className="w-auto py-1.5 text-xs"
              >
                <option value="">Any status</option>
                {statuses.map((s) => (
                  <option key={s.key} value={s.key}>
                    {s.label}
                  </option>
                ))}
              </Select>
            </>
          }
        />
        {q.isPending ? (
          <LoadingState rows={5} />
        ) : q.error ? (
          <ErrorState error={q.error} onRetry={() => q.refetch()} />
        ) : rows.length === 0 ? (
          <EmptyState
            title={
              status === 'unknown'
                ? 'Nothing to check by hand'
                : status
                  ? `No ${statuses.find((s) => s.key === status)?.label.toLowerCase()} write-backs`
                  : entityId
                    ? 'No write-backs of this entity'
                    : 'No write-backs yet'
            }
          >
            {status === 'unknown'
              ? 'A write-back lands here when its platform call was interrupted and Omnify could not confirm afterwards whether the platform took it.'
              : 'Applied proposals, rules, workflows and direct changes appear here once they are sent to a platform.'}
          </EmptyState>
        ) : (
          <DataTable
            label="Write-backs"
            rows={rows}
            columns={columns}
            rowKey={(w) => w.id}
            pageSize={rows.length}
          />
        )}
        {q.hasNextPage && (
          <div className="border-t border-slate-100 px-4 py-3 text-center">
            <Button size="sm" loading={q.isFetchingNextPage} onClick={() => q.fetchNextPage()}>
              Load older write-backs
            </Button>
          </div>
        )}
      </Card>
    </>
  );
}
