/** A forecast with 80% and 95% intervals after the last 60 days of actuals. */
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Chart } from '../../components/Chart.tsx';
import { Card, CardHeader, LoadingState, Select } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { forecastOption } from '../../lib/charts.ts';
import { money, moneyTicks, num, ratio } from '../../lib/format.ts';
import { useMetrics } from '../../lib/hooks.ts';
import type { Forecast, MetricsRow } from '../../lib/types.ts';
import { ModelName } from './ModelName.tsx';
import { PredictionError } from './NoData.tsx';

const metrics = {
  spend: { label: 'Spend', pick: (r: MetricsRow) => r.spendMicros },
  revenue: { label: 'Revenue', pick: (r: MetricsRow) => r.conversionValueMicros },
  conversions: { label: 'Conversions', pick: (r: MetricsRow) => r.conversions },
  roas: { label: 'ROAS', pick: (r: MetricsRow) => r.roas ?? 0 },
} as const;
type Metric = keyof typeof metrics;

export function ForecastCard({ clientId }: { clientId: string }) {
  const [metric, setMetric] = useState<Metric>('spend');
  const scope = clientId ? { entityType: 'client', entityId: clientId } : { entityType: 'organization' };
  const forecast = useQuery({
    queryKey: ['forecast', clientId, metric],
    queryFn: () => api.post<Forecast>('/api/v1/oracle/forecasts', { ...scope, metric, horizon: 30 }),
    staleTime: 10 * 60_000,
  });
  const history = useMetrics({ groupBy: 'day', clientId: clientId || undefined }, 60);
  const cur = forecast.data?.explanation.currency ?? history.data?.currency ?? 'USD';
  const fmt = useMemo(
    () => (v: number) =>
      metric === 'roas' ? ratio(v) : metric === 'conversions' ? num(v) : money(v, cur, true),
    [metric, cur],
  );
  const option = useMemo(() => {
    const rows = [...(history.data?.rows ?? [])].sort((a, b) => (a.day ?? '').localeCompare(b.day ?? ''));
    return forecastOption(
      rows.map((r) => ({ day: r.day ?? '', value: metrics[metric].pick(r) })),
      forecast.data?.points ?? [],
      fmt,
      // Money axes: one tick format for the axis ("€0", "€900", "€1,800"), not cents on some ticks.
      metric === 'roas' || metric === 'conversions' ? undefined : (max) => moneyTicks(max, cur),
    );
  }, [history.data, forecast.data, metric, fmt, cur]);
  const f = forecast.data;
  const total = f?.points.reduce((s, p) => s + p.mean, 0);
  return (
    <Card>
      <CardHeader
        title="Forecast, next 30 days"
        description={
          f ? (
            <>
              <ModelName name={f.model} description={f.modelDescription} /> — chosen by rolling-origin
              backtest (tested on past weeks)
              {metric !== 'roas' && total !== undefined ? ` · expected total ${fmt(total)}` : ''}
            </>
          ) : (
            'With 80% and 95% intervals'
          )
        }
        actions={
          <Select
            aria-label="Forecast metric"
            value={metric}
            onChange={(e) => setMetric(e.target.value as Metric)}
            className="w-auto py-1.5 text-xs"
          >
            {Object.entries(metrics).map(([k, m]) => (
              <option key={k} value={k}>
                {m.label}
              </option>
            ))}
          </Select>
        }
      />
      <div className="px-3 pt-3 pb-2">
        {forecast.isPending || history.isPending ? (
          <LoadingState rows={6} label="Forecasting…" />
        ) : forecast.error ? (
          <PredictionError error={forecast.error} onRetry={() => forecast.refetch()} />
        ) : (
          <Chart option={option} height={300} label={`${metrics[metric].label} forecast with intervals`} />
        )}
      </div>
    </Card>
  );
}
