/**
 * Meta (Facebook / Instagram) ads through the Marketing API on graph.facebook.com. Budgets live on
 * ad sets (Omnify's ad groups) or, with campaign budget optimisation, on campaigns.
 */
import {
  type AccountStructure,
  type AdsApi,
  type ConnectorContext,
  type ConnectorDefinition,
  ConnectorError,
  type EntityStatus,
  type VendorSettings,
  type WriteAction,
} from '../connector.port.ts';
import { graph, graphEdge, type Scope } from './client.ts';
import { defaultInsightsOptions, type InsightsOptions, readDailyMetrics } from './insights.ts';
import {
  type AccountInfo,
  budgetToMicros,
  entityStatus,
  microsToBudget,
  toAccount,
  toAd,
  toAdGroup,
  toCampaign,
} from './mapping.ts';
import { metaOAuth } from './oauth.ts';

export const META_API_VERSION = 'v27.0';

export const metaDefaultSettings: VendorSettings = {
  apiBaseUrl: 'https://graph.facebook.com',
  authorizeUrl: `https://www.facebook.com/${META_API_VERSION}/dialog/oauth`,
  tokenUrl: `https://graph.facebook.com/${META_API_VERSION}/oauth/access_token`,
  apiVersion: META_API_VERSION,
  pageSize: 500,
};

const ACCOUNT_FIELDS = 'id,account_id,name,currency,timezone_name,account_status';
const CAMPAIGN_FIELDS = 'id,name,status,objective,daily_budget,lifetime_budget,start_time,stop_time';
const ADSET_FIELDS = 'id,name,status,campaign_id,daily_budget,lifetime_budget';
const CREATIVE_FIELDS =
  'id,title,body,call_to_action_type,image_url,video_id,thumbnail_url,object_type,link_url,object_story_spec,asset_feed_spec';
const AD_FIELDS = `id,name,status,adset_id,campaign_id,created_time,creative{${CREATIVE_FIELDS}}`;

const accountKey = (accountId: string) => {
  const id = accountId.replace(/^act_/, '');
  if (!/^\d+$/.test(id)) throw new ConnectorError('invalid', `Not a Meta ad account id: ${accountId}`);
  return id;
};
const limitOf = (ctx: ConnectorContext) => ctx.settings.pageSize ?? metaDefaultSettings.pageSize ?? 500;

async function collect<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of it) out.push(...page);
  return out;
}

async function accountInfo(ctx: ConnectorContext, scope: Scope, accountId: string): Promise<AccountInfo> {
  const a = toAccount(
    await graph(ctx, scope, { path: `act_${accountId}`, params: { fields: ACCOUNT_FIELDS } }),
  );
  if (!a.currency)
    throw new ConnectorError('transient', `Meta returned ad account ${accountId} without a currency`);
  return { externalId: accountId, currency: a.currency, timeZone: a.timeZone };
}

export interface MetaConnectorOptions extends InsightsOptions {
  /**
   * Wait when Meta throttles without an estimate (codes 4/17/32/613); unset = the shared loop's
   * exponential backoff. Tests set a few ms: the contract's budget spy does not advance time.
   */
  fallbackThrottleWaitMs?: number;
}

function createAdsApi(options: MetaConnectorOptions): AdsApi {
  const scopeFor = (budgetKey: string): Scope => ({
    budgetKey,
    fallbackWaitMs: options.fallbackThrottleWaitMs,
  });
  return {
    async listAccounts(ctx) {
      const rows = await collect(
        graphEdge(
          ctx,
          scopeFor('meta:me'),
          { path: 'me/adaccounts', params: { fields: ACCOUNT_FIELDS } },
          limitOf(ctx),
        ),
      );
      return rows.map(toAccount);
    },

    async fetchStructure(ctx, accountExternalId): Promise<AccountStructure> {
      const accountId = accountKey(accountExternalId);
      const key = scopeFor(`meta:${accountId}`);
      const acc = await accountInfo(ctx, key, accountId);
      const edge = (name: string, fields: string) =>
        collect(graphEdge(ctx, key, { path: `act_${accountId}/${name}`, params: { fields } }, limitOf(ctx)));
      const campaigns = await edge('campaigns', CAMPAIGN_FIELDS);
      const adSets = await edge('adsets', ADSET_FIELDS);
      const ads = await edge('ads', AD_FIELDS);
      return {
        campaigns: campaigns.map((c) => toCampaign(c, acc)),
        adGroups: adSets.map((s) => toAdGroup(s, acc)),
        ads: ads.map(toAd),
      };
    },

    fetchDailyMetrics(ctx, accountExternalId, range) {
      const accountId = accountKey(accountExternalId);
      return readDailyMetrics(ctx, scopeFor(`meta:${accountId}`), accountId, range, limitOf(ctx), options);
    },

    async apply(ctx, accountExternalId, action: WriteAction) {
      const accountId = accountKey(accountExternalId);
      const key = scopeFor(`meta:${accountId}`);
      if (!/^\d+$/.test(action.externalId))
        throw new ConnectorError('invalid', `Not a Meta object id: ${action.externalId}`);
      const budgetWrite = action.type === 'set_daily_budget';
      if (budgetWrite && action.level !== 'campaign' && action.level !== 'ad_group')
        throw new ConnectorError('invalid', 'Meta daily budgets live on campaigns or ad sets');
      const [acc, current] = await Promise.all([
        budgetWrite ? accountInfo(ctx, key, accountId) : Promise.resolve(null),
        // Ads have no budget field; asking for one would be a (#100) nonexisting-field error.
        graph(ctx, key, {
          path: action.externalId,
          params: {
            fields: action.level === 'ad' ? 'id,account_id,status' : 'id,account_id,status,daily_budget',
          },
        }),
      ]);
      // Never write to an object outside the connected ad account.
      if (String(current.account_id ?? '') !== accountId)
        throw new ConnectorError(
          'invalid',
          `Meta object ${action.externalId} is not in ad account ${accountId}`,
        );
      if (action.type === 'set_status') {
        const before: EntityStatus = entityStatus(current.status);
        await write(ctx, key, action.externalId, {
          status: action.status === 'active' ? 'ACTIVE' : 'PAUSED',
        });
        return {
          externalId: action.externalId,
          before: { status: before },
          after: { status: action.status },
        };
      }
      const currency = acc?.currency ?? '';
      const daily_budget = microsToBudget(action.dailyBudgetMicros, currency);
      const before = budgetToMicros(current.daily_budget, currency);
      await write(ctx, key, action.externalId, { daily_budget });
      return {
        externalId: action.externalId,
        before: { dailyBudgetMicros: before },
        after: { dailyBudgetMicros: budgetToMicros(daily_budget, currency) },
      };
    },
  };
}

async function write(ctx: ConnectorContext, key: Scope, objectId: string, params: Record<string, string>) {
  const res = await graph(ctx, key, { method: 'POST', path: objectId, params });
  if (res.success !== true)
    throw new ConnectorError('transient', `Meta did not confirm the update of ${objectId}`);
}

/** Builds the connector; options exist for tests and tuning (when long ranges go async, polling). */
export function createMetaConnector(options: Partial<MetaConnectorOptions> = {}): ConnectorDefinition {
  return {
    platform: 'meta',
    displayName: 'Meta Ads',
    defaultSettings: metaDefaultSettings,
    oauth: metaOAuth,
    ads: createAdsApi({ ...defaultInsightsOptions, ...options }),
  };
}

export const meta: ConnectorDefinition = createMetaConnector();
