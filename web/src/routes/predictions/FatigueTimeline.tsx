/** Ads at fatigue risk, ordered by the date their creative should be refreshed. */
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useNavigate } from 'react-router';
import { axisStyle, Chart } from '../../components/Chart.tsx';
import { DataTable } from '../../components/DataTable.tsx';
import { FatigueBadge } from '../../components/FatigueBadge.tsx';
import { Card, CardHeader, ErrorState, LoadingState } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { date, pct, platformName } from '../../lib/format.ts';
import type { Fatigue } from '../../lib/types.ts';

export function FatigueTimeline({ clientId }: { clientId: string }) {
  const navigate = useNavigate();
  const q = useQuery({
    queryKey: ['fatigue', { clientId }],
    queryFn: () =>
      api.get<{ asOf: string; items: Fatigue[] }>('/api/v1/oracle/fatigue', {
        clientId: clientId || undefined,
      }),
  });
  const atRisk = (q.data?.items ?? []).filter((f) => f.class === 'fatigued' || f.class === 'early_warning');
  const option = useMemo(() => {
    const counts = new Map<string, { early: number; fatigued: number }>();
    for (const f of atRisk) {
      const d = f.refreshBy ?? f.asOf;
      const c = counts.get(d) ?? { early: 0, fatigued: 0 };
      if (f.class === 'fatigued') c.fatigued++;
      else c.early++;
      counts.set(d, c);
    }
    const days = [...counts.keys()].sort();
    return {
      legend: { top: 0, left: 0 },
      xAxis: { type: 'category', data: days.map((d) => d.slice(5)), ...axisStyle },
      yAxis: { type: 'value', minInterval: 1, ...axisStyle },
      series: [
        {
          name: 'Fatigued',
          type: 'bar',
          stack: 'a',
          barMaxWidth: 22,
          itemStyle: { color: '#f43f5e' },
          data: days.map((d) => counts.get(d)?.fatigued ?? 0),
        },
        {
          name: 'Early warning',
          type: 'bar',
          stack: 'a',
          barMaxWidth: 22,
          itemStyle: { color: '#f59e0b' },
          data: days.map((d) => counts.get(d)?.early ?? 0),
        },
      ],
    };
  }, [atRisk]);
  return (
    <Card>
      <CardHeader
        title="Creative fatigue"
        description={
          q.data ? `${atRisk.length} ads to refresh · as of ${date(q.data.asOf)}` : 'Refresh dates per ad'
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
                    <p className="text-xs text-slate-500">{platformName(f.platform)}</p>
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
                header: '7 days',
                align: 'right',
                hideBelow: 'sm',
                sortValue: (f) => f.p7,
                render: (f) => pct(f.p7, 0),
              },
              {
                key: 'p14',
                header: '14 days',
                align: 'right',
                hideBelow: 'sm',
                sortValue: (f) => f.p14,
                render: (f) => pct(f.p14, 0),
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
