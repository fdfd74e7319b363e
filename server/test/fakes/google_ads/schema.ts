/**
 * Which GAQL fields the fake knows, which resources may be selected with each FROM resource, and
 * the query rules Google enforces that matter to us (metrics on managers, finite date ranges).
 */
import { GaqlError, type GaqlQuery } from './gaql.ts';

const FIELDS: Record<string, string[]> = {
  customer: [
    'resource_name',
    'id',
    'descriptive_name',
    'currency_code',
    'time_zone',
    'status',
    'manager',
    'test_account',
  ],
  customer_client: [
    'resource_name',
    'id',
    'client_customer',
    'descriptive_name',
    'currency_code',
    'time_zone',
    'status',
    'manager',
    'level',
    'hidden',
  ],
  campaign: [
    'resource_name',
    'id',
    'name',
    'status',
    'advertising_channel_type',
    'start_date_time',
    'end_date_time',
    'campaign_budget',
  ],
  campaign_budget: [
    'resource_name',
    'id',
    'amount_micros',
    'total_amount_micros',
    'period',
    'explicitly_shared',
    'delivery_method',
  ],
  ad_group: ['resource_name', 'id', 'name', 'status', 'campaign'],
  ad_group_ad: [
    'resource_name',
    'status',
    'ad_group',
    'ad.resource_name',
    'ad.id',
    'ad.name',
    'ad.type',
    'ad.final_urls',
    'ad.responsive_search_ad.headlines',
    'ad.responsive_search_ad.descriptions',
    'ad.responsive_display_ad.headlines',
    'ad.responsive_display_ad.long_headline',
    'ad.responsive_display_ad.descriptions',
    'ad.responsive_display_ad.marketing_images',
    'ad.responsive_display_ad.call_to_action_text',
    'ad.video_responsive_ad.headlines',
    'ad.video_responsive_ad.descriptions',
    'ad.video_responsive_ad.call_to_actions',
    'ad.video_responsive_ad.videos',
    'ad.expanded_text_ad.headline_part1',
    'ad.expanded_text_ad.description',
    'ad.image_ad.image_url',
  ],
  // metrics.video_views was renamed video_trueview_views in v22; v25+ reject the old name.
  metrics: [
    'impressions',
    'clicks',
    'cost_micros',
    'conversions',
    'conversions_value',
    'video_trueview_views',
  ],
  segments: ['date'],
};

/** Resources whose fields may be selected with each FROM resource. */
const SELECTABLE: Record<string, string[]> = {
  customer: ['customer'],
  customer_client: ['customer_client', 'customer'],
  campaign: ['campaign', 'campaign_budget', 'customer'],
  campaign_budget: ['campaign_budget', 'customer'],
  ad_group: ['ad_group', 'campaign', 'customer'],
  ad_group_ad: ['ad_group_ad', 'ad_group', 'campaign', 'customer', 'metrics', 'segments'],
};

export function validate(q: GaqlQuery, isManager: boolean): void {
  const allowed = SELECTABLE[q.from];
  if (!allowed)
    throw new GaqlError('BAD_RESOURCE_TYPE_IN_FROM_CLAUSE', `Unknown resource in FROM: ${q.from}`);
  for (const f of [...q.fields, ...q.where.map((c) => c.field)]) {
    const [top = '', ...rest] = f.split('.');
    if (!FIELDS[top]?.includes(rest.join('.')))
      throw new GaqlError('UNRECOGNIZED_FIELD', `Unrecognized field in the query: '${f}'.`);
    if (!allowed.includes(top))
      throw new GaqlError(
        'PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE',
        `'${f}' cannot be selected with FROM ${q.from}.`,
      );
  }
  const hasMetrics = q.fields.some((f) => f.startsWith('metrics.'));
  if (hasMetrics && isManager)
    throw new GaqlError(
      'REQUESTED_METRICS_FOR_MANAGER',
      'Metrics cannot be requested for a manager account.',
    );
  if (hasMetrics && !q.fields.includes('segments.date'))
    throw new GaqlError('QUERY_ERROR', 'fake: metrics are only served segmented by segments.date');
  if (q.fields.includes('segments.date')) {
    const ops = q.where.filter((c) => c.field === 'segments.date').map((c) => c.op);
    const finite =
      ops.some((o) => ['=', 'IN', 'BETWEEN'].includes(o)) ||
      (ops.some((o) => o === '>' || o === '>=') && ops.some((o) => o === '<' || o === '<='));
    if (!finite)
      throw new GaqlError(
        'EXPECTED_FILTERS_ON_DATE_RANGE',
        'A finite date range must be specified when segments.date is selected.',
      );
  }
}
