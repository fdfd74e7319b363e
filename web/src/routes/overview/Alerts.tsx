/** Alerts: anomalies, creative fatigue and budget pacing, each linking to where the cause is. */
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { Icon } from '../../components/icons.tsx';
import { Badge, Card, CardHeader, EmptyState, ErrorState, LoadingState } from '../../components/ui.tsx';
import { anomalyDetail, anomalyHeadline } from '../../lib/anomalies.ts';
import { api, type Page } from '../../lib/api.ts';
import { date, humanize, pct } from '../../lib/format.ts';
import { useClients } from '../../lib/hooks.ts';
import type { Anomaly, Fatigue, RefreshSoon } from '../../lib/types.ts';
import { isNoData } from '../predictions/NoData.tsx';

interface Churn {
  items: Array<{
    clientId: string;
    name: string;
    level: string;
    reasons: Array<{ factor: string; status: string; detail: string }>;
  }>;
}

interface Alert {
  key: string;
  kind: 'Anomaly' | 'Fatigue' | 'Pacing';
  tone: 'red' | 'amber';
  title: string;
  detail: string;
  to: string;
  when?: string;
}

/** Stored anomalies; a fresh install has none until the nightly job, so scan the clients once. */
export function useAnomalies(clientIds: string[]) {
  return useQuery({
    queryKey: ['anomalies', clientIds],
    enabled: clientIds.length > 0,
    queryFn: async () => {
      const newestFirst = (xs: Anomaly[]) => [...xs].sort((a, b) => b.date.localeCompare(a.date));
      // Stored anomalies come in storage order: the newest must lead the alerts whatever was stored first.
      const stored = await api.get<Page<Anomaly>>('/api/v1/oracle/anomalies', { limit: 50 });
      if (stored.items.length > 0) return newestFirst(stored.items);
      const scans = await Promise.all(
        clientIds.slice(0, 10).map((id) =>
          api
            .post<{ items: Anomaly[] }>('/api/v1/oracle/anomalies', {
              entityType: 'client',
              entityId: id,
            })
            // A client with nothing synced (422 no_data) has no anomalies: it must not hide the
            // other clients' anomalies behind an error.
            .catch((e: unknown) => {
              if (isNoData(e)) return { items: [] as Anomaly[] };
              throw e;
            }),
        ),
      );
      return newestFirst(scans.flatMap((s) => s.items));
    },
    staleTime: 5 * 60_000,
  });
}

const entityLink = (type: string, id: string | null) =>
  !id
    ? '/predictions'
    : type === 'client'
      ? `/clients/${id}`
      : type === 'campaign'
        ? `/campaigns/${id}`
        : type === 'ad'
          ? `/ads/${id}`
          : '/predictions';

export function Alerts() {
  const clients = useClients();
  const names = new Map((clients.data?.items ?? []).map((c) => [c.id, c.name]));
  const currencies = new Map((clients.data?.items ?? []).map((c) => [c.id, c.currency]));
  const anomalies = useAnomalies((clients.data?.items ?? []).map((c) => c.id));
  const fatigue = useQuery({
    queryKey: ['fatigue'],
    queryFn: () => api.get<{ items: Fatigue[]; refreshSoon: RefreshSoon }>('/api/v1/oracle/fatigue'),
    staleTime: 5 * 60_000,
  });
  const churn = useQuery({
    queryKey: ['churn'],
    queryFn: () => api.get<Churn>('/api/v1/oracle/churn'),
    staleTime: 5 * 60_000,
  });

  const alerts: Alert[] = [];
  for (const c of churn.data?.items ?? []) {
    const pacing = c.reasons.find((r) => r.factor === 'spend_pacing' && r.status === 'risk');
    if (pacing)
      alerts.push({
        key: `pace-${c.clientId}`,
        kind: 'Pacing',
        tone: c.level === 'high' ? 'red' : 'amber',
        title: c.name,
        detail: pacing.detail,
        to: `/clients/${c.clientId}`,
      });
  }
  for (const a of (anomalies.data ?? []).filter((x) => x.severity !== 'low').slice(0, 3)) {
    // Amounts in the anomaly's currency (stored with it), else its client's.
    const currency =
      (a as typeof a & { currency?: string | null }).currency ?? currencies.get(a.entityId ?? '') ?? 'USD';
    alerts.push({
      key: `anom-${a.id}`,
      kind: 'Anomaly',
      tone: a.severity === 'high' ? 'red' : 'amber',
      title: `${a.entityType === 'client' ? (names.get(a.entityId ?? '') ?? 'Client') : humanize(a.entityType)}: ${anomalyHeadline(a)}`,
      detail: anomalyDetail(a, currency),
      to: entityLink(a.entityType, a.entityId),
      when: a.date,
    });
  }
  const tired = (fatigue.data?.items ?? []).filter(
    (f) => f.class === 'fatigued' || f.class === 'early_warning',
  );
  for (const f of tired.slice(0, 2))
    alerts.push({
      key: `fat-${f.adId}`,
      kind: 'Fatigue',
      tone: f.class === 'fatigued' ? 'red' : 'amber',
      title: f.adName,
      // A fatigued ad's onset is past: say why it is fatigued rather than a chance of it starting.
      detail: `${f.fatiguedNow ? f.reason : `${pct(f.p7, 0)} chance fatigue starts within 7 days`}; refresh by ${date(f.refreshBy)}`,
      to: `/ads/${f.adId}`,
    });

  const soon = fatigue.data?.refreshSoon;
  const loading = clients.isPending || anomalies.isLoading || fatigue.isPending || churn.isPending;
  const error = clients.error ?? fatigue.error ?? churn.error ?? anomalies.error;
  return (
    <Card>
      <CardHeader
        title="Alerts"
        description="Anomalies, creative fatigue and budget pacing"
        actions={
          // The server's count, as Predictions and the campaign page show it: delivering ads fatigued
          // now or due for a refresh within its window.
          soon && soon.count > 0 ? (
            <Link
              to="/predictions"
              className="text-xs font-medium text-brand-700 hover:underline"
              title={`${soon.fatiguedNow} fatigued now; the rest due for a refresh within ${soon.withinDays} days`}
            >
              {soon.count} {soon.count === 1 ? 'ad' : 'ads'} to refresh →
            </Link>
          ) : undefined
        }
      />
      {loading ? (
        <LoadingState rows={5} />
      ) : error && alerts.length === 0 ? (
        <ErrorState error={error} />
      ) : alerts.length === 0 ? (
        <EmptyState title="All clear">
          No anomalies, fatigued creatives or pacing problems right now.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-slate-100" aria-label="Alerts">
          {alerts.map((a) => (
            <li key={a.key}>
              <Link to={a.to} className="flex items-start gap-3 px-5 py-3 hover:bg-slate-50">
                <span className={a.tone === 'red' ? 'mt-0.5 text-rose-500' : 'mt-0.5 text-amber-500'}>
                  <Icon name="alert" />
                </span>
                <span className="min-w-0 flex-1">
                  <span className="flex flex-wrap items-center gap-2">
                    <Badge tone={a.tone}>{a.kind}</Badge>
                    <span className="truncate text-sm font-medium text-slate-900" title={a.title}>
                      {a.title}
                    </span>
                  </span>
                  <span className="mt-0.5 block text-xs text-slate-500">
                    {a.when ? `${date(a.when)} · ` : ''}
                    {a.detail}
                  </span>
                </span>
                <Icon name="arrowRight" className="mt-1 size-4 shrink-0 text-slate-300" />
              </Link>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
