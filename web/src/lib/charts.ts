/** Chart options built from API rows: one place for the house style of every time series. */
import { axisStyle, type ChartOption, palette } from '../components/Chart.tsx';
import { money, moneyTicks, platformName } from './format.ts';
import type { ForecastPoint, MetricsRow } from './types.ts';

/** A money axis whose ticks share one format, chosen from the largest value drawn on it. */
const moneyAxis = (currency: string, values: number[]) => ({
  type: 'value',
  ...axisStyle,
  axisLabel: {
    ...axisStyle.axisLabel,
    formatter: moneyTicks(
      values.reduce((m, v) => Math.max(m, Math.abs(v)), 0),
      currency,
    ),
  },
});

const dayAxis = (days: string[]) => ({
  type: 'category',
  data: days,
  boundaryGap: true,
  ...axisStyle,
  axisLabel: { ...axisStyle.axisLabel, formatter: (d: string) => d.slice(5) },
});

/** Spend per platform per day (stacked bars), revenue and ROAS as lines. */
export function spendRevenueOption(rows: MetricsRow[], currency: string): ChartOption {
  const days = [...new Set(rows.map((r) => r.day ?? ''))].sort();
  const platforms = [...new Set(rows.map((r) => r.platform ?? 'other'))].sort();
  const byDay = new Map<string, { spend: number; revenue: number }>();
  const cell = new Map<string, number>();
  for (const r of rows) {
    const d = r.day ?? '';
    const t = byDay.get(d) ?? { spend: 0, revenue: 0 };
    t.spend += r.spendMicros;
    t.revenue += r.conversionValueMicros;
    byDay.set(d, t);
    cell.set(`${d}|${r.platform ?? 'other'}`, r.spendMicros);
  }
  return {
    legend: {
      type: 'scroll',
      top: 0,
      left: 0,
      icon: 'roundRect',
      itemWidth: 10,
      itemHeight: 10,
      textStyle: { color: '#475569' },
    },
    tooltip: {
      trigger: 'axis',
      confine: true,
      valueFormatter: (v: number) =>
        v === undefined ? '—' : Math.abs(v) < 1000 ? `${v.toFixed(2)}×` : money(v, currency),
    },
    xAxis: dayAxis(days),
    yAxis: [
      // The axis carries the stacked spend bars and the revenue line: the larger of the two sets it.
      moneyAxis(currency, [...[...byDay.values()].flatMap((t) => [t.spend, t.revenue])]),
      {
        type: 'value',
        ...axisStyle,
        splitLine: { show: false },
        axisLabel: { ...axisStyle.axisLabel, formatter: '{value}×' },
      },
    ],
    series: [
      ...platforms.map((p, i) => ({
        name: `${platformName(p)} spend`,
        type: 'bar',
        stack: 'spend',
        barMaxWidth: 18,
        itemStyle: { color: palette[(i + 1) % palette.length], borderRadius: 0 },
        data: days.map((d) => cell.get(`${d}|${p}`) ?? 0),
      })),
      {
        name: 'Revenue',
        type: 'line',
        smooth: true,
        symbol: 'none',
        lineStyle: { width: 2, color: palette[0] },
        itemStyle: { color: palette[0] },
        data: days.map((d) => byDay.get(d)?.revenue ?? 0),
      },
      {
        name: 'ROAS',
        type: 'line',
        yAxisIndex: 1,
        smooth: true,
        symbol: 'none',
        lineStyle: { width: 1.5, type: 'dashed', color: '#0f172a' },
        itemStyle: { color: '#0f172a' },
        data: days.map((d) => {
          const t = byDay.get(d);
          return t && t.spend > 0 ? Number((t.revenue / t.spend).toFixed(2)) : null;
        }),
      },
    ],
  };
}

