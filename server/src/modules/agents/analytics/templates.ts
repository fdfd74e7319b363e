/** Insights and the summary of the analytics agent, written from its numbers by templates. */
import { daysInclusive } from '../../analytics/periods.ts';
import { money, pct, ratio, signedPct } from '../agent-kit/period.ts';

export interface Insight {
  kind: 'kpi_change' | 'trend' | 'campaign' | 'anomaly' | 'forecast' | 'attribution';
  severity: 'info' | 'positive' | 'warning';
  text: string;
}

/**
 * A count for people: whole numbers without decimals and with thousands separators ("1,088"); a
 * fractional count (platforms credit conversions fractionally under data-driven attribution) keeps
 * one decimal ("1,088.5").
 */
export const count = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v)
    ? 'n/a'
    : v.toLocaleString('en-US', {
        minimumFractionDigits: 0,
        maximumFractionDigits: Number.isInteger(Math.round(v * 10) / 10) ? 0 : 1,
      });

type Delta = { previous: number | null; change: number | null; changeRatio: number | null };

/** Least-squares slope of y over 0..n-1, relative to the mean of y (per step); null under 3 points. */
export function relativeSlope(y: number[]): number | null {
  const n = y.length;
  if (n < 3) return null;
  const mx = (n - 1) / 2;
  const my = y.reduce((s, v) => s + v, 0) / n;
  if (my === 0) return null;
  let num = 0;
  let den = 0;
  y.forEach((v, x) => {
    num += (x - mx) * (v - my);
    den += (x - mx) ** 2;
  });
  return num / den / my;
}

/** Changes of more than 10% vs the previous period; for CPA a rise is bad, for the rest a fall. */
export function kpiInsights(deltas: Record<string, Delta> | null, currency: string): Insight[] {
  if (!deltas) return [];
  const watch: Array<[string, string, boolean, (v: number | null) => string]> = [
    ['spendMicros', 'Spend', true, (v) => money(v, currency)],
    ['conversions', 'Conversions', true, count],
    ['roas', 'ROAS', true, (v) => ratio(v)],
    ['cpaMicros', 'CPA', false, (v) => money(v, currency)],
  ];
  const out: Insight[] = [];
  for (const [key, label, upIsGood, fmt] of watch) {
    const d = deltas[key];
    if (!d || d.changeRatio === null || Math.abs(d.changeRatio) < 0.1) continue;
    const good = key === 'spendMicros' ? null : d.changeRatio > 0 === upIsGood;
    const now = d.previous !== null && d.change !== null ? d.previous + d.change : null;
    out.push({
      kind: 'kpi_change',
      severity: good === null ? 'info' : good ? 'positive' : 'warning',
      text: `${label} ${signedPct(d.changeRatio)} vs the previous period (${fmt(d.previous)} → ${fmt(now)}).`,
    });
  }
  return out;
}

export function trendInsight(
  weeks: Array<{ week: string; conversions: number; days: number; partial: boolean }>,
): Insight | null {
  // A week the period cuts has fewer days and so fewer conversions: the slope is over full weeks only.
  const full = weeks.filter((w) => !w.partial);
  const slope = relativeSlope(full.map((w) => w.conversions));
  if (slope === null || Math.abs(slope) < 0.05) return null;
  const cut = weeks.filter((w) => w.partial);
  return {
    kind: 'trend',
    severity: slope > 0 ? 'positive' : 'warning',
    text: `Conversions trend ${signedPct(slope)} per week over ${full.length} full weeks (${full[0]?.week} to ${full.at(-1)?.week})${
      cut.length
        ? `; partial weeks left out: ${cut.map((w) => `${w.week} (${w.days} day${w.days === 1 ? '' : 's'})`).join(', ')}`
        : ''
    }.`,
  };
}

/**
 * ORACLE's daily conversion forecast against the period's own daily rate (its conversions over its
 * days: the weeks of a trend may be partial, 5 calendar weeks for 28 days), when they differ by 15%.
 */
export function forecastInsight(
  forecast: { dailyMean: number | null; horizon: number },
  conversions: number,
  period: { from: string; to: string },
): Insight | null {
  if (forecast.dailyMean === null) return null;
  const actualDaily = conversions / daysInclusive(period.from, period.to);
  if (!(actualDaily > 0) || Math.abs(forecast.dailyMean / actualDaily - 1) < 0.15) return null;
  return {
    kind: 'forecast',
    severity: forecast.dailyMean > actualDaily ? 'positive' : 'warning',
    text: `ORACLE forecasts ${forecast.dailyMean.toFixed(1)} conversions a day for the next ${forecast.horizon} days, against about ${actualDaily.toFixed(1)} a day in this period (${count(conversions)} in ${daysInclusive(period.from, period.to)} days).`,
  };
}

export function campaignInsights(
  campaigns: Array<{
    name: string | null;
    spendMicros: number;
    roas: number | null;
    cpaMicros: number | null;
    conversions: number;
  }>,
  totalSpend: number,
  currency: string,
): Insight[] {
  const material = campaigns.filter((c) => totalSpend > 0 && c.spendMicros / totalSpend >= 0.05);
  const out: Insight[] = [];
  const byRoas = material
    .filter((c) => c.roas !== null)
    .sort((a, b) => (b.roas as number) - (a.roas as number));
  const best = byRoas[0];
  const worst = byRoas.at(-1);
  if (best && worst && best !== worst) {
    out.push({
      kind: 'campaign',
      severity: 'positive',
      text: `Best ROAS: ${best.name} at ${ratio(best.roas)} on ${pct(best.spendMicros / totalSpend)} of spend.`,
    });
    out.push({
      kind: 'campaign',
      severity: 'warning',
      text: `Weakest ROAS: ${worst.name} at ${ratio(worst.roas)} on ${pct(worst.spendMicros / totalSpend)} of spend.`,
    });
  }
  for (const c of material.filter((m) => m.conversions === 0 && m.spendMicros > 0))
    out.push({
      kind: 'campaign',
      severity: 'warning',
      text: `${c.name} spent ${money(c.spendMicros, currency)} without a conversion.`,
    });
  return out;
}

export function analyticsSummary(s: {
  period: { from: string; to: string };
  currency: string;
  spendMicros: number;
  conversions: number;
  roas: number | null;
  insights: Insight[];
  forecastConversions: number | null;
  attribution: { conversions: number; unattributed: number; top: string | null } | null;
}): string {
  const lines = [
    `${s.period.from} to ${s.period.to}: spend ${money(s.spendMicros, s.currency)}, ${count(s.conversions)} conversions, ROAS ${ratio(s.roas)}.`,
  ];
  const warnings = s.insights.filter((i) => i.severity === 'warning');
  if (warnings.length) lines.push(`Watch: ${warnings.map((w) => w.text).join(' ')}`);
  const positives = s.insights.filter((i) => i.severity === 'positive');
  if (positives.length) lines.push(`Going well: ${positives.map((w) => w.text).join(' ')}`);
  if (s.forecastConversions !== null)
    lines.push(
      `ORACLE expects ${count(Math.round(s.forecastConversions))} conversions over the next 30 days.`,
    );
  if (s.attribution)
    lines.push(
      s.attribution.conversions === 0
        ? 'No won deals in the CRM in this period to attribute.'
        : `${count(s.attribution.conversions)} won deals attributed through CRM click ids; ${pct(s.attribution.unattributed / s.attribution.conversions)} had no paid click before them${s.attribution.top ? `; most credit (linear) to ${s.attribution.top}` : ''}.`,
    );
  return lines.join(' ');
}
