/**
 * What the simulated platform reports "as of" the connection's end date: the account structure with
 * current settings, and daily rows per ad. Conversions are restated like real platforms: a click
 * day's conversions surface over the following days by the account's delay distribution, so the
 * last days of a fetch grow when the end date moves on. A tracking break loses the conversions
 * that happen (click day + lag) inside it, except for the share given by its magnitude.
 */
import type { AccountStructure, AdRecord, DailyMetricRecord } from '../connector.port.ts';
import { budgetSetting, type Controls, statusSetting } from './controls.ts';
import { plannedBudgetMicros } from './generator.ts';
import { type AccountSimulation, type AdSeries, conversionEvents } from './model.ts';
import { dateOf, timeOf } from './random.ts';

/** Ads the platform lists: planned to run in the window, or touched by a write-back. */
export function listedAds(sim: AccountSimulation, controls: Controls, windowStartDay: number): AdSeries[] {
  return sim.ads.filter(
    (s) =>
      s.ad.launchDay <= sim.endDay &&
      (s.ad.retireDay > windowStartDay || controls.touchedAdLaunchDays.has(s.ad.externalId)),
  );
}

export function structureAsOf(
  sim: AccountSimulation,
  controls: Controls,
  windowStartDay: number,
): AccountStructure {
  const day = sim.endDay;
  const campaigns = sim.account.campaigns;
  return {
    campaigns: campaigns.map((c) => ({
      externalId: c.externalId,
      accountExternalId: sim.account.externalId,
      name: c.name,
      status: statusSetting(controls, c.externalId, day),
      objective: c.objective,
      dailyBudgetMicros: budgetSetting(controls, c, day, plannedBudgetMicros),
      lifetimeBudgetMicros: null,
      startDate: null,
      endDate: null,
    })),
    adGroups: campaigns.flatMap((c) =>
      c.adGroups.map((g) => ({
        externalId: g.externalId,
        campaignExternalId: c.externalId,
        name: g.name,
        status: statusSetting(controls, g.externalId, day),
        dailyBudgetMicros: null,
      })),
    ),
    ads: listedAds(sim, controls, windowStartDay).map(
      ({ ad }): AdRecord => ({
        externalId: ad.externalId,
        adGroupExternalId: ad.group.externalId,
        campaignExternalId: ad.campaign.externalId,
        name: ad.name,
        status: statusSetting(controls, ad.externalId, day, ad),
        creative: { ...ad.creative },
        createdAt: timeOf(ad.launchDay, 0.375),
      }),
    ),
  };
}

/** Conversions of a click day as reported at the end of `asOfDay`. */
export function reportedConversions(
  sim: AccountSimulation,
  s: AdSeries,
  day: number,
  asOfDay: number,
): number {
  const n = s.conversions[day - sim.firstDay] ?? 0;
  if (n === 0) return 0;
  const breaks = sim.anomalies.filter((a) => a.kind === 'tracking_break');
  let reported = 0;
  for (const e of conversionEvents(s.ad, day, n, sim.account.conversionDelay)) {
    const at = day + e.lag;
    if (at > asOfDay) continue;
    const lost = breaks.find((b) => at >= b.fromDay && at <= b.toDay);
    if (lost && e.keep >= lost.magnitude) continue;
    reported++;
  }
  return reported;
}

/** Daily rows (days with impressions only, like the platforms' reports) for [fromDay, toDay]. */
export function metricRows(
  sim: AccountSimulation,
  ads: AdSeries[],
  fromDay: number,
  toDay: number,
): DailyMetricRecord[] {
  const rows: DailyMetricRecord[] = [];
  const from = Math.max(fromDay, sim.firstDay);
  const to = Math.min(toDay, sim.endDay);
  const isMeta = sim.account.platform === 'meta';
  const leadValue = sim.account.client.leadValueMicros;
  for (const s of ads) {
    for (let day = Math.max(from, s.ad.launchDay); day <= to; day++) {
      const i = day - sim.firstDay;
      const impressions = s.impressions[i]!;
      if (impressions === 0) continue;
      const conversions = reportedConversions(sim, s, day, sim.endDay);
      const reach = isMeta ? s.reach[i]! : null;
      rows.push({
        adExternalId: s.ad.externalId,
        date: dateOf(day),
        impressions,
        clicks: s.clicks[i]!,
        spendMicros: s.spendMicros[i]!,
        conversions,
        conversionValueMicros: conversions * leadValue,
        reach,
        frequency: reach ? Math.round((impressions / reach) * 1e4) / 1e4 : null,
        videoViews: s.ad.viewRate === null ? null : s.videoViews[i]!,
      });
    }
  }
  return rows;
}
