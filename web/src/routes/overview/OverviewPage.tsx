/** Overview: KPIs with period-over-period change, spend/revenue/ROAS by platform, alerts. */
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Chart } from '../../components/Chart.tsx';
import { ExportCsv } from '../../components/ExportCsv.tsx';
import { KpiTiles } from '../../components/MetricTiles.tsx';
import { type Period, PeriodPicker } from '../../components/PeriodPicker.tsx';
import { Card, CardHeader, ErrorState, LoadingState, Notice, PageHeader } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { useAuth } from '../../lib/auth.tsx';
import { spendRevenueOption } from '../../lib/charts.ts';
import { addDays, date, money, num, pct, platformName, ratio } from '../../lib/format.ts';
import { useLastDay } from '../../lib/hooks.ts';
import type { Metrics } from '../../lib/types.ts';
import { Alerts } from './Alerts.tsx';

export function OverviewPage() {
  const { me } = useAuth();
  const [period, setPeriod] = useState<Period>(30);
  const last = useLastDay();
  const from = last ? addDays(last, -(period - 1)) : undefined;

  const totals = useQuery({
    queryKey: ['metrics', 'totals', from, last],
    enabled: !!last,
    queryFn: () =>
      api.get<Metrics>('/api/v1/analytics/metrics', { from, to: last, compare: 'previous_period' }),
  });
  const series = useQuery({
    queryKey: ['metrics', 'day-platform', from, last],
    enabled: !!last,
    queryFn: () =>
      api.get<Metrics>('/api/v1/analytics/metrics', { from, to: last, groupBy: 'day,platform', limit: 5000 }),
  });
  const byPlatform = useQuery({
    queryKey: ['metrics', 'platform', from, last],
    enabled: !!last,
    queryFn: () =>
      api.get<Metrics>('/api/v1/analytics/metrics', {
        from,
        to: last,
        groupBy: 'platform',
        sort: '-spendMicros',
      }),
  });

  const cur =
    totals.data?.currency ??
    me?.organizations.find((o) => o.id === me.organizationId)?.reportingCurrency ??
    'USD';
  const option = useMemo(() => spendRevenueOption(series.data?.rows ?? [], cur), [series.data, cur]);
  const loading = !last || totals.isPending;

  return (
    <>
      <PageHeader
        title="Overview"
        description={
          last && from
            ? `${date(from)} – ${date(last)} · all clients · ${cur} · changes vs the previous ${period} days`
            : 'All clients'
        }
        actions={<PeriodPicker value={period} onChange={setPeriod} />}
      />
      {totals.error ? (
        <ErrorState error={totals.error} onRetry={() => totals.refetch()} />
      ) : (
        <div
          className="grid grid-cols-2 gap-3 sm:gap-4 lg:grid-cols-6"
          data-testid="kpis"
          title="Change against the same number of days just before"
        >
          <KpiTiles data={totals.data} currency={cur} loading={loading} withCpa />
        </div>
      )}
      {totals.data?.warnings.map((w) => (
        <div key={w.code} className="mt-4">
          <Notice tone="amber">{w.message}</Notice>
        </div>
      ))}

      <div className="mt-6 grid grid-cols-1 items-start gap-6 xl:grid-cols-3">
        <Card className="xl:col-span-2">
          <CardHeader
            title="Spend, revenue and ROAS"
            description="Daily, stacked by platform"
            actions={
              <ExportCsv
                size="sm"
                from={from}
                to={last}
                params={{ groupBy: 'day,platform' }}
                name={['daily', 'all-clients']}
              />
            }
          />
          <div className="px-3 pt-3 pb-2">
            {series.isPending || !last ? (
              <LoadingState rows={6} />
            ) : series.error ? (
              <ErrorState error={series.error} onRetry={() => series.refetch()} />
            ) : (
              <Chart option={option} height={420} label="Daily spend by platform with revenue and ROAS" />
            )}
          </div>
        </Card>
        <Alerts />
      </div>

      <Card className="mt-6">
        <CardHeader title="By platform" description="Same period" />
        {byPlatform.isPending || !last ? (
          <LoadingState />
        ) : byPlatform.error ? (
          <ErrorState error={byPlatform.error} />
        ) : (
          <div className="overflow-x-auto">
            <table className="min-w-full text-sm" aria-label="Performance by platform">
              <thead className="bg-slate-50/80 text-xs text-slate-500">
                <tr>
                  {['Platform', 'Spend', 'Revenue', 'ROAS', 'Conversions', 'CPA', 'CTR'].map((h, i) => (
                    <th
                      key={h}
                      scope="col"
                      className={
                        i ? 'px-4 py-2.5 text-right font-medium' : 'px-4 py-2.5 text-left font-medium'
                      }
                    >
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 tabular">
                {byPlatform.data.rows.map((r) => (
                  <tr key={r.platform ?? 'x'}>
                    <td className="px-4 py-2.5 font-medium">{platformName(r.platform)}</td>
                    <td className="px-4 py-2.5 text-right">{money(r.spendMicros, cur)}</td>
                    <td className="px-4 py-2.5 text-right">{money(r.conversionValueMicros, cur)}</td>
                    <td className="px-4 py-2.5 text-right">{ratio(r.roas)}</td>
                    <td className="px-4 py-2.5 text-right">{num(r.conversions)}</td>
                    <td className="px-4 py-2.5 text-right">{money(r.cpaMicros, cur)}</td>
                    <td className="px-4 py-2.5 text-right">{pct(r.ctr, 2)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </>
  );
}
