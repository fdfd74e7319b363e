/**
 * CSV rendering of a metrics result for spreadsheets: one header line of readable column names,
 * then one line per row (RFC 4180 quoting). Programs read the JSON, which keeps the API's field
 * names, micros and fractions.
 */
import { Readable } from 'node:stream';
import { currencyDigits, microsDecimal } from '../../platform/format.ts';
import type { Dimension } from './analytics.repo.ts';
import type { MetricsResult } from './analytics.service.ts';
import type { MetricKey } from './kpis.ts';

/** The columns of each dimension: the row field and its header. */
const dimensionColumns: Record<Dimension, Array<[field: string, header: string]>> = {
  day: [['day', 'Day']],
  week: [['week', 'Week (Monday)']],
  month: [['month', 'Month']],
  platform: [['platform', 'Platform']],
  client: [
    ['clientId', 'Client ID'],
    ['clientName', 'Client'],
  ],
  account: [
    ['adAccountId', 'Ad account ID'],
    ['adAccountName', 'Ad account'],
  ],
  campaign: [
    ['campaignId', 'Campaign ID'],
    ['campaignName', 'Campaign'],
  ],
  adGroup: [
    ['adGroupId', 'Ad group ID'],
    ['adGroupName', 'Ad group'],
  ],
  ad: [
    ['adId', 'Ad ID'],
    ['adName', 'Ad'],
  ],
};

/**
 * The metric columns, always in this order. Money is in units of the reporting currency, which the
 * header names (`{cur}`): sums to the currency's minor unit, unit costs to four decimals. CTR and
 * conversion rate are percents (1.25 means 1.25 %) to four decimals; ROAS and frequency are plain
 * ratios to six. A ratio with a zero denominator is an empty cell.
 */
type Kind = 'count' | 'money' | 'unitCost' | 'percent' | 'ratio';
const metricColumns: Array<{ key: MetricKey; header: string; kind: Kind }> = [
  { key: 'impressions', header: 'Impressions', kind: 'count' },
  { key: 'clicks', header: 'Clicks', kind: 'count' },
  { key: 'spendMicros', header: 'Spend ({cur})', kind: 'money' },
  { key: 'conversions', header: 'Conversions', kind: 'count' },
  { key: 'conversionValueMicros', header: 'Conversion value ({cur})', kind: 'money' },
  { key: 'reachDailySum', header: 'Reach (sum of daily reach)', kind: 'count' },
  { key: 'ctr', header: 'CTR (%)', kind: 'percent' },
  { key: 'cpcMicros', header: 'CPC ({cur})', kind: 'unitCost' },
  { key: 'cpmMicros', header: 'CPM ({cur})', kind: 'unitCost' },
  { key: 'cpaMicros', header: 'CPA ({cur})', kind: 'unitCost' },
  { key: 'roas', header: 'ROAS (conversion value / spend)', kind: 'ratio' },
  { key: 'conversionRate', header: 'Conversion rate (%)', kind: 'percent' },
  { key: 'frequency', header: 'Frequency (daily average)', kind: 'ratio' },
];

export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' && !Number.isFinite(v)) return '';
  const s = String(v);
  // Quote what would break the line, and defuse spreadsheet formulas in names that come from vendors.
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The header line's cells for a grouping and reporting currency, in file order. */
export function metricsCsvColumns(groupBy: Dimension[], currency: string): string[] {
  return [
    ...groupBy.flatMap((d) => dimensionColumns[d].map(([, header]) => header)),
    ...metricColumns.map((c) => c.header.replace('{cur}', currency)),
  ];
}

/** A number as a spreadsheet reads it: money in currency units, percents, trailing zeros dropped. */
function cellValue(kind: Kind, v: unknown, sumDigits: number): unknown {
  if (typeof v !== 'number') return v;
  if (!Number.isFinite(v)) return null;
  switch (kind) {
    case 'money':
      return microsDecimal(Math.round(v), sumDigits);
    case 'unitCost':
      return microsDecimal(Math.round(v), 4);
    case 'percent':
      return Number((v * 100).toFixed(4));
    case 'ratio':
      return Number(v.toFixed(6));
    default:
      return Number.isInteger(v) ? v : Number(v.toFixed(6));
  }
}

/**
 * Streams the rows (or, with no grouping, the totals) as CSV, after a UTF-8 byte-order mark so that
 * Excel reads names with accents and dashes as UTF-8.
 */
export function metricsCsv(result: MetricsResult): Readable {
  const dims = result.groupBy.flatMap((d) => dimensionColumns[d].map(([field]) => field));
  const digits = currencyDigits(result.currency);
  const rows = result.groupBy.length ? result.rows : [result.totals];
  function* lines() {
    yield `\uFEFF${metricsCsvColumns(result.groupBy, result.currency).map(csvCell).join(',')}\r\n`;
    for (const row of rows) {
      const r = row as unknown as Record<string, unknown>;
      const cells = [
        ...dims.map((c) => csvCell(r[c])),
        ...metricColumns.map((c) => csvCell(cellValue(c.kind, r[c.key], digits))),
      ];
      yield `${cells.join(',')}\r\n`;
    }
  }
  return Readable.from(lines());
}
