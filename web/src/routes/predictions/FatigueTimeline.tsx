/**
 * Ads at fatigue risk, ordered by the date their creative should be refreshed. The count in the
 * header is the server's `refreshSoon`: delivering ads fatigued now, or whose refresh date is
 * within 14 days; early warnings due later are listed but not counted, ads without impressions in the
 * last 7 days (paused, stopped) are left out. For an ad already fatigued the chance of an onset is
 * moot, so its cells say so instead of a percentage.
 */
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useNavigate } from 'react-router';
import { axisStyle, Chart } from '../../components/Chart.tsx';
import { DataTable } from '../../components/DataTable.tsx';
import { FatigueBadge } from '../../components/FatigueBadge.tsx';
import { Card, CardHeader, ErrorState, LoadingState } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { date, pct, platformName } from '../../lib/format.ts';
import type { Campaign, Fatigue, RefreshSoon } from '../../lib/types.ts';

const already = (f: Fatigue) => (
  <span className="text-xs text-slate-500" title={f.reason}>
    Already fatigued
  </span>
);

export function FatigueTimeline({ clientId }: { clientId: string }) {
  const navigate = useNavigate();
  const q = useQuery({
    queryKey: ['fatigue', { clientId }],
    queryFn: () =>
      api.get<{ asOf: string; refreshSoon: RefreshSoon; items: Fatigue[] }>('/api/v1/oracle/fatigue', {
        clientId: clientId || undefined,
      }),
  });
  // The campaign of each ad, under its name: two ads may share a name (the same creative in two
  // campaigns). The Recommendations card asks the same (same key, one request).
  const campaigns = useQuery({
    queryKey: ['campaigns', { clientId }],
    enabled: !!clientId,
    queryFn: () => api.getAll<Campaign>('/api/v1/campaigns', { clientId }),
  });
  const campaignName = new Map((campaigns.data?.items ?? []).map((c) => [c.id, c.name]));
  // Listed: the ads to refresh soon, and early warnings whose refresh date is further away.
  const atRisk = (q.data?.items ?? []).filter(
    (f) => f.refreshSoon || (f.delivering && f.class === 'early_warning'),
  );
  const soon = q.data?.refreshSoon;
  const later = atRisk.filter((f) => !f.refreshSoon).length;
  const option = useMemo(() => {
    const counts = new Map<string, { early: number; fatigued: number }>();
    for (const f of atRisk) {
      const d = f.refreshBy ?? f.asOf;
      const c = counts.get(d) ?? { early: 0, fatigued: 0 };
      if (f.fatiguedNow) c.fatigued++;
      else c.early++;
      counts.set(d, c);
    }
    const days = [...counts.keys()].sort();
    // A time axis: refresh dates are uneven (12-18, then 12-23), and their gaps are the point.
    const at = (d: string) => Date.parse(`${d}T00:00:00Z`);
    const dayMs = 86_400_000;
    return {
      legend: { top: 0, left: 0 },
      tooltip: { trigger: 'axis', confine: true },
      xAxis: {
        type: 'time',
        ...axisStyle,
        // Half a day either side, so the first and last bars are drawn whole.
        min: days.length ? at(days[0] as string) - dayMs : undefined,
        max: days.length ? at(days[days.length - 1] as string) + dayMs : undefined,
        minInterval: dayMs,
        axisLabel: {
          ...axisStyle.axisLabel,
          hideOverlap: true,
          formatter: (v: number) => new Date(v).toISOString().slice(5, 10),
        },
        splitLine: { show: false },
      },
      yAxis: { type: 'value', minInterval: 1, ...axisStyle },
      series: [
        {
          name: 'Fatigued now',
          type: 'bar',
          stack: 'a',
          barMaxWidth: 22,
          itemStyle: { color: '#f43f5e' },
          data: days.map((d) => [at(d), counts.get(d)?.fatigued ?? 0]),
        },
        {
          name: 'Not fatigued yet',
          type: 'bar',
          stack: 'a',
          barMaxWidth: 22,
          itemStyle: { color: '#f59e0b' },
          data: days.map((d) => [at(d), counts.get(d)?.early ?? 0]),
        },
      ],
    };
  }, [atRisk]);
  return (
    <Card>
      <CardHeader
        title="Creative fatigue"
        description={
          q.data && soon ? (
            <span data-testid="fatigue-summary">
              {soon.count} {soon.count === 1 ? 'ad' : 'ads'} to refresh by {date(soon.until)}:{' '}
              {soon.fatiguedNow} fatigued now, {soon.count - soon.fatiguedNow} with a refresh date within{' '}
              {soon.withinDays} days
              {later > 0 ? ` · ${later} more on early warning, due later` : ''}
              {soon.notDelivering > 0
                ? ` · ${soon.notDelivering} not delivering in the last 7 days, left out`
                : ''}{' '}
              · as of {date(q.data.asOf)}
            </span>
          ) : (
            'Refresh dates per ad'
          )
        }
      />
      {q.isPending ? (
        <LoadingState rows={5} />
      ) : q.error ? (
        <ErrorState error={q.error} />
      ) : (
        <>
          {atRisk.length > 0 && (
            <div className="px-3 pt-3">
              <Chart option={option} height={170} label="Ads to refresh per refresh date" />
            </div>
          )}
          <DataTable
            label="Ads at fatigue risk"
            rows={atRisk}
            rowKey={(f) => f.adId}
            onOpen={(f) => navigate(`/ads/${f.adId}`)}
            initialSort={{ key: 'refresh', dir: 'asc' }}
            empty="No creative is at fatigue risk"
            pageSize={8}
            columns={[
              {
                key: 'ad',
                header: 'Ad',
                sortValue: (f) => f.adName,
                // On a phone the name wraps (two lines at most) rather than pushing State off-screen.
                wrap: true,
                render: (f) => (
                  <div className="max-w-96">
                    <p className="font-medium max-sm:line-clamp-2 sm:truncate" title={f.adName}>
                      {f.adName}
                    </p>
                    <p
                      className="text-xs text-slate-500 max-sm:line-clamp-1 sm:truncate"
                      data-testid="fatigue-campaign"
                      title={campaignName.get(f.campaignId)}
                    >
                      {campaignName.has(f.campaignId) ? `${campaignName.get(f.campaignId)} · ` : ''}
                      {platformName(f.platform)}
                    </p>
                  </div>
                ),
              },
              {
                key: 'class',
                header: 'State',
                // A phone shows the refresh date here, its own column and the odds stepping aside.
                render: (f) => (
                  <div>
                    <FatigueBadge f={f} />
                    <p className="mt-0.5 text-xs text-slate-500 sm:hidden">by {date(f.refreshBy)}</p>
                  </div>
                ),
              },
              {
                key: 'p7',
                header: 'Starts within 7 days',
                headerTitle: "ORACLE's chance that fatigue sets in within 7 days, for an ad not fatigued yet",
                align: 'right',
                hideBelow: 'sm',
                // An ad fatigued already sorts above every chance.
                sortValue: (f) => (f.fatiguedNow ? 2 : f.p7),
                render: (f) => (f.fatiguedNow ? already(f) : pct(f.p7, 0)),
              },
              {
                key: 'p14',
                header: 'Within 14 days',
                headerTitle:
                  "ORACLE's chance that fatigue sets in within 14 days, for an ad not fatigued yet",
                align: 'right',
                hideBelow: 'sm',
                sortValue: (f) => (f.fatiguedNow ? 2 : f.p14),
                render: (f) =>
                  f.fatiguedNow ? <span className="text-xs text-slate-400">—</span> : pct(f.p14, 0),
              },
              {
                key: 'refresh',
                header: 'Refresh by',
                hideBelow: 'sm',
                sortValue: (f) => f.refreshBy,
                render: (f) => date(f.refreshBy),
              },
            ]}
          />
        </>
      )}
    </Card>
  );
}
