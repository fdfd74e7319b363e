/** CSV rendering of a metrics result: a header line, then one line per row (RFC 4180 quoting). */
import { Readable } from 'node:stream';
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

export function metricsCsvColumns(groupBy: Dimension[]): string[] {
  return [...groupBy.flatMap((d) => dimensionColumns[d]), 'currency', ...sumKeys, ...kpiKeys];
}

/** Streams the rows (or, with no grouping, the totals) as CSV. */
export function metricsCsv(result: MetricsResult): Readable {
  const columns = metricsCsvColumns(result.groupBy);
  const rows = result.groupBy.length ? result.rows : [result.totals];
  function* lines() {
    yield `${columns.join(',')}\r\n`;
    for (const row of rows) {
      const r = { ...row, currency: result.currency } as Record<string, unknown>;
      yield `${columns.map((c) => csvCell(r[c])).join(',')}\r\n`;
    }
  }
  return Readable.from(lines());
}
