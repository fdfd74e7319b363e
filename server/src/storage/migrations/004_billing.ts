/**
 * Billing: one account row per organization that has met Stripe (customer, subscription, plan and
 * the subscription state last read from Stripe), the Stripe events already processed (each is
 * applied once), monthly usage counters (agent runs, API calls), and the ad accounts a sync found
 * but the plan could not admit (held, not synced, until the plan has room).
 */
import type { OmnifyMigration } from '../migrate.ts';
import { orgColumn, secureTables, timestamps } from './helpers.ts';

export const billing: OmnifyMigration = {
  async up(ctx) {
    const { db } = ctx;
    await db.schema
      .createTable('billing_accounts')
      .addColumn('organization_id', 'text', (c) =>
        c.primaryKey().references('organizations.id').onDelete('cascade'),
      )
      .addColumn('plan', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('stripe_customer_id', 'text', (c) => c.unique())
      .addColumn('stripe_subscription_id', 'text')
      .addColumn('subscription_created_at', 'text')
      .addColumn('price_id', 'text')
      .addColumn('trial_ends_at', 'text')
      .addColumn('current_period_end', 'text')
      .addColumn('cancel_at_period_end', 'integer', (c) => c.notNull().defaultTo(0))
      // When the subscription state written here was read from Stripe: an older read never overwrites a newer one.
      .addColumn('synced_at', 'text')
      .$call(timestamps)
      .execute();

    await db.schema
      .createTable('billing_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('organization_id', 'text')
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('stripe_created', 'bigint', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('billing_events_org')
      .on('billing_events')
      .columns(['organization_id', 'received_at'])
      .execute();

    await db.schema
      .createTable('billing_usage')
      .$call(orgColumn)
      .addColumn('metric', 'text', (c) => c.notNull())
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('billing_usage_pk', ['organization_id', 'metric', 'period'])
      .execute();

    await db.schema
      .createTable('billing_held_ad_accounts')
      .addColumn('ad_account_id', 'text', (c) =>
        c.primaryKey().references('ad_accounts.id').onDelete('cascade'),
      )
      .$call(orgColumn)
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await secureTables(ctx, [
      'billing_accounts',
      'billing_events',
      'billing_usage',
      'billing_held_ad_accounts',
    ]);
  },
};
