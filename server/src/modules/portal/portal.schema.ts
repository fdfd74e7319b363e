/** Request and response schemas of the branding, portal-user and portal routes. */
import { z } from 'zod';
import { metricsRowSchema, totalsSchema } from '../analytics/analytics.schema.ts';
import { emailSchema, nameSchema, passwordSchema } from '../auth/auth.schema.ts';
import { SLUG_PATTERN } from '../tenancy/client-slug.ts';
import { logoContentTypes } from './logo.ts';

const color = z
  .string()
  .max(7)
  .regex(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'A hex colour such as #1a2b3c')
  .nullable()
  .optional();

export const brandingBody = z
  .strictObject({
    agencyName: z.string().trim().min(1).max(120).nullable().optional().describe('Shown instead of Omnify'),
    logoUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .nullable()
      .optional()
      .describe('An http(s) image URL; replaces an uploaded logo'),
    logoUpload: z
      .strictObject({
        contentType: z.enum(logoContentTypes),
        dataBase64: z.string().min(4).max(140_000).describe('The image, base64; at most 100 KB decoded'),
      })
      .nullable()
      .optional()
      .describe('A PNG, JPEG or SVG logo (SVGs with scripts, handlers or external references are refused)'),
    primaryColor: color,
    accentColor: color,
    supportEmail: emailSchema.nullable().optional(),
    portalDomain: z
      .string()
      .max(253)
      .regex(
        /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i,
        'A host name such as portal.agency.com',
      )
      .nullable()
      .optional()
      .describe('Organization only: a host name that serves the portal branded without a slug'),
  })
  .refine((b) => Object.keys(b).length > 0, 'Send at least one field to change');

export const brandingSettingsSchema = z.object({
  scope: z.enum(['organization', 'client']),
  clientId: z.string().nullable(),
  agencyName: z.string().nullable(),
  logoUrl: z.string().nullable().describe('The external URL, or a data: URI of the uploaded logo'),
  logoSource: z.enum(['url', 'upload']).nullable(),
  primaryColor: z.string().nullable(),
  accentColor: z.string().nullable(),
  supportEmail: z.string().nullable(),
  portalDomain: z.string().nullable(),
  updatedAt: z.string().nullable(),
});

export const resolvedBrandingSchema = z.object({
  agencyName: z.string(),
  logoUrl: z.string().nullable(),
  primaryColor: z.string(),
  accentColor: z.string(),
  supportEmail: z.string().nullable(),
});

export const clientIdParam = z.object({ clientId: z.string().min(1).max(64) });
export const portalUserParams = z.object({
  clientId: z.string().min(1).max(64),
  portalUserId: z.string().min(1).max(64),
});
export const campaignIdParam = z.object({ campaignId: z.string().min(1).max(64) });

export const portalUserSchema = z.object({
  id: z.string(),
  clientId: z.string(),
  email: z.string(),
  name: z.string(),
  status: z.enum(['invited', 'active', 'revoked', 'expired']),
  invitedBy: z.string().nullable(),
  inviteExpiresAt: z.string().nullable(),
  acceptedAt: z.string().nullable(),
  lastLoginAt: z.string().nullable(),
  createdAt: z.string(),
});

export const inviteBody = z.strictObject({ email: emailSchema, name: nameSchema });

const slug = z.string().regex(SLUG_PATTERN, 'A portal slug').max(48);

export const portalLoginBody = z.strictObject({
  email: emailSchema,
  password: z.string().min(1).max(256),
  slug: slug.optional().describe('The portal address (needed when the email has access to several portals)'),
});
export const portalAcceptBody = z.strictObject({
  token: z.string().min(20).max(200),
  password: passwordSchema,
});
export const portalRefreshBody = z.strictObject({ refreshToken: z.string().min(20).max(300) });

export const portalTokensSchema = z.object({
  accessToken: z.string().describe('JWT with audience "portal", valid for 15 minutes by default'),
  refreshToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number(),
  sessionId: z.string(),
  organizationId: z.string(),
  clientId: z.string(),
});
export const portalSessionSchema = z.object({ user: portalUserSchema, tokens: portalTokensSchema });

export const publicBrandingQuery = z.object({
  slug: slug.optional().describe("The client's portal slug; without it, the request's host name"),
});
export const publicBrandingSchema = z.object({
  slug: z.string().nullable(),
  clientName: z.string().nullable(),
  branding: resolvedBrandingSchema,
});

