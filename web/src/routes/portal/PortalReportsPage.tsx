/**
 * The monthly report, made to be printed or saved as PDF: highlights in plain words, the month
 * against the previous one, platforms, top campaigns and the daily chart. Navigation hides in print.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Chart } from '../../components/Chart.tsx';
import {
  Card,
  CardHeader,
  EmptyState,
  ErrorState,
  LoadingState,
  Notice,
  Select,
} from '../../components/ui.tsx';
import { money, num, platformName, ratio, signedPct } from '../../lib/format.ts';
import { usePortalMe } from './PortalShell.tsx';
import { type MonthCoverage, portalGet, type Report, type Totals } from './portal-api.ts';

/** "has data for 3 of 30 days (2026-09-28 to 2026-09-30)". */
const coverageText = (m: MonthCoverage) =>
  `has data for ${m.daysWithData} of ${m.days} days (${m.firstDay} to ${m.lastDay})`;

import { dailyOption } from './portal-charts.ts';

const monthName = (m: string) =>
  new Date(`${m}-01T00:00:00Z`).toLocaleDateString('en-US', {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });

/** "Oct 2026": the column headings of the comparison, short enough for a phone. */
const shortMonth = (m: string) =>
  new Date(`${m}-01T00:00:00Z`).toLocaleDateString('en-US', {
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });

/** Table cells: less padding on a phone, so four columns fit 390 px without scrolling. */
const cell = 'px-3 py-2 sm:px-5';

/**
 * Counts in full with separators ("1,998,287"): the comparison must show a 1% change, which the
 * compact "2M" of the dashboard's tiles hides.
 */
const full = (v: number | null) =>
  v === null || !Number.isFinite(v) ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: 1 });

const rows: Array<{ key: keyof Totals; label: string; fmt: (v: number | null, c: string) => string }> = [
  { key: 'spendMicros', label: 'Ad spend', fmt: (v, c) => money(v, c) },
  { key: 'impressions', label: 'Impressions', fmt: full },
  { key: 'clicks', label: 'Clicks', fmt: full },
  { key: 'conversions', label: 'Conversions', fmt: full },
  { key: 'cpaMicros', label: 'Cost per conversion', fmt: (v, c) => money(v, c) },
  { key: 'conversionValueMicros', label: 'Conversion value', fmt: (v, c) => money(v, c) },
  { key: 'roas', label: 'Return on ad spend', fmt: (v) => ratio(v) },
];

