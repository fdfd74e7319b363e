/** Request and response schemas of /api/v1/analytics: the same zod validates input and documents it. */
import { z } from 'zod';
import { currencySchema } from '../tenancy/organizations.service.ts';
import { dimensions } from './analytics.repo.ts';
import { kpiKeys, sumKeys } from './kpis.ts';
import { daysInclusive, isIsoDate } from './periods.ts';

/** The longest range one request may cover (3 years and a leap day). */
export const MAX_RANGE_DAYS = 1096;

export const isoDate = z
  .string()
  .refine(isIsoDate, 'A calendar day written YYYY-MM-DD')
  .describe('A calendar day, YYYY-MM-DD');

/** `a,b` or `?x=a&x=b`, trimmed, deduplicated, at most `max` values. */
const list = <T extends string>(item: z.ZodType<T, string>, max = 100) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => [
      ...new Set(
        (Array.isArray(v) ? v : [v])
          .flatMap((s) => s.split(','))
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(z.array(item).max(max));

const idList = (what: string) =>
  list(z.string().min(1).max(64)).optional().describe(`Only these ${what} (comma-separated ids)`);

const metricNames = [...sumKeys, ...kpiKeys] as const;
const sortKeys = [...dimensions, ...metricNames] as const;

export const metricsQuerySchema = z
  .object({
    from: isoDate.describe('First day, included (YYYY-MM-DD)'),
    to: isoDate.describe('Last day, included (YYYY-MM-DD)'),
    groupBy: list(z.enum(dimensions), dimensions.length)
      .optional()
      .describe(
        'Comma-separated: day, week (ISO, labelled by its Monday), month (YYYY-MM), platform, client, account, campaign, adGroup, ad',
      ),
    clientId: idList('clients'),
    platform: list(z.string().min(1).max(40))
      .optional()
      .describe('Only these platforms (google_ads, meta, …)'),
    adAccountId: idList('ad accounts'),
    campaignId: idList('campaigns'),
    adGroupId: idList('ad groups'),
    adId: idList('ads'),
    compare: z
      .enum(['previous_period'])
      .optional()
      .describe('Also total the window of the same length just before, with the change of every metric'),
    sort: z
      .string()
      .refine((s) => (sortKeys as readonly string[]).includes(s.replace(/^-/, '')), {
        message: `One of ${sortKeys.join(', ')}, optionally prefixed by - for descending`,
      })
      .optional()
      .describe(
        'Order rows by a dimension or metric; prefix - for descending. Default: time, then spend descending',
      ),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(1000)
      .describe('Most rows returned (totals cover all)'),
    format: z
      .enum(['json', 'csv'])
      .optional()
      .describe(
        'csv streams the rows as CSV for spreadsheets (also with Accept: text/csv): readable headers naming the currency, money in currency units (not micros), CTR and conversion rate in percent, and (without a time dimension) the grouped entities that did not deliver, with zeros. Columns: see the description',
      ),
  })
  .superRefine((q, ctx) => {
    if (!isIsoDate(q.from) || !isIsoDate(q.to)) return;
    if (q.from > q.to) ctx.addIssue({ code: 'custom', path: ['from'], message: '`from` is after `to`' });
    else if (daysInclusive(q.from, q.to) > MAX_RANGE_DAYS)
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `The range may cover at most ${MAX_RANGE_DAYS} days`,
      });
  });

const nullableNumber = z.number().nullable();
const totalsShape = {
  impressions: z.number(),
  clicks: z.number(),
  spendMicros: z.number().describe('In micros of the reporting currency'),
  conversions: z.number(),
  conversionValueMicros: z.number().describe('In micros of the reporting currency'),
  reachDailySum: nullableNumber.describe(
    'Sum of daily reach over rows that report it; overstates unique reach over more than one day',
  ),
  ctr: nullableNumber.describe('clicks / impressions'),
  cpcMicros: nullableNumber.describe('spend / clicks'),
  cpmMicros: nullableNumber.describe('spend × 1000 / impressions'),
  cpaMicros: nullableNumber.describe('spend / conversions'),
  roas: nullableNumber.describe('conversion value / spend'),
  conversionRate: nullableNumber.describe('conversions / clicks'),
  frequency: nullableNumber.describe(
    'Average daily frequency: impressions / reachDailySum, rows with reach only',
  ),
};
export const totalsSchema = z.object(totalsShape);

const optionalText = z.string().nullable().optional();
export const metricsRowSchema = z.object({
  day: z.string().optional(),
  week: z.string().optional().describe('Monday of the ISO week'),
  month: z.string().optional().describe('YYYY-MM'),
  platform: optionalText,
  clientId: optionalText,
  clientName: optionalText,
  adAccountId: optionalText,
  adAccountName: optionalText,
  campaignId: optionalText,
  campaignName: optionalText,
  adGroupId: optionalText,
  adGroupName: optionalText,
  adId: optionalText,
  adName: optionalText,
  ...totalsShape,
});

export const fxRateSchema = z.object({
  date: z.string(),
  base: z.string(),
  quote: z.string(),
  rate: z.number(),
  source: z.enum(['organization', 'install']),
});

const deltaSchema = z.object({
  previous: nullableNumber,
  change: nullableNumber,
  changeRatio: nullableNumber.describe('change / |previous|; null when previous is 0'),
});

export const metricsResponseSchema = z.object({
  from: z.string(),
  to: z.string(),
  groupBy: z.array(z.enum(dimensions)),
  currency: z.string().describe('The reporting currency every amount is in'),
  rows: z.array(metricsRowSchema),
  rowCount: z.number().describe('Groups in the result before `limit`'),
  truncated: z.boolean(),
  totals: totalsSchema,
  comparison: z
    .object({
      from: z.string(),
      to: z.string(),
      totals: totalsSchema,
      deltas: z.object(
        Object.fromEntries(metricNames.map((k) => [k, deltaSchema])) as Record<
          (typeof metricNames)[number],
          typeof deltaSchema
        >,
      ),
    })
    .nullable(),
  fx: z.object({
    reportingCurrency: z.string(),
    ratesUsed: z.array(fxRateSchema).describe('Every rate row the conversion used'),
  }),
  warnings: z.array(
    z.object({
      code: z.enum(['fx_rate_missing', 'fx_rate_stale']),
      message: z.string(),
      details: z.record(z.string(), z.unknown()),
    }),
  ),
});

export const fxRatesQuerySchema = z.object({
  base: currencySchema.optional(),
  quote: currencySchema.optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

export const fxRatesBodySchema = z
  .strictObject({
    rates: z
      .array(
        z.strictObject({
          date: isoDate,
          base: currencySchema,
          quote: currencySchema,
          rate: z
            .number()
            .positive()
            .max(1e7)
            .describe('1 base = rate quote (at most 10,000,000: 1 USD is about 42,000 IRR)'),
        }),
      )
      .min(1)
      .max(5000),
  })
  .superRefine((b, ctx) => {
    const seen = new Set<string>();
    b.rates.forEach((r, i) => {
      if (r.base === r.quote)
        ctx.addIssue({ code: 'custom', path: ['rates', i, 'quote'], message: 'base and quote must differ' });
      const k = `${r.date}${r.base}${r.quote}`;
      if (seen.has(k))
        ctx.addIssue({ code: 'custom', path: ['rates', i], message: 'The same pair and day appears twice' });
      seen.add(k);
    });
  });
