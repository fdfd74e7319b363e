/** The change ledger: every applied change, scored 7 and 14 days later against untouched peers. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import {
  Badge,
  Card,
  CardHeader,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  PartialList,
  Select,
} from '../../components/ui.tsx';
import { api, HISTORY_CAP } from '../../lib/api.ts';
import { date, humanize, metricName, num } from '../../lib/format.ts';
import { entityPath, verdictTone } from './LedgerEntryPage.tsx';

interface Entry {
  id: string;
  source: { type: string; id: string | null };
  kind: string;
  level: string;
  entityId: string;
  entityName?: string | null;
  changePct: number | null;
  appliedAt: string;
  reverted: boolean;
  verdict: string;
  verdictHorizon: number | null;
  effectPct: number | null;
  scores: Array<{
    horizonDays: number;
    verdict: string;
    reason: string;
    metric: string | null;
    effectPct: number | null;
    loPct: number | null;
    hiPct: number | null;
  }>;
  pending: Array<{ horizonDays: number; dueAfter: string }>;
}

interface Summary {
  total: number;
  helped: number;
  hurt: number;
  inconclusive: number;
  pending: number;
  reverted?: number;
  averageEffectPct?: number | null;
}

export function LedgerPage() {
  const [verdict, setVerdict] = useState('');
  const [sourceType, setSourceType] = useState('');
  const list = useQuery({
    queryKey: ['ledger', verdict, sourceType],
    queryFn: () => api.getAll<Entry>('/api/v1/ledger', { verdict, sourceType }, HISTORY_CAP),
  });
  const summary = useQuery({
    queryKey: ['ledger-summary'],
    queryFn: () => api.get<Summary>('/api/v1/ledger/summary'),
  });
  const s = summary.data;
  return (
    <>
      <PageHeader
        title="Change ledger"
        description="Did each applied change help? Scored 7 and 14 days later against comparable entities nobody touched"
      />
      {s && (
        <dl className="mb-6 grid grid-cols-2 gap-3 sm:grid-cols-5">
          {(
            [
              ['Changes', s.total, 'gray'],
              ['Helped', s.helped, 'green'],
              ['Hurt', s.hurt, 'red'],
              ['Inconclusive', s.inconclusive, 'gray'],
              ['Pending', s.pending, 'blue'],
            ] as const
          ).map(([l, v]) => (
            <div key={l} className="rounded-xl border border-slate-200 bg-white px-4 py-3 shadow-xs">
              <dt className="text-xs text-slate-500">{l}</dt>
              <dd className="mt-0.5 text-xl font-semibold tabular">{num(v)}</dd>
            </div>
          ))}
        </dl>
      )}
      <Card>
        <CardHeader
          title="Applied changes"
          actions={
            <>
              <Select
                aria-label="Verdict"
                value={verdict}
                onChange={(e) => setVerdict(e.target.value)}
                className="w-auto py-1.5 text-xs"
              >
                <option value="">Any verdict</option>
                {['helped', 'hurt', 'inconclusive', 'pending'].map((v) => (
                  <option key={v} value={v}>
                    {humanize(v)}
                  </option>
                ))}
              </Select>
              <Select
                aria-label="Source"
                value={sourceType}
                onChange={(e) => setSourceType(e.target.value)}
                className="w-auto py-1.5 text-xs"
              >
                <option value="">Any source</option>
                {['user', 'agent', 'rule', 'workflow'].map((v) => (
                  <option key={v} value={v}>
                    {humanize(v)}
                  </option>
                ))}
              </Select>
            </>
          }
        />
        {list.isPending ? (
          <LoadingState rows={5} />
        ) : list.error ? (
          <ErrorState error={list.error} onRetry={() => list.refetch()} />
        ) : list.data.items.length === 0 ? (
          <EmptyState title="No applied changes yet">
            Every change applied to a platform appears here after the nightly ledger job (05:41 UTC) records
            it, and is scored at each horizon once that many days of data have arrived. A change applied today
            shows tomorrow; see it now under{' '}
            <Link className="font-medium underline" to="/write-backs">
              Write-backs
            </Link>
            .
          </EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100">
            {list.data.items.map((e) => {
              const last = e.scores[e.scores.length - 1];
              return (
                <li key={e.id} className="flex flex-wrap items-start justify-between gap-3 px-5 py-3">
                  <div className="min-w-0">
                    <p className="text-sm font-medium">
                      <Link
                        className="underline decoration-slate-300 underline-offset-2 hover:text-brand-700 hover:decoration-brand-700"
                        to={`/ledger/${e.id}`}
                        aria-label={`Open ledger entry: ${humanize(e.kind)} on ${e.level.replace('_', ' ')} ${e.entityId}`}
                      >
                        {humanize(e.kind)}
                        {e.changePct !== null
                          ? ` ${e.changePct > 0 ? '+' : ''}${e.changePct.toFixed(1)}%`
                          : ''}
                      </Link>{' '}
                      on{' '}
                      {entityPath(e.level, e.entityId) ? (
                        <Link
                          className="text-brand-700 hover:underline"
                          to={entityPath(e.level, e.entityId) ?? '#'}
                        >
                          {e.entityName ?? e.level.replace('_', ' ')}
                        </Link>
                      ) : (
                        (e.entityName ?? e.level.replace('_', ' '))
                      )}
                      {e.reverted && <span className="ml-2 text-xs text-slate-400">(reverted)</span>}
                    </p>
                    <p className="text-xs text-slate-500">
                      by {e.source.type} · applied {date(e.appliedAt)}
                      {last
                        ? ` · ${last.reason}`
                        : e.pending[0]
                          ? ` · ${e.pending[0].horizonDays}-day score after ${date(e.pending[0].dueAfter)}`
                          : ''}
                    </p>
                  </div>
                  <div className="flex items-center gap-2">
                    {e.effectPct !== null && (
                      <span className="text-xs text-slate-500 tabular">
                        {e.effectPct > 0 ? '+' : ''}
                        {e.effectPct.toFixed(1)}% {last?.metric ? metricName(last.metric) : ''}
                      </span>
                    )}
                    <Badge tone={verdictTone[e.verdict] ?? 'gray'}>{e.verdict}</Badge>
                  </div>
                </li>
              );
            })}
          </ul>
        )}
        <PartialList page={list.data} narrow="Filter by verdict or source to see older entries." />
      </Card>
    </>
  );
}
