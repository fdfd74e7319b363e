/** CSV rendering of a metrics result: a header line, then one line per row (RFC 4180 quoting). */
import { Readable } from 'node:stream';
import { currencyDigits, microsDecimal } from '../../platform/format.ts';
import type { Dimension } from './analytics.repo.ts';
import type { MetricsResult } from './analytics.service.ts';
import { kpiKeys, sumKeys } from './kpis.ts';

const dimensionColumns: Record<Dimension, string[]> = {
  day: ['day'],
  week: ['week'],
  month: ['month'],
  platform: ['platform'],
  client: ['clientId', 'clientName'],
  account: ['adAccountId', 'adAccountName'],
  campaign: ['campaignId', 'campaignName'],
  adGroup: ['adGroupId', 'adGroupName'],
  ad: ['adId', 'adName'],
};

export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  // Quote what would break the line, and defuse spreadsheet formulas in names that come from vendors.
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * The CSV is for spreadsheets (programs read the JSON): money in currency units, not micros, named
 * without the suffix (`spendMicros` → `spend`), sums to the currency's minor unit, unit costs to
 * four decimals, ratios to six.
 */
const csvName = (k: string) => (k.endsWith('Micros') ? k.slice(0, -'Micros'.length) : k);

export function metricsCsvColumns(groupBy: Dimension[]): string[] {
  return [
    ...groupBy.flatMap((d) => dimensionColumns[d]),
    'currency',
    ...[...sumKeys, ...kpiKeys].map(csvName),
  ];
}

/** A number as a spreadsheet reads it: fixed decimals, trailing zeros of ratios dropped. */
function cellValue(key: string, v: unknown, sumDigits: number): unknown {
  if (typeof v !== 'number' || !Number.isFinite(v)) return v;
  if (key.endsWith('Micros')) {
    return microsDecimal(Math.round(v), (sumKeys as readonly string[]).includes(key) ? sumDigits : 4);
  }
  if (Number.isInteger(v)) return v;
  return Number(v.toFixed(6));
}

/**
 * Streams the rows (or, with no grouping, the totals) as CSV, after a UTF-8 byte-order mark so that
 * Excel reads names with accents and dashes as UTF-8.
 */
export function metricsCsv(result: MetricsResult): Readable {
  const keys = [...sumKeys, ...kpiKeys];
  const dims = result.groupBy.flatMap((d) => dimensionColumns[d]);
  const digits = currencyDigits(result.currency);
  const rows = result.groupBy.length ? result.rows : [result.totals];
  function* lines() {
    yield `\uFEFF${metricsCsvColumns(result.groupBy).join(',')}\r\n`;
    for (const row of rows) {
      const r = row as unknown as Record<string, unknown>;
      const cells = [
        ...dims.map((c) => csvCell(r[c])),
        csvCell(result.currency),
        ...keys.map((k) => csvCell(cellValue(k, r[k], digits))),
      ];
      yield `${cells.join(',')}\r\n`;
    }
  }
  return Readable.from(lines());
}
