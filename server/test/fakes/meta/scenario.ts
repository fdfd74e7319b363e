/**
 * The contract scenario as the Meta fake's state, in Graph shapes: numbers as strings, budgets on
 * ad sets in the currency's minor unit, video creatives described only inside object_story_spec,
 * and each conversion repeated under the several action types Meta reports it with.
 */
import type { AdsScenario } from '../../../src/modules/connectors/connector.contract.ts';
import { metaStatus, microsPerMinor, microsToDecimal, type Obj } from './graph.ts';

export interface FakeState {
  accounts: Obj[];
  campaigns: Map<string, Obj>;
  adsets: Map<string, Obj>;
  ads: Map<string, Obj>;
  insights: Obj[];
  currency: string;
}

function creativeOf(ad: AdsScenario['structure']['ads'][number]): Obj {
  const c = ad.creative;
  if (c.format === 'video')
    // Video creatives built from object_story_spec: text only inside video_data.
    return {
      id: c.externalId,
      object_type: 'VIDEO',
      video_id: `9${ad.externalId}`,
      thumbnail_url: c.mediaUrl,
      object_story_spec: {
        page_id: '555000111',
        video_data: {
          video_id: `9${ad.externalId}`,
          title: c.headline,
          message: c.body,
          image_url: c.mediaUrl,
          call_to_action: { type: c.callToAction, value: { link: c.landingUrl } },
        },
      },
    };
  return {
    id: c.externalId,
    object_type: 'SHARE',
    title: c.headline,
    body: c.body,
    call_to_action_type: c.callToAction,
    image_url: c.mediaUrl,
    link_url: c.landingUrl,
    object_story_spec: {
      page_id: '555000111',
      link_data: { link: c.landingUrl, message: c.body, name: c.headline, picture: c.mediaUrl },
    },
  };
}

const actionList = (entries: Array<[string, string]>) =>
  entries.map(([action_type, value]) => ({ action_type, value }));

/** Builds the fake's state from the scenario. Budgets live on ad sets (no campaign budget). */
export function buildState(sc: AdsScenario): FakeState {
  const acc = sc.account.externalId;
  const per = microsPerMinor(sc.account.currency);
  const state: FakeState = {
    currency: sc.account.currency,
    accounts: [
      {
        id: `act_${acc}`,
        account_id: acc,
        name: sc.account.name,
        currency: sc.account.currency,
        timezone_name: sc.account.timeZone,
        account_status: 1,
      },
      {
        id: 'act_998877665',
        account_id: '998877665',
        name: 'Closed test account',
        currency: 'EUR',
        timezone_name: 'Europe/Berlin',
        account_status: 101,
      },
    ],
    campaigns: new Map(),
    adsets: new Map(),
    ads: new Map(),
    insights: [],
  };
  for (const c of sc.structure.campaigns)
    state.campaigns.set(c.externalId, {
      id: c.externalId,
      account_id: acc,
      name: c.name,
      status: metaStatus(c.status),
      objective: 'OUTCOME_LEADS',
      buying_type: 'AUCTION',
    });
  for (const g of sc.structure.adGroups)
    state.adsets.set(g.externalId, {
      id: g.externalId,
      account_id: acc,
      campaign_id: g.campaignExternalId,
      name: g.name,
      status: metaStatus(g.status),
      ...(g.dailyBudgetMicros ? { daily_budget: String(g.dailyBudgetMicros / per) } : {}),
    });
  for (const a of sc.structure.ads)
    state.ads.set(a.externalId, {
      id: a.externalId,
      account_id: acc,
      adset_id: a.adGroupExternalId,
      campaign_id: a.campaignExternalId,
      name: a.name,
      status: metaStatus(a.status),
      creative: creativeOf(a),
    });
  for (const m of sc.metrics) {
    const ad = state.ads.get(m.adExternalId) ?? {};
    // Conversions split into leads and purchases; Meta repeats each under several action types.
    const leads = Math.floor(m.conversions / 3);
    const purchases = m.conversions - leads;
    const perConv = m.conversions ? m.conversionValueMicros / m.conversions : 0;
    const actions: Array<[string, string]> = [
      ['link_click', String(m.clicks)],
      ['post_engagement', String(m.clicks + 3)],
    ];
    const values: Array<[string, string]> = [];
    if (purchases) {
      for (const t of [
        'offsite_conversion.fb_pixel_purchase',
        'omni_purchase',
        'purchase',
        'onsite_web_purchase',
      ]) {
        actions.push([t, String(purchases)]);
        values.push([t, microsToDecimal(Math.round(purchases * perConv))]);
      }
    }
    if (leads) {
      for (const t of ['lead', 'offsite_conversion.fb_pixel_lead']) actions.push([t, String(leads)]);
      values.push(
        ['lead', microsToDecimal(Math.round(leads * perConv))],
        ['offsite_conversion.fb_pixel_lead', microsToDecimal(Math.round(leads * perConv))],
      );
    }
    state.insights.push({
      account_id: acc,
      campaign_id: ad.campaign_id,
      adset_id: ad.adset_id,
      ad_id: m.adExternalId,
      date_start: m.date,
      date_stop: m.date,
      impressions: String(m.impressions),
      clicks: String(m.clicks),
      spend: microsToDecimal(m.spendMicros),
      ...(m.reach === null ? {} : { reach: String(m.reach) }),
      ...(m.frequency === null ? {} : { frequency: String(m.frequency) }),
      actions: actionList(actions),
      ...(values.length ? { action_values: actionList(values) } : {}),
      ...(m.videoViews ? { video_play_actions: actionList([['video_view', String(m.videoViews)]]) } : {}),
    });
  }
  state.insights.sort(
    (a, b) =>
      String(a.date_start).localeCompare(String(b.date_start)) ||
      String(a.ad_id).localeCompare(String(b.ad_id)),
  );
  return state;
}