export function PortalReportsPage() {
  const me = usePortalMe();
  const [month, setMonth] = useState<string | undefined>(undefined);
  const q = useQuery({
    queryKey: ['portal', 'report', month ?? 'latest'],
    queryFn: () => portalGet<Report>('/reports', { month }),
  });
  if (q.error)
    return (
      <Card>
        <ErrorState error={q.error} onRetry={() => q.refetch()} />
      </Card>
    );
  if (q.isLoading || !q.data)
    return (
      <Card>
        <LoadingState label="Preparing the report…" rows={8} />
      </Card>
    );
  const { report: r, months } = q.data;
  const c = r.currency;
  const empty = r.totals.spendMicros === 0 && r.totals.impressions === 0;
  return (
    <article className="space-y-5 print:space-y-3" data-testid="portal-report">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold tracking-tight sm:text-2xl">
            Monthly report · {monthName(r.month)}
          </h1>
          <p className="mt-1 text-sm text-slate-500">
            {me.client.name} · prepared by {me.branding.agencyName}
            {!r.complete && ' · month to date'} · amounts in {c}
          </p>
        </div>
        <div className="flex items-center gap-2 print:hidden">
          <label className="sr-only" htmlFor="report-month">
            Month
          </label>
          <Select
            id="report-month"
            value={r.month}
            onChange={(e) => setMonth(e.target.value)}
            className="w-44"
          >
            {(months.includes(r.month) ? months : [r.month, ...months]).map((m) => (
              <option key={m} value={m}>
                {monthName(m)}
              </option>
            ))}
          </Select>
          <button
            type="button"
            onClick={() => window.print()}
            className="rounded-md bg-(--portal-primary) px-3.5 py-2 text-sm font-medium text-white shadow-sm hover:opacity-90"
          >
            Print / PDF
          </button>
        </div>
      </div>
      {r.warnings.map((w) => (
        <Notice key={w.message} tone="amber">
          {w.message}
        </Notice>
      ))}
      {empty ? (
        <Card>
          <EmptyState title="No advertising ran in this month">Choose another month.</EmptyState>
        </Card>
      ) : (
        <>
          <Card className="break-inside-avoid">
            <CardHeader title="Highlights" />
            <ul className="list-disc space-y-1 px-9 py-4 text-sm text-slate-700">
              {r.highlights.map((h) => (
                <li key={h}>{h}</li>
              ))}
            </ul>
          </Card>
          <Card className="break-inside-avoid">
            <CardHeader title={`${monthName(r.month)} against ${monthName(r.previous.month)}`} />
            <div className="overflow-x-auto">
              <table className="w-full text-xs sm:text-sm" aria-label="This month against the previous one">
                <thead className="text-left text-xs text-slate-500">
                  <tr>
                    <th className={`${cell} font-medium`}>Metric</th>
                    <th className={`${cell} text-right font-medium whitespace-nowrap`}>
                      <abbr title={monthName(r.month)} className="no-underline">
                        {shortMonth(r.month)}
                      </abbr>
                    </th>
                    <th className={`${cell} text-right font-medium whitespace-nowrap`}>
                      <abbr title={monthName(r.previous.month)} className="no-underline">
                        {shortMonth(r.previous.month)}
                      </abbr>
                    </th>
                    <th className={`${cell} text-right font-medium`}>Change</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100 tabular">
                  {rows.map((row) => (
                    <tr key={row.key}>
                      <td className={`${cell} text-slate-700`}>{row.label}</td>
                      <td className={`${cell} text-right font-medium whitespace-nowrap`}>
                        {row.fmt(r.totals[row.key], c)}
                      </td>
                      <td className={`${cell} text-right whitespace-nowrap text-slate-500`}>
                        {row.fmt(r.previous.totals[row.key], c)}
                      </td>
                      <td className={`${cell} text-right whitespace-nowrap text-slate-600`}>
                        {r.changes ? signedPct(r.changes[row.key]?.changeRatio) : 'n/a'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {!r.comparable && (
              <p className="px-4 pb-3 text-xs text-slate-500" data-testid="portal-report-coverage">
                Not compared:{' '}
                {[
                  r.coverage.current.partial && `${monthName(r.month)} ${coverageText(r.coverage.current)}`,
                  r.coverage.previous.partial &&
                    `${monthName(r.previous.month)} ${coverageText(r.coverage.previous)}`,
                ]
                  .filter(Boolean)
                  .join('; ')}
                .
              </p>
            )}
          </Card>
          <Card className="break-inside-avoid">
            <CardHeader title="Per day" description={`In ${c}`} />
            <div className="px-3 py-3">
              <Chart
                label="Daily spend and conversion value in the month"
                height={240}
                option={dailyOption(r.daily, c, me.branding)}
              />
            </div>
          </Card>
          <div className="grid gap-5 lg:grid-cols-2 print:grid-cols-2">
            <Card className="break-inside-avoid">
              <CardHeader title="By platform" />
              <table className="w-full text-sm tabular" aria-label="By platform">
                <tbody className="divide-y divide-slate-100">
                  {r.byPlatform.map((p) => (
                    <tr key={p.platform ?? 'other'}>
                      <td className={cell}>{platformName(p.platform)}</td>
                      <td className={`${cell} text-right whitespace-nowrap`}>{money(p.spendMicros, c)}</td>
                      <td className={`${cell} text-right whitespace-nowrap`}>{num(p.conversions)} conv.</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
            <Card className="break-inside-avoid">
              <CardHeader title="Top campaigns by spend" />
              {/* A long campaign name wraps inside its cell: the amounts stay in view on a phone. */}
              <table className="w-full text-sm tabular" aria-label="Top campaigns by spend">
                <tbody className="divide-y divide-slate-100">
                  {r.topCampaigns.map((t) => (
                    <tr key={t.campaignId ?? 'none'}>
                      <td className={`${cell} wrap-anywhere`}>{t.campaignName ?? '—'}</td>
                      <td className={`${cell} text-right whitespace-nowrap`}>{money(t.spendMicros, c)}</td>
                      <td className={`${cell} text-right whitespace-nowrap`}>{ratio(t.roas)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
          </div>
        </>
      )}
    </article>
  );
}
