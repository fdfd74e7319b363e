/**
 * The GAQL the connector sends. Ids and dates are validated before they are interpolated, so a
 * query can never be widened or broken by an odd value.
 */
import { ConnectorError } from '../connector.port.ts';

/** Ids interpolated into GAQL must be plain digits (also keeps the query injection-free). */
export function gaqlId(id: string): string {
  if (!/^\d+$/.test(id)) throw new ConnectorError('invalid', `Not a Google Ads id: "${id}"`);
  return id;
}

function gaqlDate(d: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new ConnectorError('invalid', `Not a YYYY-MM-DD date: "${d}"`);
  return d;
}

const AD_FIELDS = [
  'ad_group_ad.ad.id',
  'ad_group_ad.ad.name',
  'ad_group_ad.ad.type',
  'ad_group_ad.ad.final_urls',
  'ad_group_ad.ad.responsive_search_ad.headlines',
  'ad_group_ad.ad.responsive_search_ad.descriptions',
  'ad_group_ad.ad.responsive_display_ad.headlines',
  'ad_group_ad.ad.responsive_display_ad.descriptions',
  'ad_group_ad.ad.responsive_display_ad.call_to_action_text',
  'ad_group_ad.ad.video_responsive_ad.headlines',
  'ad_group_ad.ad.video_responsive_ad.descriptions',
  'ad_group_ad.ad.video_responsive_ad.call_to_actions',
  'ad_group_ad.ad.expanded_text_ad.headline_part1',
  'ad_group_ad.ad.expanded_text_ad.description',
  'ad_group_ad.ad.image_ad.image_url',
  'ad_group_ad.status',
  'ad_group.id',
  'campaign.id',
];

export const queries = {
  customer:
    'SELECT customer.id, customer.descriptive_name, customer.currency_code, customer.time_zone, ' +
    'customer.status, customer.manager FROM customer',
  /** Every non-manager account under a manager, at any depth. */
  clients:
    'SELECT customer_client.id, customer_client.descriptive_name, customer_client.currency_code, ' +
    'customer_client.time_zone, customer_client.status, customer_client.manager FROM customer_client ' +
    'WHERE customer_client.manager = FALSE',
  campaigns:
    'SELECT campaign.id, campaign.name, campaign.status, campaign.advertising_channel_type, ' +
    'campaign.start_date_time, campaign.end_date_time, campaign.campaign_budget, campaign_budget.amount_micros, ' +
    'campaign_budget.total_amount_micros, campaign_budget.period FROM campaign',
  adGroups: 'SELECT ad_group.id, ad_group.name, ad_group.status, campaign.id FROM ad_group',
  ads: `SELECT ${AD_FIELDS.join(', ')} FROM ad_group_ad`,
  /** Ad-level daily metrics; video_views was renamed video_trueview_views in v22 (v25 rejects the old name). */
  dailyMetrics: (from: string, to: string) =>
    'SELECT campaign.id, ad_group.id, ad_group_ad.ad.id, segments.date, metrics.impressions, metrics.clicks, ' +
    'metrics.cost_micros, metrics.conversions, metrics.conversions_value, metrics.video_trueview_views ' +
    `FROM ad_group_ad WHERE segments.date BETWEEN '${gaqlDate(from)}' AND '${gaqlDate(to)}'`,
  campaignState: (id: string) =>
    `SELECT campaign.resource_name, campaign.status FROM campaign WHERE campaign.id = ${gaqlId(id)}`,
  adGroupState: (id: string) =>
    `SELECT ad_group.resource_name, ad_group.status FROM ad_group WHERE ad_group.id = ${gaqlId(id)}`,
  adState: (id: string) =>
    `SELECT ad_group_ad.resource_name, ad_group_ad.status FROM ad_group_ad WHERE ad_group_ad.ad.id = ${gaqlId(id)}`,
  budgetState: (id: string) =>
    'SELECT campaign.id, campaign.campaign_budget, campaign_budget.resource_name, campaign_budget.amount_micros, ' +
    `campaign_budget.period, campaign_budget.explicitly_shared FROM campaign WHERE campaign.id = ${gaqlId(id)}`,
};
