/**
 * Whether an entity existed during a report's period, for the "no delivery" lines of the CSV: a
 * line of zeros says "it was there and did not deliver", which is false of a campaign launched after
 * the period or removed before it. Omnify keeps no history of statuses, so existence is judged on
 * the evidence it has, and an entity is listed unless that evidence says otherwise:
 *
 * - **Came later.** A campaign whose start date (the platform's) is after the period; an ad the
 *   platform says was created after it; an ad group or ad of such a campaign; without a platform
 *   date, an entity Omnify first saw after the period although it was already syncing the entity's
 *   ad account before the period ended (so the entity was not there yet). An entity of an account
 *   first synced after the period (a connection made later, its history backfilled) is listed: its
 *   absence then was never observed. A client (Omnify's own record) created after the period.
 * - **Gone before.** A removed entity, or one under a removed ad account, campaign or ad group, that
 *   delivered nothing from the period's first day on (a removed one that delivered after the period
 *   was still there during it). A client archived before the period: its `updated_at`, which is at
 *   or after the archiving, is before the period's first day.
 *
 * The SQL reads only the organization's rows (every subquery filters on it) and refers to the
 * listed entity as `e`.
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { EntityLevel } from './analytics.repo.ts';
import { addDays } from './periods.ts';

export interface Period {
  from: string;
  to: string;
}

const never = sql<SqlBool>`(1 = 0)`;

/** True when the listed entity `e` of `level` existed during `period` (see above). */
export function existedDuring(
  level: EntityLevel,
  organizationId: string,
  period: Period,
): RawBuilder<SqlBool> {
  const org = organizationId;
  // Timestamps are ISO strings (text in both dialects): compared with the period's bounds as instants.
  const endOfTo = `${addDays(period.to, 1)}T00:00:00.000Z`;
  const startOfFrom = `${period.from}T00:00:00.000Z`;
  if (level === 'client')
    return sql<SqlBool>`(e.created_at < ${endOfTo} and not (e.status = 'archived' and e.updated_at < ${startOfFrom}))`;

  // First seen after the period by a sync of an account Omnify already synced before it ended.
  const seenLate = sql<SqlBool>`(e.first_seen_at >= ${endOfTo} and exists (select 1 from ad_accounts a where a.organization_id = ${org} and a.id = e.ad_account_id and a.created_at < ${endOfTo}))`;
  const campaignStartsLate = sql<SqlBool>`exists (select 1 from campaigns c where c.organization_id = ${org} and c.id = e.campaign_id and c.start_date > ${period.to})`;
  const cameLater =
    level === 'account'
      ? never
      : level === 'campaign'
        ? sql<SqlBool>`((e.start_date is not null and e.start_date > ${period.to}) or (e.start_date is null and ${seenLate}))`
        : level === 'adGroup'
          ? sql<SqlBool>`(${campaignStartsLate} or ${seenLate})`
          : sql<SqlBool>`(${campaignStartsLate} or (e.platform_created_at is not null and e.platform_created_at >= ${endOfTo}) or (e.platform_created_at is null and ${seenLate}))`;

  const removedParents: RawBuilder<SqlBool>[] = [];
  if (level !== 'account')
    removedParents.push(
      sql<SqlBool>`exists (select 1 from ad_accounts a where a.organization_id = ${org} and a.id = e.ad_account_id and a.status = 'removed')`,
    );
  if (level === 'adGroup' || level === 'ad')
    removedParents.push(
      sql<SqlBool>`exists (select 1 from campaigns c where c.organization_id = ${org} and c.id = e.campaign_id and c.status = 'removed')`,
    );
  if (level === 'ad')
    removedParents.push(
      sql<SqlBool>`exists (select 1 from ad_groups g where g.organization_id = ${org} and g.id = e.ad_group_id and g.status = 'removed')`,
    );
  const removed = sql<SqlBool>`(${sql.join([sql`e.status = 'removed'`, ...removedParents], sql` or `)})`;
  // Delivery from the period's first day on: none in the period (the line is one of no delivery), so after it.
  const deliveredSince =
    level === 'account'
      ? sql<SqlBool>`exists (select 1 from daily_metrics_by_account m where m.organization_id = ${org} and m.ad_account_id = e.id and m.date >= ${period.from})`
      : sql<SqlBool>`exists (select 1 from daily_metrics m where m.organization_id = ${org} and ${sql.ref(
          `m.${level === 'campaign' ? 'campaign_id' : level === 'adGroup' ? 'ad_group_id' : 'ad_id'}`,
        )} = e.id and m.date >= ${period.from})`;
  return sql<SqlBool>`(not ${cameLater} and not (${removed} and not ${deliveredSince}))`;
}
