/**
 * Test fixtures: rows of the unified model written straight into the tables, as a sync would
 * leave them, for the catalog and analytics suites (and nothing else: never imported by the app).
 */
import { ulid } from '../../platform/ids.ts';
import type { Storage } from '../../storage/db.ts';
import type {
  AdAccountsTable,
  AdGroupsTable,
  AdsTable,
  CampaignsTable,
  ClientsTable,
  ConnectionsTable,
  CrmContactsTable,
  CrmOpportunitiesTable,
  DailyMetricsTable,
  Database,
} from '../../storage/schema.ts';

const NOW = '2024-03-01T00:00:00.000Z';
const id = (prefix: string) => `${prefix}_${ulid()}`;

export interface DayMetrics {
  date: string;
  impressions: number;
  clicks: number;
  spendMicros: number;
  conversions: number;
  conversionValueMicros: number;
  reach?: number | null;
}

export function fixtures(storage: Storage, organizationId: string) {
  const org = organizationId;
  const insert = <T extends keyof Database>(table: T, rows: Array<Database[T]>) =>
    storage.withTenant(org, async (trx) => {
      for (let i = 0; i < rows.length; i += 200)
        await trx
          .insertInto(table)
          .values(rows.slice(i, i + 200) as never) // Kysely cannot check a value list generic over the table
          .execute();
    });

  async function client(name: string): Promise<ClientsTable> {
    const row: ClientsTable = {
      id: id('cli'),
      organization_id: org,
      name,
      email: `${name.toLowerCase().replace(/\W+/g, '.')}.${ulid().slice(-6)}@example.test`,
      company: name,
      status: 'active',
      monthly_budget_micros: null,
      currency: 'USD',
      notes: null,
      created_at: NOW,
      updated_at: NOW,
    };
    await insert('clients', [row]);
    return row;
  }

  async function connection(platform: string, clientId: string | null = null): Promise<ConnectionsTable> {
    const row: ConnectionsTable = {
      id: id('con'),
      organization_id: org,
      client_id: clientId,
      platform,
      name: `${platform} connection`,
      status: 'active',
      tokens_sealed: null,
      token_expires_at: null,
      settings: '{}',
      last_sync_at: null,
      last_error: null,
      created_by: null,
      created_at: NOW,
      updated_at: NOW,
    };
    await insert('connections', [row]);
    return row;
  }

  async function account(o: {
    platform: string;
    currency: string;
    clientId?: string | null;
    name?: string;
    status?: string;
  }): Promise<AdAccountsTable> {
    const conn = await connection(o.platform, o.clientId ?? null);
    const row: AdAccountsTable = {
      id: id('acc'),
      organization_id: org,
      connection_id: conn.id,
      client_id: o.clientId ?? null,
      platform: o.platform,
      external_id: `ext-${ulid().slice(-8)}`,
      name: o.name ?? `${o.platform} account`,
      currency: o.currency,
      time_zone: 'UTC',
      status: o.status ?? 'active',
      enabled: 1,
      created_at: NOW,
      updated_at: NOW,
    };
    await insert('ad_accounts', [row]);
    return row;
  }

  const entity = (acc: AdAccountsTable, name: string, status = 'active') => ({
    id: '',
    organization_id: org,
    ad_account_id: acc.id,
    client_id: acc.client_id,
    platform: acc.platform,
    external_id: `ext-${ulid().slice(-10)}`,
    name,
    status,
    first_seen_at: NOW,
    updated_at: NOW,
  });

  async function campaign(
    acc: AdAccountsTable,
    name: string,
    o: Partial<CampaignsTable> = {},
  ): Promise<CampaignsTable> {
    const row: CampaignsTable = {
      ...entity(acc, name),
      id: id('cmp'),
      objective: 'conversions',
      daily_budget_micros: 50_000_000,
      lifetime_budget_micros: null,
      start_date: '2024-01-01',
      end_date: null,
      ...o,
    };
    await insert('campaigns', [row]);
    return row;
  }

  async function adGroup(acc: AdAccountsTable, cmp: CampaignsTable, name: string): Promise<AdGroupsTable> {
    const row: AdGroupsTable = {
      ...entity(acc, name),
      id: id('adg'),
      campaign_id: cmp.id,
      daily_budget_micros: null,
    };
    await insert('ad_groups', [row]);
    return row;
  }

  async function ad(
    acc: AdAccountsTable,
    grp: AdGroupsTable,
    name: string,
    o: Partial<AdsTable> = {},
  ): Promise<AdsTable> {
    const row: AdsTable = {
      ...entity(acc, name),
      id: id('ad'),
      campaign_id: grp.campaign_id,
      ad_group_id: grp.id,
      creative_external_id: `cr-${ulid().slice(-6)}`,
      creative_format: 'image',
      headline: `${name} headline`,
      body: `${name} body`,
      call_to_action: 'LEARN_MORE',
      media_url: 'https://cdn.example.test/a.jpg',
      landing_url: 'https://example.test/landing',
      platform_created_at: '2023-12-15T10:00:00.000Z',
      ...o,
    };
    await insert('ads', [row]);
    return row;
  }

  /** Daily metric rows of one ad, denormalised the way the sync writes them. */
  async function metrics(
    acc: AdAccountsTable,
    a: AdsTable,
    days: DayMetrics[],
  ): Promise<DailyMetricsTable[]> {
    const rows = days.map(
      (d): DailyMetricsTable => ({
        organization_id: org,
        ad_id: a.id,
        date: d.date,
        ad_account_id: acc.id,
        campaign_id: a.campaign_id,
        ad_group_id: a.ad_group_id,
        client_id: a.client_id,
        platform: a.platform,
        currency: acc.currency,
        impressions: d.impressions,
        clicks: d.clicks,
        spend_micros: d.spendMicros,
        conversions: d.conversions,
        conversion_value_micros: d.conversionValueMicros,
        reach: d.reach ?? null,
        frequency: d.reach ? d.impressions / d.reach : null,
        video_views: null,
        synced_at: NOW,
      }),
    );
    await insert('daily_metrics', rows);
    return rows;
  }

  async function contact(connectionId: string, o: Partial<CrmContactsTable> = {}): Promise<CrmContactsTable> {
    const row: CrmContactsTable = {
      id: id('crc'),
      organization_id: org,
      connection_id: connectionId,
      client_id: null,
      external_id: `c-${ulid().slice(-10)}`,
      email: null,
      phone: null,
      first_name: 'Ada',
      last_name: 'Lovelace',
      source: 'facebook',
      tags: '["lead"]',
      gclid: null,
      fbclid: null,
      li_fat_id: null,
      utm_source: null,
      utm_medium: null,
      utm_campaign: null,
      utm_content: null,
      utm_term: null,
      platform_created_at: '2024-01-01T00:00:00.000Z',
      platform_updated_at: '2024-01-01T00:00:00.000Z',
      synced_at: NOW,
      ...o,
    };
    await insert('crm_contacts', [row]);
    return row;
  }

  async function opportunity(
    connectionId: string,
    o: Partial<CrmOpportunitiesTable> = {},
  ): Promise<CrmOpportunitiesTable> {
    const row: CrmOpportunitiesTable = {
      id: id('opp'),
      organization_id: org,
      connection_id: connectionId,
      client_id: null,
      external_id: `o-${ulid().slice(-10)}`,
      pipeline_external_id: 'pipe-1',
      stage_external_id: 'stage-1',
      contact_external_id: null,
      name: 'Deal',
      status: 'open',
      value_micros: 1_000_000_000,
      currency: 'USD',
      won_at: null,
      lost_at: null,
      platform_created_at: '2024-01-01T00:00:00.000Z',
      platform_updated_at: '2024-01-01T00:00:00.000Z',
      synced_at: NOW,
      ...o,
    };
    await insert('crm_opportunities', [row]);
    return row;
  }

  return { client, connection, account, campaign, adGroup, ad, metrics, contact, opportunity };
}
