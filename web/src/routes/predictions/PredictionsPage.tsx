/** Predictions: forecasts with intervals, budget recommendations, fatigue, anomalies, scorecard. */

import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import {
  Badge,
  Card,
  CardHeader,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  Select,
} from '../../components/ui.tsx';
import { anomalyDetail, anomalyHeadline } from '../../lib/anomalies.ts';
import { api } from '../../lib/api.ts';
import { date, num, pct } from '../../lib/format.ts';
import { useClients, useMetrics } from '../../lib/hooks.ts';
import type { Anomaly, ModelDescription } from '../../lib/types.ts';
import { FatigueTimeline } from './FatigueTimeline.tsx';
import { ForecastCard } from './ForecastCard.tsx';
import { ModelName } from './ModelName.tsx';
import { NoSyncedData, PredictionError } from './NoData.tsx';
import { Recommendations } from './Recommendations.tsx';

interface Scorecard {
  scoredSteps: number;
  models: Array<{
    model: string;
    modelDescription: ModelDescription;
    metric: string;
    count: number;
    mase: number | null;
    snaiveMase: number | null;
    coverage80: number;
    coverage95: number;
    lostToSeasonalNaive: number;
  }>;
  replacements: Array<{
    entityType: string;
    entityId: string | null;
    metric: string;
    replacedModel: string;
    model: string;
    since: string;
  }>;
}

/** Anomalies listed before "Show all": the newest days. */
const ANOMALIES_SHOWN = 6;

