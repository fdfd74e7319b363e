/** CRM records synced from GoHighLevel (and the like): contacts and opportunities, read-only. */
import { decodeCursor, type Page, toPage } from '../../platform/pagination.ts';
import type { Storage } from '../../storage/db.ts';
import type { CrmContactsTable, CrmOpportunitiesTable } from '../../storage/schema.ts';
import { addDays } from '../analytics/periods.ts';
import type { Ctx } from '../auth/context.ts';
import { assertFilterIds } from './catalog.filters.ts';

export interface CrmContact {
  id: string;
  connectionId: string;
  clientId: string | null;
  externalId: string;
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
  source: string | null;
  tags: string[];
  gclid: string | null;
  fbclid: string | null;
  liFatId: string | null;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  utmContent: string | null;
  utmTerm: string | null;
  platformCreatedAt: string;
  platformUpdatedAt: string;
  syncedAt: string;
}

export interface CrmOpportunity {
  id: string;
  connectionId: string;
  clientId: string | null;
  externalId: string;
  pipelineExternalId: string;
  stageExternalId: string;
  contactExternalId: string | null;
  name: string;
  status: string;
  valueMicros: number;
  currency: string | null;
  wonAt: string | null;
  lostAt: string | null;
  platformCreatedAt: string;
  platformUpdatedAt: string;
  syncedAt: string;
}

function parseTags(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

export const toContact = (r: CrmContactsTable): CrmContact => ({
  id: r.id,
  connectionId: r.connection_id,
  clientId: r.client_id,
  externalId: r.external_id,
  email: r.email,
  phone: r.phone,
  firstName: r.first_name,
  lastName: r.last_name,
  source: r.source,
  tags: parseTags(r.tags),
  gclid: r.gclid,
  fbclid: r.fbclid,
  liFatId: r.li_fat_id,
  utmSource: r.utm_source,
  utmMedium: r.utm_medium,
  utmCampaign: r.utm_campaign,
  utmContent: r.utm_content,
  utmTerm: r.utm_term,
  platformCreatedAt: r.platform_created_at,
  platformUpdatedAt: r.platform_updated_at,
  syncedAt: r.synced_at,
});

export const toOpportunity = (r: CrmOpportunitiesTable): CrmOpportunity => ({
  id: r.id,
  connectionId: r.connection_id,
  clientId: r.client_id,
  externalId: r.external_id,
  pipelineExternalId: r.pipeline_external_id,
  stageExternalId: r.stage_external_id,
  contactExternalId: r.contact_external_id,
  name: r.name,
  status: r.status,
  valueMicros: Number(r.value_micros),
  currency: r.currency,
  wonAt: r.won_at,
  lostAt: r.lost_at,
  platformCreatedAt: r.platform_created_at,
  platformUpdatedAt: r.platform_updated_at,
  syncedAt: r.synced_at,
});

export interface ContactFilter {
  clientId?: string;
  email?: string;
  hasGclid?: boolean;
  hasFbclid?: boolean;
  hasLiFatId?: boolean;
  /** ISO timestamp: contacts the CRM changed at or after it. */
  updatedSince?: string;
  limit: number;
  cursor?: string;
}

export interface OpportunityFilter {
  clientId?: string;
  status?: string;
  /** Pipeline external id. */
  pipeline?: string;
  /** Days (YYYY-MM-DD, UTC, both included) the opportunity was won / lost in. */
  wonFrom?: string;
  wonTo?: string;
  lostFrom?: string;
  lostTo?: string;
  limit: number;
  cursor?: string;
}

export function createCrm({ storage }: { storage: Storage }) {
  async function listContacts(ctx: Ctx, f: ContactFilter): Promise<Page<CrmContact>> {
    const cursor = decodeCursor(f.cursor, 'id');
    return storage.withTenant(ctx.organizationId, async (trx) => {
      await assertFilterIds(trx, ctx.organizationId, { clientId: f.clientId });
      let q = trx.selectFrom('crm_contacts').selectAll().where('organization_id', '=', ctx.organizationId);
      if (f.clientId) q = q.where('client_id', '=', f.clientId);
      if (f.email) {
        const email = f.email.toLowerCase();
        q = q.where((eb) => eb(eb.fn('lower', ['email']), '=', email));
      }
      const presence = [
        ['gclid', f.hasGclid],
        ['fbclid', f.hasFbclid],
        ['li_fat_id', f.hasLiFatId],
      ] as const;
      for (const [column, has] of presence) {
        if (has === undefined) continue;
        // An empty string is no click id either.
        q = has
          ? q.where(column, 'is not', null).where(column, '!=', '')
          : q.where((eb) => eb.or([eb(column, 'is', null), eb(column, '=', '')]));
      }
      if (f.updatedSince) q = q.where('platform_updated_at', '>=', f.updatedSince);
      if (cursor) q = q.where('id', '<', cursor);
      const rows = await q
        .orderBy('id', 'desc')
        .limit(f.limit + 1)
        .execute();
      return toPage(rows.map(toContact), f.limit, (c) => c.id);
    });
  }

  async function listOpportunities(ctx: Ctx, f: OpportunityFilter): Promise<Page<CrmOpportunity>> {
    const cursor = decodeCursor(f.cursor, 'id');
    return storage.withTenant(ctx.organizationId, async (trx) => {
      await assertFilterIds(trx, ctx.organizationId, { clientId: f.clientId });
      let q = trx
        .selectFrom('crm_opportunities')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId);
      if (f.clientId) q = q.where('client_id', '=', f.clientId);
      if (f.status) q = q.where('status', '=', f.status);
      if (f.pipeline) q = q.where('pipeline_external_id', '=', f.pipeline);
      // Timestamps are ISO text: a day range is [from, to + 1 day) compared as text.
      if (f.wonFrom) q = q.where('won_at', '>=', f.wonFrom);
      if (f.wonTo) q = q.where('won_at', '<', addDays(f.wonTo, 1));
      if (f.lostFrom) q = q.where('lost_at', '>=', f.lostFrom);
      if (f.lostTo) q = q.where('lost_at', '<', addDays(f.lostTo, 1));
      if (cursor) q = q.where('id', '<', cursor);
      const rows = await q
        .orderBy('id', 'desc')
        .limit(f.limit + 1)
        .execute();
      return toPage(rows.map(toOpportunity), f.limit, (o) => o.id);
    });
  }

  return { listContacts, listOpportunities };
}

export type Crm = ReturnType<typeof createCrm>;
