/**
 * Campaign spend in each campaign's own (ad account) currency, for comparing with its daily budget,
 * which the platform sets in that currency. Analytics answers in the organization's reporting
 * currency by default; here it is asked once per campaign currency (`currency` of the metrics
 * query), so a campaign's rows are read as they are, never converted back and forth.
 */
import type { ToolContext } from '../agents.definition.ts';

export interface CampaignSpend {
  /** The campaign's currency: every amount here is micros of it. */
  currency: string;
  spendMicros: number;
  conversionValueMicros: number;
  roas: number | null;
}

/** Sums of `from`..`to` per campaign (only campaigns with delivery are in the map). */
export async function campaignSpendInOwnCurrency(
  tc: Pick<ToolContext, 'ctx' | 'services'>,
  q: { from: string; to: string; campaigns: Array<{ id: string; currency: string }> },
): Promise<Map<string, CampaignSpend>> {
  const byCurrency = new Map<string, string[]>();
  for (const c of q.campaigns) {
    const ids = byCurrency.get(c.currency);
    if (ids) ids.push(c.id);
    else byCurrency.set(c.currency, [c.id]);
  }
  const out = new Map<string, CampaignSpend>();
  for (const [currency, ids] of byCurrency)
    for (let i = 0; i < ids.length; i += 500) {
      const m = await tc.services.analytics.metrics(tc.ctx, {
        from: q.from,
        to: q.to,
        groupBy: ['campaign'],
        filter: { campaignIds: ids.slice(i, i + 500) },
        currency,
        limit: 10_000,
      });
      for (const r of m.rows)
        if (r.campaignId)
          out.set(r.campaignId, {
            currency: m.currency,
            spendMicros: r.spendMicros,
            conversionValueMicros: r.conversionValueMicros,
            roas: r.roas,
          });
    }
  return out;
}
