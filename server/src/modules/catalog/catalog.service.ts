/**
 * The unified advertising model, read-only: ad accounts, campaigns, ad groups and ads (with their
 * creatives) as the syncs store them, newest first with cursor pagination. Budgets carry the
 * currency of their ad account.
 */
import { notFound } from '../../platform/errors.ts';
import { decodeCursor, type Page, toPage } from '../../platform/pagination.ts';
import type { Storage, Trx } from '../../storage/db.ts';
import type { Database } from '../../storage/schema.ts';
import type { Ctx } from '../auth/context.ts';
import { assertFilterIds } from './catalog.filters.ts';
import {
  type Ad,
  type AdAccount,
  type AdGroup,
  type Campaign,
  likePattern,
  toAd,
  toAdAccount,
  toAdGroup,
  toCampaign,
  type WithCurrency,
} from './catalog.mapping.ts';

export type { Ad, AdAccount, AdGroup, Campaign, Creative } from './catalog.mapping.ts';

export interface CatalogFilter {
  clientId?: string;
  platform?: string;
  adAccountId?: string;
  campaignId?: string;
  adGroupId?: string;
  connectionId?: string;
  status?: string;
  q?: string;
  limit: number;
  cursor?: string;
}

export function createCatalog({ storage }: { storage: Storage }) {
  async function listAdAccounts(ctx: Ctx, f: CatalogFilter): Promise<Page<AdAccount>> {
    const cursor = decodeCursor(f.cursor, 'id');
    return storage.withTenant(ctx.organizationId, async (trx) => {
      await assertFilterIds(trx, ctx.organizationId, { clientId: f.clientId, connectionId: f.connectionId });
      let q = trx.selectFrom('ad_accounts').selectAll().where('organization_id', '=', ctx.organizationId);
      if (f.clientId) q = q.where('client_id', '=', f.clientId);
      if (f.platform) q = q.where('platform', '=', f.platform);
      if (f.connectionId) q = q.where('connection_id', '=', f.connectionId);
      if (f.status) q = q.where('status', '=', f.status);
      if (f.q) {
        const like = likePattern(f.q);
        const exact = f.q;
        q = q.where((eb) =>
          eb.or([eb(eb.fn('lower', ['name']), 'like', like), eb('external_id', '=', exact)]),
        );
      }
      if (cursor) q = q.where('id', '<', cursor);
      const rows = await q
        .orderBy('id', 'desc')
        .limit(f.limit + 1)
        .execute();
      return toPage(rows.map(toAdAccount), f.limit, (a) => a.id);
    });
  }

  async function getAdAccount(ctx: Ctx, id: string): Promise<AdAccount> {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const row = await trx
        .selectFrom('ad_accounts')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw notFound('Ad account', id);
      return toAdAccount(row);
    });
  }

  /** Campaigns, ad groups or ads, joined to their account for the currency, with the shared filters. */
  function entities<T extends 'campaigns' | 'ad_groups' | 'ads'>(
    table: T,
    ctx: Ctx,
    f: CatalogFilter,
    cursor?: string,
  ) {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      await assertFilterIds(trx, ctx.organizationId, {
        clientId: f.clientId,
        adAccountId: f.adAccountId,
        ...(table !== 'campaigns' ? { campaignId: f.campaignId } : {}),
        ...(table === 'ads' ? { adGroupId: f.adGroupId } : {}),
      });
      // Kysely cannot type one query over three tables: the three share these columns.
      let q = trx
        .selectFrom(`${table} as e` as 'campaigns as e')
        .innerJoin('ad_accounts as a', 'a.id', 'e.ad_account_id')
        .selectAll('e')
        .select('a.currency')
        .where('e.organization_id', '=', ctx.organizationId)
        .where('a.organization_id', '=', ctx.organizationId);
      if (f.clientId) q = q.where('e.client_id', '=', f.clientId);
      if (f.platform) q = q.where('e.platform', '=', f.platform);
      if (f.adAccountId) q = q.where('e.ad_account_id', '=', f.adAccountId);
      if (f.status) q = q.where('e.status', '=', f.status);
      if (f.campaignId && table !== 'campaigns') q = q.where('e.campaign_id' as 'e.id', '=', f.campaignId);
      if (f.adGroupId && table === 'ads') q = q.where('e.ad_group_id' as 'e.id', '=', f.adGroupId);
      if (f.q) {
        const like = likePattern(f.q);
        const exact = f.q;
        q = q.where((eb) =>
          eb.or([eb(eb.fn('lower', ['e.name']), 'like', like), eb('e.external_id', '=', exact)]),
        );
      }
      if (cursor) q = q.where('e.id', '<', cursor);
      return (await q
        .orderBy('e.id', 'desc')
        .limit(f.limit + 1)
        .execute()) as unknown as Array<WithCurrency<Database[T]>>;
    });
  }

  const listCampaigns = async (ctx: Ctx, f: CatalogFilter): Promise<Page<Campaign>> =>
    toPage(
      (await entities('campaigns', ctx, f, decodeCursor(f.cursor, 'id'))).map(toCampaign),
      f.limit,
      (c) => c.id,
    );
  const listAdGroups = async (ctx: Ctx, f: CatalogFilter): Promise<Page<AdGroup>> =>
    toPage(
      (await entities('ad_groups', ctx, f, decodeCursor(f.cursor, 'id'))).map(toAdGroup),
      f.limit,
      (c) => c.id,
    );
  const listAds = async (ctx: Ctx, f: CatalogFilter): Promise<Page<Ad>> =>
    toPage((await entities('ads', ctx, f, decodeCursor(f.cursor, 'id'))).map(toAd), f.limit, (c) => c.id);

  async function one<T extends 'campaigns' | 'ad_groups' | 'ads'>(trx: Trx, table: T, ctx: Ctx, id: string) {
    const row = await trx
      .selectFrom(`${table} as e` as 'campaigns as e')
      .innerJoin('ad_accounts as a', 'a.id', 'e.ad_account_id')
      .selectAll('e')
      .select(['a.currency', 'a.name as ad_account_name'])
      .where('e.organization_id', '=', ctx.organizationId)
      .where('a.organization_id', '=', ctx.organizationId)
      .where('e.id', '=', id)
      .executeTakeFirst();
    return row as unknown as (WithCurrency<Database[T]> & { ad_account_name: string }) | undefined;
  }

  const nameOf = async (trx: Trx, table: 'campaigns' | 'ad_groups', ctx: Ctx, id: string) =>
    (
      await trx
        .selectFrom(table)
        .select('name')
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', id)
        .executeTakeFirst()
    )?.name ?? null;

  const countOf = async (trx: Trx, table: 'ad_groups' | 'ads', ctx: Ctx, campaignId: string) =>
    Number(
      (
        await trx
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('organization_id', '=', ctx.organizationId)
          .where('campaign_id', '=', campaignId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  /** A campaign with its account's name and how many ad groups and ads it holds. */
  const getCampaign = (ctx: Ctx, id: string) =>
    storage.withTenant(ctx.organizationId, async (trx) => {
      const row = await one(trx, 'campaigns', ctx, id);
      if (!row) throw notFound('Campaign', id);
      return {
        ...toCampaign(row),
        adAccountName: row.ad_account_name,
        adGroupCount: await countOf(trx, 'ad_groups', ctx, id),
        adCount: await countOf(trx, 'ads', ctx, id),
      };
    });

  const getAdGroup = (ctx: Ctx, id: string) =>
    storage.withTenant(ctx.organizationId, async (trx) => {
      const row = await one(trx, 'ad_groups', ctx, id);
      if (!row) throw notFound('Ad group', id);
      return {
        ...toAdGroup(row),
        adAccountName: row.ad_account_name,
        campaignName: await nameOf(trx, 'campaigns', ctx, row.campaign_id),
      };
    });

  /** An ad with its creative and the names of its account, campaign and ad group. */
  const getAd = (ctx: Ctx, id: string) =>
    storage.withTenant(ctx.organizationId, async (trx) => {
      const row = await one(trx, 'ads', ctx, id);
      if (!row) throw notFound('Ad', id);
      return {
        ...toAd(row),
        adAccountName: row.ad_account_name,
        campaignName: await nameOf(trx, 'campaigns', ctx, row.campaign_id),
        adGroupName: await nameOf(trx, 'ad_groups', ctx, row.ad_group_id),
      };
    });

  return {
    listAdAccounts,
    getAdAccount,
    listCampaigns,
    getCampaign,
    listAdGroups,
    getAdGroup,
    listAds,
    getAd,
  };
}

export type Catalog = ReturnType<typeof createCatalog>;
