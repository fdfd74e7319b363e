/**
 * Anomalies in words, from their structured fields (never the server's English reason): money in the
 * anomaly's currency, counts with separators, CTR as a percentage, and a headline naming the metric
 * that moved most among those the likely cause is about (a cost surge is about CPM and CPC, not the
 * impressions that happened to be the most surprising metric).
 */
import { humanize, money, pct } from './format.ts';
import type { Anomaly } from './types.ts';

type Reading = { actual: number; expected: number; score: number };

const labels: Record<string, string> = {
  spend: 'Spend',
  impressions: 'Impressions',
  clicks: 'Clicks',
  conversions: 'Conversions',
  ctr: 'CTR',
  cpc: 'CPC',
  cpm: 'CPM',
};
const moneyMetrics = new Set(['spend', 'cpc', 'cpm']);

/** The metrics each cause is about, in the order its rule weighs them. */
const causeMetrics: Record<string, string[]> = {
  tracking_break: ['conversions'],
  ctr_collapse: ['ctr'],
  cost_surge: ['cpm', 'cpc'],
  spend_spike: ['spend'],
};

export const metricLabel = (m: string) => labels[m] ?? humanize(m);

/** One value of a metric: money with the currency's symbol, CTR as a percentage, counts whole. */
export function metricValue(metric: string, v: number | null | undefined, currency: string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (moneyMetrics.has(metric)) return money(Math.round(v * 1_000_000), currency);
  if (metric === 'ctr') return pct(v, 2);
  // Counts, and what the detector expected of them, whole ("609", not "608.8").
  return Math.round(v).toLocaleString('en-US');
}

const change = (r: Reading) => (r.expected > 0 ? r.actual / r.expected - 1 : null);

/**
 * A move in whole percent, rounded once and the same way everywhere: toward zero, as the server's
 * severity reason does (so "+65%" in the headline, the detail and "move +65%" in the reason, and the
 * number shown stays inside the band the reason names: 29.6% is "+29%", under the 30% band edge).
 */
export function movePct(c: number): number {
  // The small epsilon absorbs the 1e-6 rounding of the stored values (0.65 read back as 0.6499999).
  return Math.trunc(c * 100 + (c >= 0 ? 1e-6 : -1e-6));
}
/** "+65%", "-40%": signed as the server's severity reason writes its move. */
const signed = (p: number) => `${p > 0 ? '+' : ''}${p}%`;

/** "CPC $2.74 vs $2.06 expected (+33%)". */
export function metricComparison(metric: string, r: Reading, currency: string): string {
  const c = change(r);
  const moved = c === null ? '' : ` (${signed(movePct(c))})`;
  return `${metricLabel(metric)} ${metricValue(metric, r.actual, currency)} vs ${metricValue(metric, r.expected, currency)} expected${moved}`;
}

/** The metric the headline names: the cause's metric that moved most, else the most surprising one. */
export function leadMetric(a: Anomaly): string {
  const about = (a.cause ? causeMetrics[a.cause] : undefined)?.filter((m) => a.metrics[m]) ?? [];
  if (about.length > 0)
    return about.reduce((best, m) =>
      Math.abs(change(a.metrics[m] as Reading) ?? 0) > Math.abs(change(a.metrics[best] as Reading) ?? 0)
        ? m
        : best,
    );
  if (a.metric !== 'all' && a.metrics[a.metric]) return a.metric;
  const flagged = a.flaggedMetrics.filter((m) => a.metrics[m]);
  const pool = flagged.length > 0 ? flagged : Object.keys(a.metrics);
  return pool.reduce((best, m) => ((a.metrics[m]?.score ?? 0) > (a.metrics[best]?.score ?? 0) ? m : best));
}

/** "CPC up 33%", "Conversions down 90%", or the metric's name when there is nothing to compare. */
export function anomalyHeadline(a: Anomaly): string {
  const m = leadMetric(a);
  const r = a.metrics[m];
  const c = r ? change(r) : null;
  if (c === null || movePct(c) === 0) return `${metricLabel(m)} off its expected range`;
  return `${metricLabel(m)} ${c > 0 ? 'up' : 'down'} ${Math.abs(movePct(c))}%`;
}

/**
 * The likely cause and the numbers behind it: "Cost surge: CPM $23.51 vs $17.81 expected (+32%) · …",
 * always with the metric that set the severity (the one the severity reason names), so a headline
 * about CPM next to a severity set by impressions shows the impressions too.
 */
export function anomalyDetail(a: Anomaly, currency: string): string {
  const about = (a.cause ? causeMetrics[a.cause] : undefined) ?? [];
  const severityBy = a.severityMetric ? [a.severityMetric] : [];
  const shown = [
    ...new Set([...about, ...(about.length ? [] : a.flaggedMetrics), leadMetric(a), ...severityBy]),
  ].filter((m) => a.metrics[m]);
  const numbers = shown.map((m) => metricComparison(m, a.metrics[m] as Reading, currency)).join(' · ');
  const cause = a.cause ? humanize(a.cause) : 'Outside the expected range';
  return numbers ? `${cause}: ${numbers}` : cause;
}
