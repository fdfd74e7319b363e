/**
 * The unified store of the data plane: connections, ad accounts, campaigns, ad groups, ads with
 * their creatives, daily metrics per ad and day (and their revisions, for late conversions), CRM
 * records, sync history, write-back actions and FX rates. Natural keys are unique so that syncs
 * upsert idempotently.
 */
import type { OmnifyMigration } from '../migrate.ts';
import { idColumn, orgColumn, secureTables, timestamps } from './helpers.ts';

export const dataPlane: OmnifyMigration = {
  async up(ctx) {
    const { db } = ctx;
    await db.schema
      .createTable('connections')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('client_id', 'text', (c) => c.references('clients.id').onDelete('set null'))
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('tokens_sealed', 'text')
      .addColumn('token_expires_at', 'text')
      .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('last_sync_at', 'text')
      .addColumn('last_error', 'text')
      .addColumn('created_by', 'text')
      .$call(timestamps)
      .execute();
    await db.schema
      .createIndex('connections_org')
      .on('connections')
      .columns(['organization_id', 'platform'])
      .execute();

    await db.schema
      .createTable('oauth_states')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('state_hash', 'text', (c) => c.notNull().unique())
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text')
      .addColumn('connection_id', 'text')
      .addColumn('code_verifier_sealed', 'text')
      .addColumn('created_by', 'text')
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('ad_accounts')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
      .addColumn('client_id', 'text')
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('external_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('time_zone', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .$call(timestamps)
      .addUniqueConstraint('ad_accounts_natural', ['organization_id', 'platform', 'external_id'])
      .execute();

    const entity = (name: string) =>
      db.schema
        .createTable(name)
        .$call(idColumn)
        .$call(orgColumn)
        .addColumn('ad_account_id', 'text', (c) =>
          c.notNull().references('ad_accounts.id').onDelete('cascade'),
        )
        .addColumn('client_id', 'text')
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('first_seen_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint(`${name}_natural`, ['ad_account_id', 'external_id']);

    await entity('campaigns')
      .addColumn('objective', 'text')
      .addColumn('daily_budget_micros', 'bigint')
      .addColumn('lifetime_budget_micros', 'bigint')
      .addColumn('start_date', 'text')
      .addColumn('end_date', 'text')
      .execute();
    await db.schema
      .createIndex('campaigns_org')
      .on('campaigns')
      .columns(['organization_id', 'client_id'])
      .execute();

    await entity('ad_groups')
      .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
      .addColumn('daily_budget_micros', 'bigint')
      .execute();
    await db.schema
      .createIndex('ad_groups_campaign')
      .on('ad_groups')
      .columns(['organization_id', 'campaign_id'])
      .execute();

    await entity('ads')
      .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
      .addColumn('ad_group_id', 'text', (c) => c.notNull().references('ad_groups.id').onDelete('cascade'))
      .addColumn('creative_external_id', 'text')
      .addColumn('creative_format', 'text', (c) => c.notNull())
      .addColumn('headline', 'text')
      .addColumn('body', 'text')
      .addColumn('call_to_action', 'text')
      .addColumn('media_url', 'text')
      .addColumn('landing_url', 'text')
      .addColumn('platform_created_at', 'text')
      .execute();
    await db.schema
      .createIndex('ads_campaign')
      .on('ads')
      .columns(['organization_id', 'campaign_id'])
      .execute();

    // One row per ad and day, denormalised (account, campaign, client, platform, currency) so that
    // analytics group and filter without joins.
    await db.schema
      .createTable('daily_metrics')
      .$call(orgColumn)
      .addColumn('ad_id', 'text', (c) => c.notNull().references('ads.id').onDelete('cascade'))
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('ad_account_id', 'text', (c) => c.notNull())
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('ad_group_id', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text')
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('impressions', 'bigint', (c) => c.notNull())
      .addColumn('clicks', 'bigint', (c) => c.notNull())
      .addColumn('spend_micros', 'bigint', (c) => c.notNull())
      .addColumn('conversions', 'double precision', (c) => c.notNull())
      .addColumn('conversion_value_micros', 'bigint', (c) => c.notNull())
      .addColumn('reach', 'bigint')
      .addColumn('frequency', 'double precision')
      .addColumn('video_views', 'bigint')
      .addColumn('synced_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('daily_metrics_pk', ['organization_id', 'ad_id', 'date'])
      .execute();
    await db.schema
      .createIndex('daily_metrics_org_date')
      .on('daily_metrics')
      .columns(['organization_id', 'date'])
      .execute();
    await db.schema
      .createIndex('daily_metrics_campaign_date')
      .on('daily_metrics')
      .columns(['organization_id', 'campaign_id', 'date'])
      .execute();
    await db.schema
      .createIndex('daily_metrics_client_date')
      .on('daily_metrics')
      .columns(['organization_id', 'client_id', 'date'])
      .execute();

    // Each time a platform restates a day (late conversions), the earlier figures are kept here.
    await db.schema
      .createTable('daily_metric_revisions')
      .$call(orgColumn)
      .addColumn('ad_id', 'text', (c) => c.notNull())
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('observed_at', 'text', (c) => c.notNull())
      .addColumn('conversions', 'double precision', (c) => c.notNull())
      .addColumn('conversion_value_micros', 'bigint', (c) => c.notNull())
      .addColumn('spend_micros', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('daily_metric_revisions_ad')
      .on('daily_metric_revisions')
      .columns(['organization_id', 'ad_id', 'date'])
      .execute();

    await db.schema
      .createTable('crm_contacts')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
      .addColumn('client_id', 'text')
      .addColumn('external_id', 'text', (c) => c.notNull())
      .addColumn('email', 'text')
      .addColumn('phone', 'text')
      .addColumn('first_name', 'text')
      .addColumn('last_name', 'text')
      .addColumn('source', 'text')
      .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('gclid', 'text')
      .addColumn('fbclid', 'text')
      .addColumn('li_fat_id', 'text')
      .addColumn('utm_source', 'text')
      .addColumn('utm_medium', 'text')
      .addColumn('utm_campaign', 'text')
      .addColumn('utm_content', 'text')
      .addColumn('utm_term', 'text')
      .addColumn('platform_created_at', 'text', (c) => c.notNull())
      .addColumn('platform_updated_at', 'text', (c) => c.notNull())
      .addColumn('synced_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('crm_contacts_natural', ['connection_id', 'external_id'])
      .execute();
    await db.schema
      .createIndex('crm_contacts_gclid')
      .on('crm_contacts')
      .columns(['organization_id', 'gclid'])
      .execute();
    await db.schema
      .createIndex('crm_contacts_fbclid')
      .on('crm_contacts')
      .columns(['organization_id', 'fbclid'])
      .execute();

    await db.schema
      .createTable('crm_pipelines')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
      .addColumn('external_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('stages', 'text', (c) => c.notNull())
      .addColumn('synced_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('crm_pipelines_natural', ['connection_id', 'external_id'])
      .execute();

    await db.schema
      .createTable('crm_opportunities')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
      .addColumn('client_id', 'text')
      .addColumn('external_id', 'text', (c) => c.notNull())
      .addColumn('pipeline_external_id', 'text', (c) => c.notNull())
      .addColumn('stage_external_id', 'text', (c) => c.notNull())
      .addColumn('contact_external_id', 'text')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('value_micros', 'bigint', (c) => c.notNull())
      .addColumn('currency', 'text')
      .addColumn('won_at', 'text')
      .addColumn('lost_at', 'text')
      .addColumn('platform_created_at', 'text', (c) => c.notNull())
      .addColumn('platform_updated_at', 'text', (c) => c.notNull())
      .addColumn('synced_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('crm_opportunities_natural', ['connection_id', 'external_id'])
      .execute();

    await db.schema
      .createTable('sync_runs')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('job_id', 'text')
      .addColumn('range_from', 'text')
      .addColumn('range_to', 'text')
      .addColumn('units_total', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('units_done', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('cursor', 'text')
      .addColumn('rows_upserted', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('calls_made', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('errors', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .execute();
    await db.schema
      .createIndex('sync_runs_connection')
      .on('sync_runs')
      .columns(['organization_id', 'connection_id', 'started_at'])
      .execute();

    await db.schema
      .createTable('sync_cursors')
      .$call(orgColumn)
      // An ad account id (metrics stream) or a connection id (CRM streams).
      .addColumn('scope_id', 'text', (c) => c.notNull())
      .addColumn('stream', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('sync_cursors_pk', ['scope_id', 'stream'])
      .execute();

    await db.schema
      .createTable('write_actions')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('connection_id', 'text', (c) => c.notNull())
      .addColumn('ad_account_id', 'text', (c) => c.notNull())
      .addColumn('level', 'text', (c) => c.notNull())
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addColumn('external_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('before', 'text')
      .addColumn('after', 'text')
      .addColumn('error', 'text')
      .addColumn('actor_type', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('applied_at', 'text')
      .addUniqueConstraint('write_actions_idem', ['organization_id', 'idempotency_key'])
      .execute();

    await db.schema
      .createTable('fx_rates')
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('base', 'text', (c) => c.notNull())
      .addColumn('quote', 'text', (c) => c.notNull())
      .addColumn('rate', 'double precision', (c) => c.notNull())
      .addPrimaryKeyConstraint('fx_rates_pk', ['date', 'base', 'quote'])
      .execute();

    await secureTables(
      ctx,
      [
        'connections',
        'oauth_states',
        'ad_accounts',
        'campaigns',
        'ad_groups',
        'ads',
        'daily_metrics',
        'daily_metric_revisions',
        'crm_contacts',
        'crm_pipelines',
        'crm_opportunities',
        'sync_runs',
        'sync_cursors',
        'write_actions',
      ],
      ['fx_rates'],
    );
  },
};
