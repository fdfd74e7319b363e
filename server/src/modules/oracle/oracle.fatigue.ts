/**
 * Creative fatigue of every ad (oracle/fatigue `assessFatigue`) as of the organization's last day
 * with data, stored as predictions of type `fatigue`: one row per ad and as-of day, keyed by a hash
 * of the ad's rows, so the same history is assessed and stored once (like forecasts).
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import { notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import { assertOwned } from '../../storage/owned.ts';
import type { PredictionsTable } from '../../storage/schema.ts';
import type { Ctx } from '../auth/context.ts';
import {
  type AdDay,
  assessFatigue,
  type FatigueAssessment,
  type FatigueClass,
  fatigueReason,
  riskFactorText,
} from './fatigue/index.ts';
import { PREDICTION_KEY } from './oracle.constants.ts';
import { addDays } from './oracle.series.ts';

/** Bump when the fatigue model's numbers change (coefficients, rules): stored rows then differ. */
export const FATIGUE_MODEL = 'fatigue-logistic';
export const FATIGUE_MODEL_VERSION = '1.1.0';
/** Ads assessed: those with a row in this many days up to the as-of day. */
export const FATIGUE_RECENT_DAYS = 28;
/** History per ad: the model needs the first week as a baseline, and nothing older than this. */
const HISTORY_DAYS = 365;

/** An assessment as stored in the row's explanation (without the sentences, which are written on read). */
interface SavedFatigue extends Omit<FatigueAssessment, 'features' | 'adId'> {
  adId: string;
  adName: string;
  campaignId: string;
  clientId: string | null;
  platform: string;
  features: Record<string, number | boolean | null>;
  model: string;
  modelVersion: string;
  inputsHash: string;
  computedAt: string;
}

/**
 * "Refresh soon" is a delivering ad fatigued now, or one whose refresh date falls within this many
 * days of the as-of day.
 */
export const REFRESH_SOON_DAYS = 14;

/** An assessment as the API answers it: the saved one plus its plain-language sentences. */
export interface StoredFatigue extends Omit<SavedFatigue, 'riskFactors'> {
  /** Why the ad is in its class, in one sentence (the compact `rule` when a feature is missing). */
  reason: string;
  riskFactors: Array<SavedFatigue['riskFactors'][number] & { text: string }>;
  /** Impressions in the 7 days up to asOf (a paused or stopped ad has none: nothing to refresh). */
  delivering: boolean;
  /**
   * Delivering and fatigued already (class fatigued, or dead by its CTR): the fall has happened, so
   * p7/p14 (chances of an onset still to come) do not describe it.
   */
  fatiguedNow: boolean;
  /** Delivering, and fatigued now or its refresh date within REFRESH_SOON_DAYS of the as-of day. */
  refreshSoon: boolean;
}

/** The sentences, written from the classifier's thresholds on every read (older rows get them too). */
function inWords(s: SavedFatigue): StoredFatigue {
  // The classifier's own reading of "no delivery": nothing in the last 7 days, or never yet.
  const delivering = s.features.recentDeliveredDays !== 0 && s.features.deliveredDays !== 0;
  const fatiguedNow = delivering && (s.class === 'fatigued' || s.class === 'dead');
  return {
    ...s,
    reason: fatigueReason(s),
    riskFactors: s.riskFactors.map((r) => ({ ...r, text: riskFactorText(r, s.features) })),
    delivering,
    fatiguedNow,
    refreshSoon: delivering && (fatiguedNow || s.refreshBy <= addDays(s.asOf, REFRESH_SOON_DAYS)),
  };
}