function Anomalies({ clientId, currency }: { clientId: string; currency: string | undefined }) {
  // Scans this client now (stored, and answered with every flagged day).
  const q = useQuery({
    queryKey: ['anomalies', 'client', clientId],
    queryFn: () =>
      api.post<{ items: Anomaly[] }>('/api/v1/oracle/anomalies', {
        entityType: 'client',
        entityId: clientId,
      }),
    staleTime: 5 * 60_000,
  });
  const [showAll, setShowAll] = useState(false);
  const all = [...(q.data?.items ?? [])].sort((a, b) => b.date.localeCompare(a.date));
  const items = showAll ? all : all.slice(0, ANOMALIES_SHOWN);
  return (
    <Card>
      <CardHeader
        title="Anomalies"
        description="Days outside the expected seasonal range, with their likely cause"
        actions={
          all.length > ANOMALIES_SHOWN ? (
            <span className="text-xs text-slate-500 tabular" data-testid="anomaly-count">
              {showAll ? `All ${all.length}` : `Latest ${items.length} of ${all.length}`}
            </span>
          ) : undefined
        }
      />
      {q.isLoading ? (
        <LoadingState />
      ) : q.error ? (
        <PredictionError error={q.error} onRetry={() => q.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState title="No anomalies found" />
      ) : (
        <ul className="divide-y divide-slate-100" aria-label="Anomalies">
          {items.map((a) => (
            <li key={a.id} className="px-5 py-3 text-sm">
              <div className="flex flex-wrap items-center gap-2">
                <Badge tone={a.severity === 'high' ? 'red' : 'amber'} title={a.severityReason}>
                  {a.severity}
                </Badge>
                <span className="font-medium">{date(a.date)}</span>
                <span className="text-slate-700">{anomalyHeadline(a)}</span>
              </div>
              <p className="mt-1 text-xs text-slate-500">
                {/* Amounts in the anomaly's currency (stored with it), else the client's. */}
                {anomalyDetail(a, a.currency ?? currency ?? 'USD')}
              </p>
              {a.severityReason && (
                <p className="mt-0.5 text-xs text-slate-500" data-testid="severity-reason">
                  {a.severityReason}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
      {all.length > ANOMALIES_SHOWN && (
        <div className="border-t border-slate-100 px-5 py-2.5">
          <button
            type="button"
            className="text-xs font-medium text-brand-700 hover:underline"
            onClick={() => setShowAll((v) => !v)}
          >
            {showAll ? `Show the latest ${ANOMALIES_SHOWN}` : `Show all ${all.length} anomalies`}
          </button>
        </div>
      )}
    </Card>
  );
}

function ScorecardCard() {
  const q = useQuery({
    queryKey: ['scorecard'],
    queryFn: () => api.get<Scorecard>('/api/v1/oracle/scorecard'),
  });
  return (
    <Card>
      <CardHeader
        title="Forecast scorecard"
        description={
          q.data
            ? `Each stored forecast scored on its first ${q.data.scoredSteps} days against what happened`
            : 'Accuracy of past forecasts'
        }
      />
      {q.isPending ? (
        <LoadingState />
      ) : q.error ? (
        <ErrorState error={q.error} />
      ) : q.data.models.length === 0 ? (
        <EmptyState title="Nothing scored yet">
          Forecasts are scored once the days they predicted have happened; the nightly job stores them.
        </EmptyState>
      ) : (
        <div className="overflow-x-auto">
          <table className="min-w-full text-sm" aria-label="Forecast scorecard">
            <thead className="bg-slate-50/80 text-xs text-slate-500">
              <tr>
                {[
                  'Model',
                  'Metric',
                  'Forecasts',
                  'MASE',
                  'Seasonal naive',
                  '80% coverage',
                  '95% coverage',
                ].map((h, i) => (
                  <th
                    key={h}
                    scope="col"
                    className={`px-4 py-2.5 font-medium ${i > 1 ? 'text-right' : 'text-left'}`}
                  >
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 tabular">
              {q.data.models.map((m) => (
                <tr key={`${m.model}-${m.metric}`}>
                  <td className="max-w-72 min-w-40 px-4 py-2.5 font-medium">
                    <ModelName name={m.model} description={m.modelDescription} />
                  </td>
                  <td className="px-4 py-2.5">{m.metric}</td>
                  <td className="px-4 py-2.5 text-right">{m.count}</td>
                  <td className="px-4 py-2.5 text-right">
                    <span
                      className={
                        m.mase !== null && m.snaiveMase !== null && m.mase > m.snaiveMase
                          ? 'text-rose-600'
                          : 'text-emerald-700'
                      }
                    >
                      {num(m.mase, 3)}
                    </span>
                  </td>
                  <td className="px-4 py-2.5 text-right">{num(m.snaiveMase, 3)}</td>
                  <td className="px-4 py-2.5 text-right">{pct(m.coverage80, 0)}</td>
                  <td className="px-4 py-2.5 text-right">{pct(m.coverage95, 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

/** Clients as people look for them: by name, in the reader's language's order (Ångström with the A's). */
const byName = <T extends { name: string }>(xs: readonly T[]) => {
  const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
  return [...xs].sort((a, b) => collator.compare(a.name, b.name));
};

export function PredictionsPage() {
  const [params, setParams] = useSearchParams();
  const clients = useClients();
  const clientId = params.get('clientId') ?? '';
  // Which clients have synced daily metrics (one grouped read over the last year): the page opens on
  // the newest of those, not on a client just created with nothing to predict from.
  const synced = useMetrics({ groupBy: 'client' }, 365);
  const withData = new Set((synced.data?.rows ?? []).map((r) => r.clientId ?? ''));
  const known = synced.data !== undefined || synced.error !== null;
  const items = clients.data?.items ?? [];
  const first = known ? (items.find((c) => withData.has(c.id)) ?? items[0])?.id : undefined;
  // Budgets are allocated one client at a time (their accounts may spend in different currencies).
  useEffect(() => {
    if (!clientId && first) setParams({ clientId: first }, { replace: true });
  }, [clientId, first, setParams]);
  const client = items.find((c) => c.id === clientId);
  // One empty state instead of a card each, when the probe can tell. It cannot when rows were left
  // out for a missing exchange rate (ORACLE reads a client in its own currency and may still have
  // data): then the cards ask, and each shows the server's 422 no_data as the same empty state.
  const probeComplete = (synced.data?.warnings ?? []).every((w) => w.code !== 'fx_rate_missing');
  const nothingSynced =
    synced.data !== undefined && probeComplete && clientId !== '' && !withData.has(clientId);

  return (
    <>
      <PageHeader
        title="Predictions"
        description="ORACLE forecasts, budget allocation, creative fatigue and anomalies"
        actions={
          <Select
            aria-label="Client"
            value={clientId}
            onChange={(e) => setParams({ clientId: e.target.value })}
            className="w-auto"
          >
            {byName(items).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </Select>
        }
      />
      {clients.error && <ErrorState error={clients.error} />}
      {clients.data && clients.data.items.length === 0 && (
        <Card>
          <EmptyState title="No clients yet">
            Predictions need synced data.{' '}
            <Link className="text-brand-700 underline" to="/connections">
              Connect a platform
            </Link>
            .
          </EmptyState>
        </Card>
      )}
      {clientId && !known && (
        <Card>
          <LoadingState rows={4} />
        </Card>
      )}
      {clientId && nothingSynced && (
        <div className="space-y-6">
          <Card>
            <NoSyncedData name={client?.name} />
          </Card>
          <ScorecardCard />
        </div>
      )}
      {clientId && known && !nothingSynced && (
        <div className="space-y-6">
          <div className="grid grid-cols-1 gap-6 xl:grid-cols-2">
            <ForecastCard clientId={clientId} />
            <Anomalies
              clientId={clientId}
              currency={clients.data?.items.find((c) => c.id === clientId)?.currency}
            />
          </div>
          <Recommendations clientId={clientId} />
          <FatigueTimeline clientId={clientId} />
          <ScorecardCard />
        </div>
      )}
    </>
  );
}
