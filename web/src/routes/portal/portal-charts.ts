/** Chart options for the portal, painted in the agency's colours. */
import { axisStyle, type ChartOption } from '../../components/Chart.tsx';
import { money, moneyTicks } from '../../lib/format.ts';
import type { Branding, Row } from './portal-api.ts';

/** Daily spend (bars, accent colour) and conversion value (line, primary colour). */
export function dailyOption(rows: Row[], currency: string, b: Branding): ChartOption {
  const days = rows.map((r) => r.day ?? '');
  return {
    legend: {
      top: 0,
      left: 0,
      icon: 'roundRect',
      itemWidth: 10,
      itemHeight: 10,
      textStyle: { color: '#475569' },
    },
    tooltip: { trigger: 'axis', confine: true, valueFormatter: (v: number) => money(v, currency) },
    xAxis: {
      type: 'category',
      data: days,
      ...axisStyle,
      axisLabel: { ...axisStyle.axisLabel, formatter: (d: string) => d.slice(5) },
    },
    yAxis: {
      type: 'value',
      ...axisStyle,
      // One tick format for the axis, from the largest value drawn (no "$0.00" under "$7,000").
      axisLabel: {
        ...axisStyle.axisLabel,
        formatter: moneyTicks(
          Math.max(0, ...rows.flatMap((r) => [r.spendMicros, r.conversionValueMicros])),
          currency,
        ),
      },
    },
    series: [
      {
        name: 'Spend',
        type: 'bar',
        barMaxWidth: 16,
        itemStyle: { color: b.accentColor, borderRadius: [3, 3, 0, 0] },
        data: rows.map((r) => r.spendMicros),
      },
      {
        name: 'Conversion value',
        type: 'line',
        // Straight segments between the days: a smoothed curve bulges past the values it joins
        // (above a peak, below zero after a quiet day), which a client reads as data.
        smooth: false,
        symbol: 'none',
        lineStyle: { width: 2.5, color: b.primaryColor },
        itemStyle: { color: b.primaryColor },
        data: rows.map((r) => r.conversionValueMicros),
      },
    ],
  };
}
