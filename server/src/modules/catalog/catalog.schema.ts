/** Schemas of the catalog (ad accounts, campaigns, ad groups, ads) and CRM endpoints. */
import { z } from 'zod';
import { pageQuery } from '../../platform/pagination.ts';
import { isoDate } from '../analytics/analytics.schema.ts';

export const idParam = z.object({ id: z.string().min(1).max(64) });

const id = z.string().min(1).max(64);
const text = z.string().nullable();
const micros = (what: string) => z.number().int().nullable().describe(`${what} in micros of \`currency\``);

export const adAccountSchema = z.object({
  id: z.string(),
  connectionId: z.string(),
  clientId: text,
  platform: z.string(),
  externalId: z.string().describe('The id on the platform'),
  name: z.string(),
  currency: z.string(),
  timeZone: z.string(),
  status: z.string(),
  enabled: z.boolean().describe('Whether Omnify syncs it'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const entityShape = {
  id: z.string(),
  adAccountId: z.string(),
  clientId: text,
  platform: z.string(),
  externalId: z.string().describe('The id on the platform'),
  name: z.string(),
  status: z.string(),
  currency: z.string().describe('Currency of the ad account: every *Micros amount is in it'),
  firstSeenAt: z.string(),
  updatedAt: z.string(),
};

export const campaignSchema = z.object({
  ...entityShape,
  objective: text,
  dailyBudgetMicros: micros('Daily budget'),
  lifetimeBudgetMicros: micros('Lifetime budget'),
  startDate: text,
  endDate: text,
});

export const campaignDetailSchema = campaignSchema.extend({
  adAccountName: z.string(),
  adGroupCount: z.number().int(),
  adCount: z.number().int(),
});

export const adGroupSchema = z.object({
  ...entityShape,
  campaignId: z.string(),
  dailyBudgetMicros: micros('Daily budget'),
});

export const adGroupDetailSchema = adGroupSchema.extend({
  adAccountName: z.string(),
  campaignName: text,
});

export const creativeSchema = z.object({
  externalId: text,
  format: z.string().describe('image, video, carousel, text, …'),
  headline: text,
  body: text,
  callToAction: text,
  mediaUrl: text,
  landingUrl: text,
  firstSeenAt: z.string(),
});

export const adSchema = z.object({
  ...entityShape,
  campaignId: z.string(),
  adGroupId: z.string(),
  platformCreatedAt: text,
  creative: creativeSchema,
});

export const adDetailSchema = adSchema.extend({
  adAccountName: z.string(),
  campaignName: text,
  adGroupName: text,
});

const filters = {
  clientId: id.optional(),
  platform: z.string().max(40).optional().describe('google_ads, meta, linkedin, …'),
  status: z.string().max(40).optional(),
  q: z.string().max(200).optional().describe('Part of the name (case-insensitive), or the exact platform id'),
};

export const adAccountsQuery = z.object({ ...pageQuery, ...filters, connectionId: id.optional() });
export const campaignsQuery = z.object({ ...pageQuery, ...filters, adAccountId: id.optional() });
export const adGroupsQuery = campaignsQuery.extend({ campaignId: id.optional() });
export const adsQuery = adGroupsQuery.extend({ adGroupId: id.optional() });

const flag = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .optional();

export const contactSchema = z.object({
  id: z.string(),
  connectionId: z.string(),
  clientId: text,
  externalId: z.string(),
  email: text,
  phone: text,
  firstName: text,
  lastName: text,
  source: text,
  tags: z.array(z.string()),
  gclid: text.describe('Google click id captured with the lead'),
  fbclid: text.describe('Meta click id'),
  liFatId: text.describe('LinkedIn first-party ad tracking id'),
  utmSource: text,
  utmMedium: text,
  utmCampaign: text,
  utmContent: text,
  utmTerm: text,
  platformCreatedAt: z.string(),
  platformUpdatedAt: z.string(),
  syncedAt: z.string(),
});

export const contactsQuery = z.object({
  ...pageQuery,
  clientId: id.optional(),
  email: z.string().max(254).optional().describe('Exact email, case-insensitive'),
  hasGclid: flag.describe('true: only contacts with a Google click id; false: only without'),
  hasFbclid: flag.describe('true: only contacts with a Meta click id; false: only without'),
  hasLiFatId: flag.describe('true: only contacts with a LinkedIn click id; false: only without'),
  updatedSince: z.iso
    .datetime({ offset: true })
    .transform((s) => new Date(s).toISOString())
    .optional()
    .describe('Only contacts the CRM changed at or after this instant (ISO 8601)'),
});

export const opportunitySchema = z.object({
  id: z.string(),
  connectionId: z.string(),
  clientId: text,
  externalId: z.string(),
  pipelineExternalId: z.string(),
  stageExternalId: z.string(),
  contactExternalId: text,
  name: z.string(),
  status: z.string(),
  valueMicros: z.number().int().describe('In micros of `currency`'),
  currency: text,
  wonAt: text,
  lostAt: text,
  platformCreatedAt: z.string(),
  platformUpdatedAt: z.string(),
  syncedAt: z.string(),
});

export const opportunitiesQuery = z
  .object({
    ...pageQuery,
    clientId: id.optional(),
    status: z.string().max(40).optional().describe('open, won, lost, abandoned'),
    pipeline: z.string().max(200).optional().describe('Pipeline id on the CRM'),
    wonFrom: isoDate.optional().describe('Won on or after this day (UTC)'),
    wonTo: isoDate.optional().describe('Won on or before this day (UTC)'),
    lostFrom: isoDate.optional().describe('Lost on or after this day (UTC)'),
    lostTo: isoDate.optional().describe('Lost on or before this day (UTC)'),
  })
  .superRefine((q, ctx) => {
    if (q.wonFrom && q.wonTo && q.wonFrom > q.wonTo)
      ctx.addIssue({ code: 'custom', path: ['wonFrom'], message: '`wonFrom` is after `wonTo`' });
    if (q.lostFrom && q.lostTo && q.lostFrom > q.lostTo)
      ctx.addIssue({ code: 'custom', path: ['lostFrom'], message: '`lostFrom` is after `lostTo`' });
  });
