/**
 * Campaign objectives as people say them. The connectors store the platform's own code: Google Ads'
 * advertising channel type (SEARCH, PERFORMANCE_MAX, …), Meta's objective (OUTCOME_LEADS, and the
 * legacy LINK_CLICKS, CONVERSIONS, …) and LinkedIn's objectiveType (WEBSITE_VISITS, …). An unknown
 * code is humanized ("SOME_NEW_GOAL" → "Some new goal").
 */
const labels: Record<string, string> = {
  // Google Ads (advertisingChannelType)
  SEARCH: 'Search',
  DISPLAY: 'Display',
  SHOPPING: 'Shopping',
  VIDEO: 'Video',
  PERFORMANCE_MAX: 'Performance Max',
  DEMAND_GEN: 'Demand Gen',
  DISCOVERY: 'Discovery',
  LOCAL: 'Local',
  LOCAL_SERVICES: 'Local services',
  SMART: 'Smart',
  HOTEL: 'Hotel',
  MULTI_CHANNEL: 'App',
  // Meta (outcome-based objectives, then the legacy ones older campaigns keep)
  OUTCOME_AWARENESS: 'Awareness',
  OUTCOME_TRAFFIC: 'Traffic',
  OUTCOME_ENGAGEMENT: 'Engagement',
  OUTCOME_LEADS: 'Leads',
  OUTCOME_APP_PROMOTION: 'App promotion',
  OUTCOME_SALES: 'Sales',
  BRAND_AWARENESS: 'Awareness',
  REACH: 'Reach',
  LINK_CLICKS: 'Traffic',
  POST_ENGAGEMENT: 'Engagement',
  PAGE_LIKES: 'Page likes',
  EVENT_RESPONSES: 'Event responses',
  MESSAGES: 'Messages',
  APP_INSTALLS: 'App installs',
  CONVERSIONS: 'Conversions',
  PRODUCT_CATALOG_SALES: 'Catalog sales',
  STORE_VISITS: 'Store visits',
  LEAD_GENERATION: 'Leads',
  VIDEO_VIEWS: 'Video views',
  // LinkedIn (objectiveType)
  ENGAGEMENT: 'Engagement',
  WEBSITE_VISITS: 'Website visits',
  WEBSITE_CONVERSIONS: 'Website conversions',
  JOB_APPLICANTS: 'Job applicants',
  TALENT_LEADS: 'Talent leads',
};

export function objectiveLabel(code: string | null | undefined): string {
  if (!code) return '—';
  const known = labels[code.toUpperCase()];
  if (known) return known;
  const words = code
    .replace(/^OUTCOME_/i, '')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : code;
}
