/**
 * Idempotent upserts of connector records on their natural keys. Re-running any of these with the
 * same input changes nothing, so a sync job can be retried blindly.
 */

import { newId } from '../../platform/ids.ts';
import type { Executor } from '../../storage/db.ts';
import type {
  AccountStructure,
  AdAccountRecord,
  ContactRecord,
  DailyMetricRecord,
  OpportunityRecord,
  PipelineRecord,
} from '../connectors/connector.port.ts';

export interface AccountRef {
  organizationId: string;
  connectionId: string;
  clientId: string | null;
  platform: string;
}

/** Ad id and its parents, by external id, after a structure upsert. */
export type AdIndex = Map<string, { id: string; campaignId: string; adGroupId: string }>;

const CHUNK = 400;
const chunks = <T>(xs: T[], n = CHUNK) =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

export async function upsertAccount(
  trx: Executor,
  ref: AccountRef,
  a: AdAccountRecord,
  now: string,
): Promise<string> {
  await trx
    .insertInto('ad_accounts')
    .values({
      id: newId('adAccount'),
      organization_id: ref.organizationId,
      connection_id: ref.connectionId,
      client_id: ref.clientId,
      platform: ref.platform,
      external_id: a.externalId,
      name: a.name,
      currency: a.currency,
      time_zone: a.timeZone,
      status: a.status,
      enabled: 1,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.columns(['organization_id', 'platform', 'external_id']).doUpdateSet({
        connection_id: ref.connectionId,
        client_id: ref.clientId,
        name: a.name,
        currency: a.currency,
        time_zone: a.timeZone,
        status: a.status,
        updated_at: now,
      }),
    )
    .execute();
  const row = await trx
    .selectFrom('ad_accounts')
    .select('id')
    .where('organization_id', '=', ref.organizationId)
    .where('platform', '=', ref.platform)
    .where('external_id', '=', a.externalId)
    .executeTakeFirstOrThrow();
  return row.id;
}

async function idsByExternal(
  trx: Executor,
  table: 'campaigns' | 'ad_groups',
  organizationId: string,
  accountId: string,
) {
  const rows = await trx
    .selectFrom(table)
    .select(['id', 'external_id'])
    .where('organization_id', '=', organizationId)
    .where('ad_account_id', '=', accountId)
    .execute();
  return new Map(rows.map((r) => [r.external_id, r.id]));
}

/** Upserts campaigns, ad groups and ads of one account; returns the ad index for metrics. */
export async function upsertStructure(
  trx: Executor,
  ref: AccountRef,
  accountId: string,
  s: AccountStructure,
  now: string,
): Promise<{ index: AdIndex; rows: number; skipped: number }> {
  const base = {
    organization_id: ref.organizationId,
    ad_account_id: accountId,
    client_id: ref.clientId,
    platform: ref.platform,
  };
  for (const part of chunks(s.campaigns)) {
    if (!part.length) continue;
    await trx
      .insertInto('campaigns')
      .values(
        part.map((c) => ({
          ...base,
          id: newId('campaign'),
          external_id: c.externalId,
          name: c.name,
          status: c.status,
          objective: c.objective,
          daily_budget_micros: c.dailyBudgetMicros,
          lifetime_budget_micros: c.lifetimeBudgetMicros,
          start_date: c.startDate,
          end_date: c.endDate,
          first_seen_at: now,
          updated_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['ad_account_id', 'external_id']).doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          status: eb.ref('excluded.status'),
          objective: eb.ref('excluded.objective'),
          daily_budget_micros: eb.ref('excluded.daily_budget_micros'),
          lifetime_budget_micros: eb.ref('excluded.lifetime_budget_micros'),
          start_date: eb.ref('excluded.start_date'),
          end_date: eb.ref('excluded.end_date'),
          client_id: eb.ref('excluded.client_id'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
  const campaignIds = await idsByExternal(trx, 'campaigns', ref.organizationId, accountId);
  // Children whose parent the platform did not list are skipped (and counted), never orphaned.
  const groups = s.adGroups.filter((g) => campaignIds.has(g.campaignExternalId));
  let skipped = s.adGroups.length - groups.length;
  for (const part of chunks(groups)) {
    if (!part.length) continue;
    await trx
      .insertInto('ad_groups')
      .values(
        part.map((g) => ({
          ...base,
          id: newId('adGroup'),
          campaign_id: campaignIds.get(g.campaignExternalId) as string,
          external_id: g.externalId,
          name: g.name,
          status: g.status,
          daily_budget_micros: g.dailyBudgetMicros,
          first_seen_at: now,
          updated_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['ad_account_id', 'external_id']).doUpdateSet((eb) => ({
          campaign_id: eb.ref('excluded.campaign_id'),
          name: eb.ref('excluded.name'),
          status: eb.ref('excluded.status'),
          daily_budget_micros: eb.ref('excluded.daily_budget_micros'),
          client_id: eb.ref('excluded.client_id'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
  const groupIds = await idsByExternal(trx, 'ad_groups', ref.organizationId, accountId);
  const ads = s.ads.filter((a) => groupIds.has(a.adGroupExternalId) && campaignIds.has(a.campaignExternalId));
  skipped += s.ads.length - ads.length;
  for (const part of chunks(ads)) {
    if (!part.length) continue;
    await trx
      .insertInto('ads')
      .values(
        part.map((a) => ({
          ...base,
          id: newId('ad'),
          campaign_id: campaignIds.get(a.campaignExternalId) as string,
          ad_group_id: groupIds.get(a.adGroupExternalId) as string,
          external_id: a.externalId,
          name: a.name,
          status: a.status,
          creative_external_id: a.creative.externalId,
          creative_format: a.creative.format,
          headline: a.creative.headline,
          body: a.creative.body,
          call_to_action: a.creative.callToAction,
          media_url: a.creative.mediaUrl,
          landing_url: a.creative.landingUrl,
          platform_created_at: a.createdAt,
          first_seen_at: now,
          updated_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['ad_account_id', 'external_id']).doUpdateSet((eb) => ({
          campaign_id: eb.ref('excluded.campaign_id'),
          ad_group_id: eb.ref('excluded.ad_group_id'),
          name: eb.ref('excluded.name'),
          status: eb.ref('excluded.status'),
          creative_external_id: eb.ref('excluded.creative_external_id'),
          creative_format: eb.ref('excluded.creative_format'),
          headline: eb.ref('excluded.headline'),
          body: eb.ref('excluded.body'),
          call_to_action: eb.ref('excluded.call_to_action'),
          media_url: eb.ref('excluded.media_url'),
          landing_url: eb.ref('excluded.landing_url'),
          client_id: eb.ref('excluded.client_id'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
  return {
    index: await adIndex(trx, ref.organizationId, accountId),
    rows: s.campaigns.length + groups.length + ads.length,
    skipped,
  };
}

export async function adIndex(trx: Executor, organizationId: string, accountId: string): Promise<AdIndex> {
  const rows = await trx
    .selectFrom('ads')
    .select(['id', 'external_id', 'campaign_id', 'ad_group_id'])
    .where('organization_id', '=', organizationId)
    .where('ad_account_id', '=', accountId)
    .execute();
  return new Map(
    rows.map((r) => [r.external_id, { id: r.id, campaignId: r.campaign_id, adGroupId: r.ad_group_id }]),
  );
}

/**
 * Upserts daily rows. Before overwriting a day whose conversions, value or spend changed (a
 * platform restatement), the earlier figures go to daily_metric_revisions: the raw material of the
 * late-conversion nowcast.
 */
export async function upsertMetrics(
  trx: Executor,
  ref: AccountRef,
  account: { id: string; currency: string },
  index: AdIndex,
  rows: DailyMetricRecord[],
  now: string,
): Promise<{ upserted: number; revised: number; unknownAds: number }> {
  const known = rows.filter((r) => index.has(r.adExternalId));
  const unknownAds = rows.length - known.length;
  let revised = 0;
  for (const part of chunks(known)) {
    const adIds = [...new Set(part.map((r) => (index.get(r.adExternalId) as { id: string }).id))];
    const dates = part.map((r) => r.date).sort();
    const existing = await trx
      .selectFrom('daily_metrics')
      .select(['ad_id', 'date', 'conversions', 'conversion_value_micros', 'spend_micros'])
      .where('organization_id', '=', ref.organizationId)
      .where('ad_id', 'in', adIds)
      .where('date', '>=', dates[0] as string)
      .where('date', '<=', dates[dates.length - 1] as string)
      .execute();
    const before = new Map(existing.map((e) => [`${e.ad_id}|${e.date}`, e]));
    const revisions = [];
    for (const r of part) {
      const id = (index.get(r.adExternalId) as { id: string }).id;
      const e = before.get(`${id}|${r.date}`);
      if (
        e &&
        (Number(e.conversions) !== r.conversions ||
          Number(e.conversion_value_micros) !== r.conversionValueMicros ||
          Number(e.spend_micros) !== r.spendMicros)
      ) {
        revisions.push({
          organization_id: ref.organizationId,
          ad_id: id,
          date: r.date,
          observed_at: now,
          conversions: Number(e.conversions),
          conversion_value_micros: Number(e.conversion_value_micros),
          spend_micros: Number(e.spend_micros),
        });
      }
    }
    if (revisions.length) {
      await trx.insertInto('daily_metric_revisions').values(revisions).execute();
      revised += revisions.length;
    }
    await trx
      .insertInto('daily_metrics')
      .values(
        part.map((r) => {
          const ad = index.get(r.adExternalId) as { id: string; campaignId: string; adGroupId: string };
          return {
            organization_id: ref.organizationId,
            ad_id: ad.id,
            date: r.date,
            ad_account_id: account.id,
            campaign_id: ad.campaignId,
            ad_group_id: ad.adGroupId,
            client_id: ref.clientId,
            platform: ref.platform,
            currency: account.currency,
            impressions: r.impressions,
            clicks: r.clicks,
            spend_micros: r.spendMicros,
            conversions: r.conversions,
            conversion_value_micros: r.conversionValueMicros,
            reach: r.reach,
            frequency: r.frequency,
            video_views: r.videoViews,
            synced_at: now,
          };
        }),
      )
      .onConflict((oc) =>
        oc.columns(['organization_id', 'ad_id', 'date']).doUpdateSet((eb) => ({
          impressions: eb.ref('excluded.impressions'),
          clicks: eb.ref('excluded.clicks'),
          spend_micros: eb.ref('excluded.spend_micros'),
          conversions: eb.ref('excluded.conversions'),
          conversion_value_micros: eb.ref('excluded.conversion_value_micros'),
          reach: eb.ref('excluded.reach'),
          frequency: eb.ref('excluded.frequency'),
          video_views: eb.ref('excluded.video_views'),
          client_id: eb.ref('excluded.client_id'),
          currency: eb.ref('excluded.currency'),
          synced_at: eb.ref('excluded.synced_at'),
        })),
      )
      .execute();
  }
  return { upserted: known.length, revised, unknownAds };
}

export async function upsertContacts(trx: Executor, ref: AccountRef, contacts: ContactRecord[], now: string) {
  for (const part of chunks(contacts, 200)) {
    if (!part.length) continue;
    await trx
      .insertInto('crm_contacts')
      .values(
        part.map((c) => ({
          id: newId('contact'),
          organization_id: ref.organizationId,
          connection_id: ref.connectionId,
          client_id: ref.clientId,
          external_id: c.externalId,
          email: c.email?.toLowerCase() ?? null,
          phone: c.phone,
          first_name: c.firstName,
          last_name: c.lastName,
          source: c.source,
          tags: JSON.stringify(c.tags),
          gclid: c.attribution.gclid,
          fbclid: c.attribution.fbclid,
          li_fat_id: c.attribution.liFatId,
          utm_source: c.attribution.utmSource,
          utm_medium: c.attribution.utmMedium,
          utm_campaign: c.attribution.utmCampaign,
          utm_content: c.attribution.utmContent,
          utm_term: c.attribution.utmTerm,
          platform_created_at: c.createdAt,
          platform_updated_at: c.updatedAt,
          synced_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['connection_id', 'external_id']).doUpdateSet((eb) => ({
          email: eb.ref('excluded.email'),
          phone: eb.ref('excluded.phone'),
          first_name: eb.ref('excluded.first_name'),
          last_name: eb.ref('excluded.last_name'),
          source: eb.ref('excluded.source'),
          tags: eb.ref('excluded.tags'),
          gclid: eb.ref('excluded.gclid'),
          fbclid: eb.ref('excluded.fbclid'),
          li_fat_id: eb.ref('excluded.li_fat_id'),
          utm_source: eb.ref('excluded.utm_source'),
          utm_medium: eb.ref('excluded.utm_medium'),
          utm_campaign: eb.ref('excluded.utm_campaign'),
          utm_content: eb.ref('excluded.utm_content'),
          utm_term: eb.ref('excluded.utm_term'),
          platform_updated_at: eb.ref('excluded.platform_updated_at'),
          synced_at: eb.ref('excluded.synced_at'),
        })),
      )
      .execute();
  }
  return contacts.length;
}

export async function upsertPipelines(
  trx: Executor,
  ref: AccountRef,
  pipelines: PipelineRecord[],
  now: string,
) {
  for (const p of pipelines) {
    await trx
      .insertInto('crm_pipelines')
      .values({
        id: newId('pipeline'),
        organization_id: ref.organizationId,
        connection_id: ref.connectionId,
        external_id: p.externalId,
        name: p.name,
        stages: JSON.stringify(p.stages),
        synced_at: now,
      })
      .onConflict((oc) =>
        oc
          .columns(['connection_id', 'external_id'])
          .doUpdateSet({ name: p.name, stages: JSON.stringify(p.stages), synced_at: now }),
      )
      .execute();
  }
  return pipelines.length;
}

export async function upsertOpportunities(
  trx: Executor,
  ref: AccountRef,
  opps: OpportunityRecord[],
  now: string,
) {
  for (const part of chunks(opps, 200)) {
    if (!part.length) continue;
    await trx
      .insertInto('crm_opportunities')
      .values(
        part.map((o) => ({
          id: newId('opportunity'),
          organization_id: ref.organizationId,
          connection_id: ref.connectionId,
          client_id: ref.clientId,
          external_id: o.externalId,
          pipeline_external_id: o.pipelineExternalId,
          stage_external_id: o.stageExternalId,
          contact_external_id: o.contactExternalId,
          name: o.name,
          status: o.status,
          value_micros: o.valueMicros,
          currency: o.currency,
          won_at: o.wonAt,
          lost_at: o.lostAt,
          platform_created_at: o.createdAt,
          platform_updated_at: o.updatedAt,
          synced_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['connection_id', 'external_id']).doUpdateSet((eb) => ({
          pipeline_external_id: eb.ref('excluded.pipeline_external_id'),
          stage_external_id: eb.ref('excluded.stage_external_id'),
          contact_external_id: eb.ref('excluded.contact_external_id'),
          name: eb.ref('excluded.name'),
          status: eb.ref('excluded.status'),
          value_micros: eb.ref('excluded.value_micros'),
          currency: eb.ref('excluded.currency'),
          won_at: eb.ref('excluded.won_at'),
          lost_at: eb.ref('excluded.lost_at'),
          platform_updated_at: eb.ref('excluded.platform_updated_at'),
          synced_at: eb.ref('excluded.synced_at'),
        })),
      )
      .execute();
  }
  return opps.length;
}

/** A stream's position (last synced day, last updatedAt seen), per account or connection. */
export async function readCursor(
  trx: Executor,
  organizationId: string,
  scopeId: string,
  stream: string,
): Promise<string | undefined> {
  const row = await trx
    .selectFrom('sync_cursors')
    .select('value')
    .where('organization_id', '=', organizationId)
    .where('scope_id', '=', scopeId)
    .where('stream', '=', stream)
    .executeTakeFirst();
  return row?.value;
}

export async function writeCursor(
  trx: Executor,
  organizationId: string,
  scopeId: string,
  stream: string,
  value: string,
  now: string,
) {
  await trx
    .insertInto('sync_cursors')
    .values({ organization_id: organizationId, scope_id: scopeId, stream, value, updated_at: now })
    .onConflict((oc) => oc.columns(['scope_id', 'stream']).doUpdateSet({ value, updated_at: now }))
    .execute();
}