export const periodQuery = z.object({
  from: z.string().max(10).optional().describe('First day, YYYY-MM-DD (default: 30 days before to)'),
  to: z.string().max(10).optional().describe('Last day, YYYY-MM-DD (default: yesterday)'),
});
export const reportQuery = z.object({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM')
    .optional()
    .describe('YYYY-MM (default: the latest month with data)'),
});

const change = z.object({
  previous: z.number().nullable(),
  change: z.number().nullable(),
  changeRatio: z.number().nullable(),
});
const changesSchema = z.record(z.string(), change);
const previousSchema = z.object({ from: z.string(), to: z.string(), totals: totalsSchema }).nullable();
const warningSchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
});

export const meSchema = z.object({
  user: portalUserSchema,
  client: z.object({
    id: z.string(),
    name: z.string(),
    company: z.string().nullable(),
    portalSlug: z.string().nullable(),
    currency: z.string().describe('The currency the client is billed in: every portal amount is in it'),
  }),
  organization: z.object({ id: z.string(), name: z.string(), reportingCurrency: z.string() }),
  branding: resolvedBrandingSchema,
});

export const overviewSchema = z.object({
  from: z.string(),
  to: z.string(),
  currency: z.string(),
  totals: totalsSchema,
  previous: previousSchema,
  changes: changesSchema.nullable().describe('Change of the headline metrics against the previous period'),
  daily: z.array(metricsRowSchema),
  byPlatform: z.array(metricsRowSchema),
  warnings: z.array(warningSchema),
});

const campaignMetrics = z
  .object({
    spendMicros: z.number(),
    impressions: z.number(),
    clicks: z.number(),
    conversions: z.number(),
    conversionValueMicros: z.number(),
    ctr: z.number().nullable(),
    cpaMicros: z.number().nullable(),
    roas: z.number().nullable(),
  })
  .nullable();

const campaignBase = {
  id: z.string(),
  name: z.string(),
  platform: z.string(),
  status: z.string(),
  objective: z.string().nullable(),
  budgetCurrency: z.string(),
  dailyBudgetMicros: z.number().nullable(),
};

export const campaignsSchema = z.object({
  from: z.string(),
  to: z.string(),
  currency: z.string(),
  items: z.array(z.object({ ...campaignBase, metrics: campaignMetrics })),
  warnings: z.array(warningSchema),
});

export const campaignDetailSchema = z.object({
  campaign: z.object({
    ...campaignBase,
    startDate: z.string().nullable(),
    endDate: z.string().nullable(),
    adAccountName: z.string(),
    adGroupCount: z.number(),
    adCount: z.number(),
  }),
  from: z.string(),
  to: z.string(),
  currency: z.string(),
  totals: totalsSchema,
  previous: previousSchema,
  changes: changesSchema.nullable(),
  daily: z.array(metricsRowSchema),
  warnings: z.array(warningSchema),
});

const coverageSchema = z.object({
  month: z.string(),
  days: z.number().describe("The month's number of days"),
  firstDay: z.string().nullable().describe('First day with data in the month (null: none)'),
  lastDay: z.string().nullable(),
  daysWithData: z.number().describe('Days from the first to the last day with data'),
  partial: z.boolean().describe("Data starts after the 1st or ends before the month's last day"),
});

export const reportSchema = z.object({
  months: z
    .array(z.string())
    .describe(
      'Months with data, newest first (last twelve, none that ended before the metrics retention cutoff)',
    ),
  report: z.object({
    month: z.string(),
    from: z.string(),
    to: z.string(),
    complete: z.boolean().describe('False for the current, unfinished month'),
    currency: z.string(),
    source: z.enum(['analytics']),
    totals: totalsSchema,
    previous: z.object({ month: z.string(), from: z.string(), to: z.string(), totals: totalsSchema }),
    coverage: z.object({ current: coverageSchema, previous: coverageSchema }),
    comparable: z.boolean().describe('Both months have data for all their days'),
    changes: changesSchema
      .nullable()
      .describe('Change against the previous month; null when either month is partial (see coverage)'),
    byPlatform: z.array(metricsRowSchema),
    topCampaigns: z.array(metricsRowSchema),
    daily: z.array(metricsRowSchema),
    highlights: z.array(z.string()),
    warnings: z.array(warningSchema).describe('Amounts left out for a missing exchange rate, and others'),
  }),
});