interface AdRow {
  id: string;
  name: string;
  campaign_id: string;
  client_id: string | null;
  platform: string;
  platform_created_at: string | null;
  objective: string | null;
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

function toSaved(r: PredictionsTable): SavedFatigue {
  return {
    ...(JSON.parse(r.explanation) as SavedFatigue),
    inputsHash: r.inputs_hash,
    computedAt: r.computed_at,
  };
}

export function createFatigue({ storage, clock }: { storage: Storage; clock: Clock }) {
  async function lastDay(trx: Executor, organizationId: string): Promise<string | null> {
    const r = await trx
      .selectFrom('daily_metrics')
      .select((eb) => eb.fn.max('date').as('last'))
      .where('organization_id', '=', organizationId)
      .executeTakeFirst();
    return (r?.last ?? null) as string | null;
  }

  async function adsOf(
    trx: Executor,
    organizationId: string,
    q: { adId?: string; campaignId?: string; clientId?: string; since?: string },
  ): Promise<AdRow[]> {
    let query = trx
      .selectFrom('ads')
      .innerJoin('campaigns', 'campaigns.id', 'ads.campaign_id')
      .select([
        'ads.id',
        'ads.name',
        'ads.campaign_id',
        'ads.client_id',
        'ads.platform',
        'ads.platform_created_at',
        'campaigns.objective',
      ])
      .where('ads.organization_id', '=', organizationId)
      .where('campaigns.organization_id', '=', organizationId);
    if (q.adId) query = query.where('ads.id', '=', q.adId);
    if (q.campaignId) query = query.where('ads.campaign_id', '=', q.campaignId);
    if (q.clientId) query = query.where('ads.client_id', '=', q.clientId);
    if (q.since) {
      const since = q.since;
      query = query.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('daily_metrics')
            .select('daily_metrics.ad_id')
            .whereRef('daily_metrics.ad_id', '=', 'ads.id')
            .where('daily_metrics.organization_id', '=', organizationId)
            .where('daily_metrics.date', '>=', since),
        ),
      );
    }
    return query.orderBy('ads.id').execute();
  }

  /** Assesses the ads, stores the assessments not stored before, returns them all (stored form). */
  async function assess(
    ctx: Ctx,
    trx: Executor,
    ads: AdRow[],
    asOf: string,
  ): Promise<{ items: StoredFatigue[]; stored: number }> {
    if (!ads.length) return { items: [], stored: 0 };
    const days = new Map<string, AdDay[]>();
    const ids = ads.map((a) => a.id);
    for (let i = 0; i < ids.length; i += 200) {
      const rows = await trx
        .selectFrom('daily_metrics')
        .select(['ad_id', 'date', 'impressions', 'clicks', 'conversions', 'reach'])
        .where('organization_id', '=', ctx.organizationId)
        .where('ad_id', 'in', ids.slice(i, i + 200))
        .where('date', '>', addDays(asOf, -HISTORY_DAYS))
        .where('date', '<=', asOf)
        .orderBy('date')
        .execute();
      for (const r of rows)
        days.set(r.ad_id, [
          ...(days.get(r.ad_id) ?? []),
          {
            date: r.date,
            impressions: Number(r.impressions),
            clicks: Number(r.clicks),
            conversions: Number(r.conversions),
            reach: r.reach === null ? null : Number(r.reach),
          },
        ]);
    }
    const computedAt = clock.now().toISOString();
    const out: SavedFatigue[] = [];
    const rows: PredictionsTable[] = [];
    for (const ad of ads) {
      const history = days.get(ad.id) ?? [];
      const search = (ad.objective ?? '').toUpperCase().includes('SEARCH');
      const launchDate = ad.platform_created_at?.slice(0, 10) ?? null;
      const a = assessFatigue(
        { adId: ad.id, platform: ad.platform, search, launchDate, days: history },
        { asOf },
      );
      const inputsHash = createHash('sha256')
        .update(
          JSON.stringify({ ad: ad.id, asOf, search, launchDate, model: FATIGUE_MODEL_VERSION, history }),
        )
        .digest('hex');
      const stored: SavedFatigue = {
        adId: ad.id,
        adName: ad.name,
        campaignId: ad.campaign_id,
        clientId: ad.client_id,
        platform: ad.platform,
        asOf: a.asOf,
        p7: round(a.p7),
        p14: round(a.p14),
        predictedDrop: round(a.predictedDrop),
        riskFactors: a.riskFactors.map((f) => ({ ...f, contribution: round(f.contribution) })),
        refreshBy: a.refreshBy,
        class: a.class,
        rule: a.rule,
        features: Object.fromEntries(
          Object.entries(a.features).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v]),
        ),
        model: FATIGUE_MODEL,
        modelVersion: FATIGUE_MODEL_VERSION,
        inputsHash,
        computedAt,
      };
      out.push(stored);
      rows.push({
        id: newId('prediction'),
        organization_id: ctx.organizationId,
        run_id: newId('prediction'),
        type: 'fatigue',
        entity_type: 'ad',
        entity_id: ad.id,
        metric: 'fatigue',
        horizon_days: 14,
        step: 0,
        for_date: a.asOf,
        computed_at: computedAt,
        value: stored.p14,
        lo80: null,
        hi80: null,
        lo95: null,
        hi95: null,
        confidence: stored.p7,
        model: FATIGUE_MODEL,
        model_version: FATIGUE_MODEL_VERSION,
        inputs_hash: inputsHash,
        explanation: JSON.stringify(stored),
      });
    }
    let inserted = 0;
    for (let i = 0; i < rows.length; i += 100) {
      const res = await trx
        .insertInto('predictions')
        .values(rows.slice(i, i + 100))
        .onConflict((oc) => oc.columns(PREDICTION_KEY).doNothing())
        .executeTakeFirst();
      inserted += Number(res.numInsertedOrUpdatedRows ?? 0);
    }
    // Same inputs stored before: answer with the stored rows (their first computedAt).
    const saved = await trx
      .selectFrom('predictions')
      .selectAll()
      .where('organization_id', '=', ctx.organizationId)
      .where('type', '=', 'fatigue')
      .where(
        'inputs_hash',
        'in',
        out.map((o) => o.inputsHash),
      )
      .execute();
    const byHash = new Map(saved.map((r) => [r.inputs_hash, toSaved(r)]));
    // The ad's name, campaign and client are today's, not those stored with the assessment.
    const items = out.map((o) => {
      const saved = byHash.get(o.inputsHash);
      if (!saved) return inWords(o);
      const { adName, campaignId, clientId, platform } = o;
      return inWords({ ...saved, adName, campaignId, clientId, platform });
    });
    return { items, stored: inserted };
  }

  /**
   * Every ad that delivered in the last 28 days to the organization's last day with data, assessed
   * as of that day; `stored` counts assessments new to the predictions table.
   */
  async function listFatigue(
    ctx: Ctx,
    q: { campaignId?: string; clientId?: string; class?: FatigueClass },
  ): Promise<{
    asOf: string | null;
    stored: number;
    refreshSoon: {
      withinDays: number;
      until: string | null;
      count: number;
      fatiguedNow: number;
      notDelivering: number;
    };
    items: StoredFatigue[];
  }> {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      if (q.campaignId) await assertOwned(trx, ctx.organizationId, 'campaign', q.campaignId);
      if (q.clientId) await assertOwned(trx, ctx.organizationId, 'client', q.clientId);
      const asOf = await lastDay(trx, ctx.organizationId);
      if (asOf === null)
        return {
          asOf,
          stored: 0,
          refreshSoon: {
            withinDays: REFRESH_SOON_DAYS,
            until: null,
            count: 0,
            fatiguedNow: 0,
            notDelivering: 0,
          },
          items: [],
        };
      const ads = await adsOf(trx, ctx.organizationId, {
        campaignId: q.campaignId,
        clientId: q.clientId,
        since: addDays(asOf, -(FATIGUE_RECENT_DAYS - 1)),
      });
      const { items, stored } = await assess(ctx, trx, ads, asOf);
      // Most at risk first: dead and fatigued ads, then by 14-day probability.
      const rank: Record<FatigueClass, number> = { dead: 0, fatigued: 1, early_warning: 2, healthy: 3 };
      const sorted = items
        .filter((i) => !q.class || i.class === q.class)
        .sort((x, y) => rank[x.class] - rank[y.class] || y.p14 - x.p14 || x.adId.localeCompare(y.adId));
      return {
        asOf,
        stored,
        refreshSoon: {
          withinDays: REFRESH_SOON_DAYS,
          until: addDays(asOf, REFRESH_SOON_DAYS),
          count: sorted.filter((i) => i.refreshSoon).length,
          fatiguedNow: sorted.filter((i) => i.fatiguedNow).length,
          notDelivering: sorted.filter((i) => !i.delivering).length,
        },
        items: sorted,
      };
    });
  }

  /** One ad's assessment as of the organization's last day with data (404 for another organization's ad). */
  async function getFatigue(ctx: Ctx, adId: string): Promise<StoredFatigue> {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const ads = await adsOf(trx, ctx.organizationId, { adId });
      if (!ads.length) throw notFound('Ad', adId);
      const asOf = (await lastDay(trx, ctx.organizationId)) ?? clock.now().toISOString().slice(0, 10);
      return (await assess(ctx, trx, ads, asOf)).items[0] as StoredFatigue;
    });
  }

  return { listFatigue, getFatigue };
}

export type Fatigue = ReturnType<typeof createFatigue>;
