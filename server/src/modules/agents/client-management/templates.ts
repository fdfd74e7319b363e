/** Recommendations, the communication plan, the monthly report in markdown and the summary, from templates. */
import { coverageNote, type MonthCoverage } from '../../analytics/month-coverage.ts';
import { addDays } from '../../analytics/periods.ts';
import { money, pct, ratio, signedPct } from '../agent-kit/period.ts';
import type { HealthComponent } from './health.ts';

export interface Upsell {
  campaignId: string;
  name: string;
  platform: string;
  /** The campaign's (ad account's) currency: budget, spend and suggestion are micros of it. */
  currency: string;
  dailyBudgetMicros: number;
  avgDailySpendMicros: number;
  utilisation: number;
  marginalRoas: number | null;
  roas28: number | null;
  suggestedDailyBudgetMicros: number;
  reason: string;
}

export function recommendations(
  components: HealthComponent[],
  upsells: Upsell[],
  churnReasons: Array<{ detail: string }>,
): string[] {
  const out: string[] = [];
  for (const c of components) {
    if (c.score === null || c.score >= 70) continue;
    if (c.component === 'roas')
      out.push(
        `Recover ROAS (${c.detail}): shift budget from the weakest campaigns and refresh fatigued creatives.`,
      );
    if (c.component === 'roas_trend')
      out.push(`Investigate the ROAS decline (${c.detail}) before it shows in the monthly report.`);
    if (c.component === 'pacing')
      out.push(`Fix budget pacing (${c.detail}): align daily budgets with the monthly plan.`);
    if (c.component === 'anomalies')
      out.push(`Review the anomalous days (${c.detail}) and explain them to the client.`);
    if (c.component === 'churn')
      out.push(`Address churn risk: ${churnReasons.map((r) => r.detail).join('; ') || c.detail}.`);
  }
  for (const u of upsells.slice(0, 3))
    out.push(
      `Propose raising ${u.name}'s daily budget to ${money(u.suggestedDailyBudgetMicros, u.currency)}: ${u.reason}.`,
    );
  if (!out.length) out.push('Keep the current plan: every health component is in range.');
  return out;
}

export interface Touch {
  date: string;
  channel: 'call' | 'email' | 'report' | 'meeting';
  topic: string;
}

export function communicationPlan(
  level: 'healthy' | 'watch' | 'at_risk' | null,
  today: string,
  topics: string[],
  upsells: Upsell[],
): { cadence: string; touches: Touch[] } {
  const first = topics[0] ?? 'performance review';
  if (level === 'at_risk')
    return {
      cadence: 'weekly call until the health score is back above 70',
      touches: [
        { date: addDays(today, 1), channel: 'call', topic: `Account review: ${first}` },
        { date: addDays(today, 3), channel: 'email', topic: 'Written recovery plan with the changes agreed' },
        { date: addDays(today, 8), channel: 'call', topic: 'Weekly check-in on the recovery plan' },
        { date: addDays(today, 15), channel: 'call', topic: 'Weekly check-in on the recovery plan' },
      ],
    };
  if (level === 'watch')
    return {
      cadence: 'call every two weeks',
      touches: [
        { date: addDays(today, 2), channel: 'email', topic: `Performance note: ${first}` },
        { date: addDays(today, 14), channel: 'call', topic: 'Bi-weekly review' },
        { date: addDays(today, 28), channel: 'report', topic: 'Monthly report' },
      ],
    };
  return {
    cadence: 'monthly report, quarterly business review',
    touches: [
      { date: addDays(today, 7), channel: 'report', topic: 'Monthly report' },
      ...(upsells.length
        ? [
            {
              date: addDays(today, 10),
              channel: 'meeting' as const,
              topic: `Growth opportunity: more budget for ${upsells
                .map((u) => u.name)
                .slice(0, 2)
                .join(' and ')}`,
            },
          ]
        : []),
      { date: addDays(today, 90), channel: 'meeting', topic: 'Quarterly business review' },
    ],
  };
}

interface MonthKpis {
  spendMicros: number;
  conversions: number;
  revenueMicros: number;
  roas: number | null;
  cpaMicros: number | null;
  ctr: number | null;
}