/** One entity's daily spend (bars) with conversions (line). */
export function dailyOption(rows: MetricsRow[], currency: string): ChartOption {
  const sorted = [...rows].sort((a, b) => (a.day ?? '').localeCompare(b.day ?? ''));
  const days = sorted.map((r) => r.day ?? '');
  return {
    legend: { type: 'scroll', top: 0, left: 0, icon: 'roundRect', itemWidth: 10, itemHeight: 10 },
    xAxis: dayAxis(days),
    yAxis: [
      moneyAxis(
        currency,
        sorted.map((r) => r.spendMicros),
      ),
      { type: 'value', ...axisStyle, splitLine: { show: false } },
    ],
    series: [
      {
        name: 'Spend',
        type: 'bar',
        barMaxWidth: 14,
        itemStyle: { color: '#c7d2fe' },
        data: sorted.map((r) => r.spendMicros),
        tooltip: { valueFormatter: (v: number) => money(v, currency) },
      },
      {
        name: 'Conversions',
        type: 'line',
        yAxisIndex: 1,
        smooth: false,
        step: 'middle',
        symbol: 'none',
        lineStyle: { width: 2, color: '#4f46e5' },
        itemStyle: { color: '#4f46e5' },
        data: sorted.map((r) => r.conversions),
      },
    ],
  };
}

/**
 * History and a forecast with its 80% and 95% bands (stacked areas between lo and hi). `format` writes
 * the tooltip's values; `ticks`, given the largest value drawn, the axis labels' one format (money:
 * `moneyTicks`), else `format`.
 */
export function forecastOption(
  history: Array<{ day: string; value: number }>,
  points: ForecastPoint[],
  format: (v: number) => string,
  ticks?: (max: number) => (v: number) => string,
): ChartOption {
  const days = [...history.map((h) => h.day), ...points.map((p) => p.date)];
  const pad = (arr: Array<number | null>, before: number) => [...Array(before).fill(null), ...arr];
  const n = history.length;
  const band = (
    lo: (p: ForecastPoint) => number,
    hi: (p: ForecastPoint) => number,
    name: string,
    color: string,
  ) => [
    {
      name: `${name} low`,
      type: 'line',
      stack: name,
      symbol: 'none',
      lineStyle: { opacity: 0 },
      data: pad(points.map(lo), n),
      tooltip: { show: false },
    },
    {
      name,
      type: 'line',
      stack: name,
      symbol: 'none',
      lineStyle: { opacity: 0 },
      areaStyle: { color, opacity: 1 },
      itemStyle: { color },
      data: pad(
        points.map((p) => hi(p) - lo(p)),
        n,
      ),
    },
  ];
  return {
    legend: { type: 'scroll', top: 0, left: 0, data: ['Actual', 'Forecast', '95% interval', '80% interval'] },
    tooltip: {
      trigger: 'axis',
      confine: true,
      valueFormatter: (v: number) => (v === undefined || v === null ? '—' : format(v)),
    },
    xAxis: dayAxis(days),
    yAxis: {
      type: 'value',
      ...axisStyle,
      axisLabel: {
        ...axisStyle.axisLabel,
        formatter: ticks
          ? ticks(
              Math.max(
                0,
                ...history.map((h) => Math.abs(h.value)),
                ...points.flatMap((p) => [Math.abs(p.hi95), Math.abs(p.lo95)]),
              ),
            )
          : (v: number) => format(v),
      },
    },
    series: [
      ...band(
        (p) => p.lo95,
        (p) => p.hi95,
        '95% interval',
        '#e0e7ff',
      ),
      ...band(
        (p) => p.lo80,
        (p) => p.hi80,
        '80% interval',
        '#c7d2fe',
      ),
      {
        name: 'Actual',
        type: 'line',
        symbol: 'none',
        lineStyle: { width: 1.5, color: '#334155' },
        itemStyle: { color: '#334155' },
        data: history.map((h) => h.value),
      },
      {
        name: 'Forecast',
        type: 'line',
        symbol: 'none',
        lineStyle: { width: 2, color: '#4f46e5', type: 'dashed' },
        itemStyle: { color: '#4f46e5' },
        data: pad(
          points.map((p) => p.mean),
          n,
        ),
      },
    ],
  };
}
