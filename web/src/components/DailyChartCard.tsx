/** The last 90 days of spend and conversions of one client, campaign or ad, as a card with its chart. */
import { useMemo } from 'react';
import { dailyOption } from '../lib/charts.ts';
import { useMetrics } from '../lib/hooks.ts';
import { Chart } from './Chart.tsx';
import { Card, CardHeader, ErrorState, LoadingState } from './ui.tsx';

export function DailyChartCard({
  filter,
  label = 'Daily spend and conversions',
  className,
}: {
  /** Which entity: `{ clientId }`, `{ campaignId }` or `{ adId }`. */
  filter: { clientId: string } | { campaignId: string } | { adId: string };
  /** The chart's accessible name. */
  label?: string;
  className?: string;
}) {
  const daily = useMetrics({ ...filter, groupBy: 'day' }, 90);
  const cur = daily.data?.currency ?? 'USD';
  const option = useMemo(() => dailyOption(daily.data?.rows ?? [], cur), [daily.data, cur]);
  return (
    <Card className={className}>
      <CardHeader title="Daily spend and conversions" description="Last 90 days" />
      <div className="px-3 pt-3 pb-2">
        {daily.isPending ? (
          <LoadingState rows={6} />
        ) : daily.error ? (
          <ErrorState error={daily.error} onRetry={() => daily.refetch()} />
        ) : (
          <Chart option={option} label={label} />
        )}
      </div>
    </Card>
  );
}