const changeOf = (a: number | null | undefined, b: number | null | undefined) =>
  a === null || a === undefined || b === null || b === undefined || b === 0 ? 'n/a' : signedPct(a / b - 1);

export function reportMarkdown(r: {
  clientName: string;
  month: string;
  previousMonth: string;
  currency: string;
  current: MonthKpis | null;
  previous: MonthKpis | null;
  coverage: { current: MonthCoverage; previous: MonthCoverage };
  comparable: boolean;
  topCampaigns: Array<{
    name: string | null;
    platform: string | null;
    spendMicros: number;
    revenueMicros: number;
    conversions: number;
    roas: number | null;
  }>;
  healthScore: number | null;
  recommendations: string[];
}): string {
  const c = r.current;
  const p = r.previous;
  // A month with data for only part of its days is not compared as if it were complete.
  const change = (a: number | null | undefined, b: number | null | undefined) =>
    r.comparable ? changeOf(a, b) : 'n/a';
  const notes = [
    r.coverage.current.partial ? coverageNote('month', r.coverage.current) : null,
    r.coverage.previous.partial ? coverageNote('previous month', r.coverage.previous) : null,
  ].filter((n): n is string => n !== null);
  const row = (label: string, a: string, b: string, d: string) => `| ${label} | ${a} | ${b} | ${d} |`;
  const lines = [
    `# ${r.clientName}: monthly report ${r.month}`,
    '',
    c ? `Health score: ${r.healthScore ?? 'n/a'}/100.` : `No advertising data for ${r.month}.`,
    '',
    '## KPIs',
    '',
    ...(notes.length ? [`Not compared: ${notes.join('; ')}. The change column is n/a.`, ''] : []),
    `| metric | ${r.month} | ${r.previousMonth} | change |`,
    '| --- | --- | --- | --- |',
    row(
      'Spend',
      money(c?.spendMicros, r.currency),
      money(p?.spendMicros, r.currency),
      change(c?.spendMicros, p?.spendMicros),
    ),
    row(
      'Conversions',
      ratio(c?.conversions, 1),
      ratio(p?.conversions, 1),
      change(c?.conversions, p?.conversions),
    ),
    row(
      'Revenue',
      money(c?.revenueMicros, r.currency),
      money(p?.revenueMicros, r.currency),
      change(c?.revenueMicros, p?.revenueMicros),
    ),
    row('ROAS', ratio(c?.roas), ratio(p?.roas), change(c?.roas, p?.roas)),
    row(
      'CPA',
      money(c?.cpaMicros, r.currency),
      money(p?.cpaMicros, r.currency),
      change(c?.cpaMicros, p?.cpaMicros),
    ),
    row('CTR', pct(c?.ctr, 2), pct(p?.ctr, 2), change(c?.ctr, p?.ctr)),
    '',
    '## Top campaigns',
    '',
    '| campaign | platform | spend | revenue | conversions | ROAS |',
    '| --- | --- | --- | --- | --- | --- |',
    ...r.topCampaigns.map(
      (t) =>
        `| ${t.name ?? 'n/a'} | ${t.platform ?? ''} | ${money(t.spendMicros, r.currency)} | ${money(t.revenueMicros, r.currency)} | ${ratio(t.conversions, 1)} | ${ratio(t.roas)} |`,
    ),
    '',
    '## Recommendations',
    '',
    ...r.recommendations.map((x) => `- ${x}`),
    '',
  ];
  return lines.join('\n');
}

export function clientSummary(s: {
  name: string;
  score: number | null;
  level: string | null;
  churnLevel: string | null;
  upsells: number;
  weakest: HealthComponent | null;
}): string {
  if (s.score === null) return `${s.name}: no health score (no spend, ROAS or budget data yet).`;
  return [
    `${s.name}: health ${s.score}/100 (${s.level?.replace('_', ' ')}), churn risk ${s.churnLevel ?? 'n/a'}.`,
    s.weakest && s.weakest.score !== null && s.weakest.score < 70
      ? `Weakest: ${s.weakest.component.replace('_', ' ')} — ${s.weakest.detail}.`
      : '',
    s.upsells ? `${s.upsells} budget-limited campaign${s.upsells === 1 ? '' : 's'} with room to grow.` : '',
  ]
    .filter(Boolean)
    .join(' ');
}
