/**
 * Labelled fatigue samples from the simulator, for fitting and scoring (eval/fatigue.eval.ts).
 * Observed data come from a connection with endDate = asOf (what a sync would hold that day);
 * labels from the ground truth with endDate = asOf + 14. Moving endDate never changes past days
 * except late conversions, so the observed rows are exactly what a platform would report at asOf.
 */
import {
  createMemoryStore,
  createSimulator,
  simulatorGroundTruth,
} from '../../connectors/simulator/index.ts';
import { addDays, fetchAgency } from '../../connectors/simulator/testing.ts';
import type { AdHistory } from './features.ts';

export interface FatigueSample {
  seed: string;
  asOf: string;
  history: AdHistory;
  /** Onset in (asOf, asOf+7] / (asOf, asOf+14]. */
  y7: 0 | 1;
  y14: 0 | 1;
}

export interface SampleSet {
  samples: FatigueSample[];
  /** Active ads whose true onset was on or before asOf: excluded from the AUC. */
  alreadyFatigued: number;
}

/** Days of history a sync holds at asOf (ads launched earlier keep their createdAt). */
export const WINDOW_DAYS = 120;
/** An ad is scored at asOf only if it delivered on one of the last ACTIVE_DAYS days. */
export const ACTIVE_DAYS = 3;

export async function simulatedSamples(seed: string, asOf: string, clients = 3): Promise<SampleSet> {
  const definition = createSimulator({ store: createMemoryStore() });
  const extra = { seed, endDate: asOf, days: String(WINDOW_DAYS), clients: String(clients) };
  const agency = await fetchAgency(definition, extra);
  const truth = simulatorGroundTruth({
    ...extra,
    endDate: addDays(asOf, 14),
    days: String(WINDOW_DAYS + 14),
  });
  const d7 = addDays(asOf, 7);
  const d14 = addDays(asOf, 14);
  const activeFrom = addDays(asOf, -(ACTIVE_DAYS - 1));
  const out: SampleSet = { samples: [], alreadyFatigued: 0 };
  for (const account of agency.accounts) {
    const structure = agency.structure.get(account.externalId)!;
    const search = new Set(
      structure.campaigns
        .filter((c) => (c.objective ?? '').toUpperCase().includes('SEARCH'))
        .map((c) => c.externalId),
    );
    const rowsByAd = new Map<string, AdHistory['days']>();
    for (const r of agency.rows.get(account.externalId) ?? []) {
      const list = rowsByAd.get(r.adExternalId) ?? [];
      list.push(r);
      rowsByAd.set(r.adExternalId, list);
    }
    for (const ad of structure.ads) {
      const days = rowsByAd.get(ad.externalId) ?? [];
      if (!days.some((d) => d.date >= activeFrom && d.impressions > 0)) continue;
      const onset = truth.fatigueOnset[ad.externalId] ?? null;
      if (onset !== null && onset <= asOf) {
        out.alreadyFatigued++;
        continue;
      }
      out.samples.push({
        seed,
        asOf,
        history: {
          adId: ad.externalId,
          platform: account.platform ?? null,
          search: search.has(ad.campaignExternalId),
          launchDate: ad.createdAt,
          days,
        },
        y7: onset !== null && onset <= d7 ? 1 : 0,
        y14: onset !== null && onset <= d14 ? 1 : 0,
      });
    }
  }
  return out;
}
