/**
 * Campaign spend in each campaign's own (ad account) currency, for comparing with its daily budget,
 * which the platform sets in that currency. Analytics answers in the organization's reporting
 * currency by default; here it is asked once per campaign currency (`currency` of the metrics
 * query), so a campaign's rows are read as they are, never converted back and forth.
 *
 * Rows in another currency (an account whose currency changed) are converted at the latest rate on
 * or before their day, as everywhere in analytics; with no such rate they are left out, and that is
 * said, never silent: a warning `fx_rate_missing` names the campaigns, the currencies, the days and
 * the spend left out (and `fx_rate_stale` a rate more than 7 days older than the day). A finance
 * reader expects a figure that is short to say so, not a made-up rate (a later rate would be one).
 */
import { z } from 'zod';
import { moneyText } from '../../../platform/format.ts';
import type { ToolContext } from '../agents.definition.ts';

export interface CampaignSpend {
  /** The campaign's currency: every amount here is micros of it. */
  currency: string;
  spendMicros: number;
  conversionValueMicros: number;
  roas: number | null;
}

/** Spend that could not be converted to the campaigns' own currency (or only at an old rate). */
export interface CampaignSpendWarning {
  code: 'fx_rate_missing' | 'fx_rate_stale';
  message: string;
  /** The campaigns' own currency, which their spend was asked in. */
  currency: string;
  /** The currency of the rows concerned. */
  rowCurrency: string;
  /** The campaigns whose spend is short (missing) or converted at an old rate (stale). */
  campaignIds: string[];
  /** The days concerned, first and last. */
  firstDate: string;
  lastDate: string;
  /** Micros of `rowCurrency` left out (missing only; 0 for stale). */
  excludedSpendMicros: number;
}

/** The same, as agents' outputs carry it. */
export const campaignSpendWarningSchema = z.object({
  code: z.enum(['fx_rate_missing', 'fx_rate_stale']),
  message: z.string(),
  currency: z.string().describe("The campaigns' own currency, which their spend is in"),
  rowCurrency: z.string().describe('The currency of the rows concerned'),
  campaignIds: z
    .array(z.string())
    .describe('The campaigns whose spend is short (missing) or converted at an old rate'),
  firstDate: z.string(),
  lastDate: z.string(),
  excludedSpendMicros: z.number().describe('Micros of rowCurrency left out (0 for fx_rate_stale)'),
});

type AnalyticsWarning = { code: string; message: string; details: Record<string, unknown> };

function merge(
  into: Map<string, CampaignSpendWarning>,
  currency: string,
  campaignIds: string[],
  w: AnalyticsWarning,
) {
  if (w.code !== 'fx_rate_missing' && w.code !== 'fx_rate_stale') return;
  const d = w.details;
  const rowCurrency = String(d.currency);
  const firstDate = String(d.firstDate ?? d.day ?? '');
  const lastDate = String(d.lastDate ?? d.day ?? '');
  const excluded = Number(d.excludedSpendMicros ?? 0);
  const key = `${w.code}:${currency}:${rowCurrency}`;
  const seen = into.get(key);
  if (!seen) {
    into.set(key, {
      code: w.code,
      message: '',
      currency,
      rowCurrency,
      campaignIds: [...campaignIds],
      firstDate,
      lastDate,
      excludedSpendMicros: excluded,
    });
    return;
  }
  for (const id of campaignIds) if (!seen.campaignIds.includes(id)) seen.campaignIds.push(id);
  if (firstDate < seen.firstDate) seen.firstDate = firstDate;
  if (lastDate > seen.lastDate) seen.lastDate = lastDate;
  seen.excludedSpendMicros += excluded;
}

/** What a person reads: the pair, the days, how many campaigns and, when left out, how much. */
function described(w: CampaignSpendWarning): CampaignSpendWarning {
  const days = w.firstDate === w.lastDate ? w.firstDate : `${w.firstDate} to ${w.lastDate}`;
  const campaigns = `${w.campaignIds.length} campaign${w.campaignIds.length === 1 ? '' : 's'}`;
  const message =
    w.code === 'fx_rate_missing'
      ? `No ${w.rowCurrency}→${w.currency} rate for ${days} (none on or before those days): ${moneyText(w.excludedSpendMicros, w.rowCurrency)} of spend of ${campaigns} is left out of their spend; load rates with PUT /api/v1/analytics/fx-rates`
      : `${w.rowCurrency}→${w.currency} for ${days} used a rate more than 7 days older than the day (${campaigns})`;
  return { ...w, message };
}

/**
 * Sums of `from`..`to` per campaign (only campaigns with delivery are in `spend`), and what could
 * not be converted (`warnings`, each naming its campaigns).
 */
export async function campaignSpendInOwnCurrency(
  tc: Pick<ToolContext, 'ctx' | 'services'>,
  q: { from: string; to: string; campaigns: Array<{ id: string; currency: string }> },
): Promise<{ spend: Map<string, CampaignSpend>; warnings: CampaignSpendWarning[] }> {
  const byCurrency = new Map<string, string[]>();
  for (const c of q.campaigns) {
    const ids = byCurrency.get(c.currency);
    if (ids) ids.push(c.id);
    else byCurrency.set(c.currency, [c.id]);
  }
  const read = (currency: string, campaignIds: string[]) =>
    tc.services.analytics.metrics(tc.ctx, {
      from: q.from,
      to: q.to,
      groupBy: ['campaign'],
      filter: { campaignIds },
      currency,
      limit: 10_000,
    });
  const spend = new Map<string, CampaignSpend>();
  const warnings = new Map<string, CampaignSpendWarning>();
  for (const [currency, ids] of byCurrency)
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      const m = await read(currency, batch);
      for (const r of m.rows)
        if (r.campaignId)
          spend.set(r.campaignId, {
            currency: m.currency,
            spendMicros: r.spendMicros,
            conversionValueMicros: r.conversionValueMicros,
            roas: r.roas,
          });
      if (m.warnings.length === 0) continue;
      // Analytics names the currency and days, not the campaigns: asked one by one, each campaign's
      // own answer says whether its rows are concerned (rare: an account whose currency changed).
      if (batch.length === 1) {
        for (const w of m.warnings) merge(warnings, currency, batch, w);
        continue;
      }
      for (const id of batch) {
        const one = await read(currency, [id]);
        for (const w of one.warnings) merge(warnings, currency, [id], w);
      }
    }
  return { spend, warnings: [...warnings.values()].map(described) };
}

/** A summary, then what its spend figures lack (a person reads the summary, not `warnings`). */
export function withSpendWarnings(warnings: CampaignSpendWarning[], summary: string): string {
  return warnings.length ? `${summary} ${warnings.map((w) => `${w.message}.`).join(' ')}` : summary;
}
