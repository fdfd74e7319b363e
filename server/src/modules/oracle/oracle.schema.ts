/** Request and response schemas of the ORACLE routes. */
import { z } from 'zod';
import { pageQuery } from '../../platform/pagination.ts';
import { isIsoDate } from '../analytics/periods.ts';
import { MAX_FORECAST_DAYS } from './oracle.constants.ts';
import { forecastMetrics } from './oracle.forecast.ts';
import { predictionTypes } from './oracle.predictions.ts';
import { entityTypes } from './oracle.series.ts';

// A real calendar day: 2026-09-31 and 2026-02-30 are refused, not rolled over to the next month.
const dateSchema = z.string().refine(isIsoDate, 'a calendar day YYYY-MM-DD');
const entityIdSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .describe(
    "The ad, campaign or client id, or the platform's name (`meta`, `google_ads`, …); omit for the organization",
  );

/** Every entity but the organization needs an id; the organization takes none. */
function checkEntity(v: { entityType?: string; entityId?: string }, ctx: z.RefinementCtx) {
  if (v.entityType === 'organization' && v.entityId !== undefined)
    ctx.addIssue({ code: 'custom', path: ['entityId'], message: 'The organization takes no entityId' });
  if (v.entityType !== undefined && v.entityType !== 'organization' && v.entityId === undefined)
    ctx.addIssue({ code: 'custom', path: ['entityId'], message: `entityId is required for ${v.entityType}` });
  if (v.entityType === undefined && v.entityId !== undefined)
    ctx.addIssue({ code: 'custom', path: ['entityType'], message: 'entityId needs an entityType' });
}

export const createForecastBody = z
  .strictObject({
    entityType: z.enum(entityTypes),
    entityId: entityIdSchema.optional(),
    metric: z.enum(forecastMetrics),
    horizon: z.number().int().min(1).max(MAX_FORECAST_DAYS).default(30).describe('Days ahead, 1-90'),
    from: dateSchema.optional().describe('First day of history to use (default: all, up to 3 years)'),
  })
  .superRefine(checkEntity);

export const listForecastsQuery = z
  .strictObject({
    entityType: z.enum(entityTypes).optional(),
    entityId: entityIdSchema.optional(),
    metric: z.enum(forecastMetrics).optional(),
    ...pageQuery,
  })
  .superRefine(checkEntity);

const inUnit =
  'in the forecast’s `unit`: micros of `explanation.currency` for spend and revenue (whole micros), a count for conversions, a ratio for ROAS';
const pointSchema = z.object({
  step: z.number().int(),
  date: z.string(),
  mean: z.number().describe(`Expected value of the day, ${inUnit}`),
  lo80: z.number().describe('Lower end of the 80% band, same unit as mean'),
  hi80: z.number().describe('Upper end of the 80% band, same unit as mean'),
  lo95: z.number().describe('Lower end of the 95% band, same unit as mean'),
  hi95: z.number().describe('Upper end of the 95% band, same unit as mean'),
});

/** A forecast model in words, from the forecaster's model registry (forecast/describe.ts). */
export const modelDescriptionSchema = z
  .object({
    text: z
      .string()
      .describe(
        'The model in words, e.g. "Damped-trend exponential smoothing with weekly seasonality" or "Average of 2 models: …" (the name itself for a name the registry does not know)',
      ),
    combination: z
      .enum(['single', 'mean', 'ratio'])
      .describe("One model, the average of the backtest's best, or revenue ÷ spend (ROAS)"),
    members: z
      .array(z.object({ model: z.string(), text: z.string() }))
      .describe(
        "What it is made of, by name and in words: the averaged models, or the revenue and spend forecasts' models (empty for an unknown name)",
      ),
  })
  .describe('The model in plain words');

const backtestPartSchema = z.object({
  error: z.number().describe('Mean absolute (or RMS) error per step of this forecast, in micros'),
  loss: z.string(),
  horizon: z.number(),
  origins: z.number(),
  unit: z.enum(['micros', 'count', 'ratio']),
});

export const forecastSchema = z.object({
  id: z.string(),
  entityType: z.enum(entityTypes),
  entityId: z.string().nullable(),
  metric: z.enum(forecastMetrics),
  unit: z
    .enum(['micros', 'count', 'ratio'])
    .describe('micros of `explanation.currency` for spend and revenue'),
  horizon: z.number().int(),
  computedAt: z.string(),
  model: z
    .string()
    .describe(
      'The model as stored: a member (`damped@7`), the average of several (`mean(theta@7,ses)`), or `ratio(<revenue model>,<spend model>)` for ROAS',
    ),
  modelDescription: modelDescriptionSchema,
  modelVersion: z.string(),
  inputsHash: z.string().describe('sha256 of the input series; the same inputs are stored once'),
  confidence: z.number().nullable().describe('1 − backtest error ÷ recent mean level, in [0, 1]'),
  explanation: z.object({
    selectedModel: z.string(),
    members: z.array(z.string()),
    backtest: z
      .object({
        error: z
          .number()
          .describe(
            "Mean absolute (or RMS) error per step, in `unit`, the metric's: micros for spend and revenue, a ratio for ROAS (the ROAS forecast against the actual ROAS of the days with spend; a ROAS forecast stored without `unit` reports its revenue forecast's error here, in micros)",
          ),
        loss: z.string().describe('mae or rmse (intermittent series)'),
        horizon: z.number().describe('Steps scored after each origin'),
        origins: z.number().describe('Rolling origins scored'),
        unit: z
          .enum(['micros', 'count', 'ratio'])
          .optional()
          .describe('The unit of error; absent on forecasts stored before it was added'),
        components: z
          .object({
            revenue: backtestPartSchema.nullable(),
            spend: backtestPartSchema.nullable(),
          })
          .optional()
          .describe('ROAS only: the backtests of the revenue and spend forecasts it divides, in micros'),
      })
      .nullable(),
    intervalMethod: z.string(),
    seriesLength: z.number(),
    seriesFrom: z.string(),
    seriesTo: z.string(),
    currency: z.string().describe('Currency of the series: spend and revenue amounts are micros of it'),
    components: z.object({ revenue: z.string(), spend: z.string() }).optional(),
    nowcast: z
      .object({
        model: z.string(),
        modelVersion: z.string(),
        from: z.string(),
        to: z.string(),
        reportedConversions: z.number(),
        expectedConversions: z.number(),
        reportedRevenueMicros: z.number().describe('In micros of `explanation.currency`'),
        expectedRevenueMicros: z.number().describe('In micros of `explanation.currency`'),
        accountsAdjusted: z.array(z.string()),
        accountsNotAdjusted: z
          .array(z.string())
          .describe('Accounts with too few restatements to learn their delay: their days are as reported'),
      })
      .optional()
      .describe(
        "Conversions, revenue and ROAS: the series' days still collecting late conversions (at most 7 days old) were trained at the nowcast's expected finals; the totals over those days",
      ),
    warnings: z.array(z.string()),
  }),
  points: z.array(pointSchema),
});

export const createdForecastSchema = forecastSchema.extend({
  reused: z.boolean().describe('True when the same inputs had been forecast before: nothing new was stored'),
});

export const scanAnomaliesBody = z
  .strictObject({
    entityType: z.enum(entityTypes),
    entityId: entityIdSchema.optional(),
    from: dateSchema.optional().describe('First day of history to scan (default: all, up to 3 years)'),
  })
  .superRefine(checkEntity);

export const listAnomaliesQuery = z
  .strictObject({
    entityType: z.enum(entityTypes).optional(),
    entityId: entityIdSchema.optional(),
    allVersions: z
      .enum(['true', 'false'])
      .optional()
      .describe(
        'true: every stored finding, of every scan and of earlier versions of the detector (default: one per entity and day, the latest scan of the current version, since a newer detector or a changed history may not flag what an earlier scan did)',
      ),
    ...pageQuery,
  })
  .superRefine(checkEntity);

const metricReading = z
  .object({
    actual: z.number().nullable(),
    expected: z.number().nullable(),
    score: z.number(),
  })
  .describe(
    'Actual and expected value that day. Not micros: spend, cpc and cpm are in currency units of `currency` (spend ÷ 1,000,000; cpm per 1,000 impressions), impressions, clicks and conversions are counts, ctr is a ratio',
  );

export const anomalySchema = z.object({
  id: z.string(),
  entityType: z.enum(entityTypes),
  entityId: z.string().nullable(),
  date: z.string(),
  metric: z.string().describe('The first flagged metric, or `all` when only a cause rule fired'),
  score: z.number().describe('Alert score in [0, 1]'),
  confidence: z.number().nullable(),
  severity: z
    .string()
    .describe(
      'low, medium, high or critical: the highest severity of the flagged metrics; low when no metric is flagged (only a cause rule fired, score under the 0.5 flag threshold)',
    ),
  severityReason: z
    .string()
    .describe(
      'Why the severity, in a sentence: the metric that set it, its surprise and the size of its move with their bands (the lower band is the severity)',
    ),
  severityMetric: z
    .string()
    .nullable()
    .describe(
      'The flagged metric that set the severity (the one `severityReason` names; its move there is truncated toward zero to whole percent); null when no metric was flagged',
    ),
  cause: z.string().nullable(),
  causes: z.array(z.object({ cause: z.string(), confidence: z.number(), reason: z.string() })),
  flaggedMetrics: z.array(z.string()),
  metrics: z
    .record(z.string(), metricReading)
    .describe('Every metric of the day: spend, impressions, clicks, conversions, ctr, cpc, cpm'),
  currency: z
    .string()
    .nullable()
    .describe(
      'Currency of spend, cpc and cpm in `metrics` (null for findings stored before it was recorded)',
    ),
  model: z.string(),
  modelVersion: z.string(),
  computedAt: z.string(),
});

export const scanResultSchema = z.object({
  entityType: z.enum(entityTypes),
  entityId: z.string().nullable(),
  from: z.string(),
  to: z.string(),
  currency: z.string(),
  model: z.string(),
  modelVersion: z.string(),
  stored: z
    .number()
    .int()
    .describe(
      'Flagged days stored for the first time by this scan (0 for callers without agents:run: their scan is computed, not stored, and starts no workflow)',
    ),
  items: z.array(anomalySchema).describe('Every flagged day of the scanned history, newest first'),
  warnings: z
    .array(
      z.object({
        code: z.enum(['history_too_short']),
        message: z.string(),
        days: z.number().int().describe('Complete days of history scanned'),
        minDays: z.number().int().describe('Days of history before the first day that can be flagged'),
      }),
    )
    .describe('Why the list may be empty or partial: history_too_short when no day could be judged yet'),
});

const fatigueClasses = ['healthy', 'early_warning', 'fatigued', 'dead'] as const;
const idSchema = z.string().trim().min(1).max(64);

export const listFatigueQuery = z.strictObject({
  campaignId: idSchema.optional().describe('Only the ads of this campaign'),
  clientId: idSchema.optional().describe('Only the ads of this client'),
  class: z.enum(fatigueClasses).optional().describe('Only the ads of this class'),
});

export const adIdParams = z.strictObject({ adId: idSchema });

export const fatigueSchema = z.object({
  adId: z.string(),
  adName: z.string(),
  campaignId: z.string(),
  clientId: z.string().nullable(),
  platform: z.string(),
  asOf: z.string().describe("The organization's last day with data"),
  p7: z
    .number()
    .describe(
      'Probability that fatigue sets in within 7 days, for a delivering ad not fatigued yet; for an ad fatigued already (fatiguedNow) or not delivering it is only the model score of its features, not a chance of an onset still to come',
    ),
  p14: z
    .number()
    .describe('Probability that fatigue sets in within 14 days (as p7, for an ad not fatigued yet)'),
  delivering: z
    .boolean()
    .describe('Impressions in the 7 days up to asOf (false for a paused or stopped ad, or one not live yet)'),
  fatiguedNow: z
    .boolean()
    .describe(
      'Delivering and fatigued already: class fatigued, or dead by its click-through rate (fallen below its share of its early level); p7/p14 do not apply',
    ),
  refreshSoon: z
    .boolean()
    .describe(
      'Delivering, and fatigued now or its refresh date within 14 days of asOf: the ads to refresh soon',
    ),
  predictedDrop: z
    .number()
    .describe("Projected relative CTR drop below the ad's own baseline in 14 days (0..0.8)"),
  riskFactors: z.array(
    z.object({
      factor: z.enum(['frequency', 'ctr_decay', 'cvr_decay', 'age', 'saturation']),
      contribution: z.number().describe('Contribution to the 14-day log-odds'),
      detail: z.string().describe('The factor in compact form, e.g. "cumulative frequency 3.2 per person"'),
      text: z
        .string()
        .describe(
          'The factor in plain words from the features, e.g. "Each person reached has seen it 3.2 times on average" (the detail when a feature is missing)',
        ),
    }),
  ),
  refreshBy: z.string().describe('Recommended refresh date'),
  class: z.enum(fatigueClasses),
  rule: z.string().describe('The rule that set the class, in compact form'),
  reason: z
    .string()
    .describe(
      'Why the ad is in its class, in one plain sentence with the classifier\'s thresholds, e.g. "Click-through rate down to 62% of its early level (fatigued at 80% or less)" (the rule when a feature is missing)',
    ),
  features: z.record(z.string(), z.union([z.number(), z.boolean(), z.null()])),
  model: z.string(),
  modelVersion: z.string(),
  inputsHash: z.string().describe("sha256 of the ad's rows; the same history is stored once"),
  computedAt: z.string(),
});

export const fatigueListSchema = z.object({
  asOf: z.string().nullable().describe("The organization's last day with data (null: no data yet)"),
  stored: z.number().int().describe('Assessments stored for the first time by this request'),
  refreshSoon: z
    .object({
      withinDays: z.number().int().describe('The horizon: 14 days'),
      until: z.string().nullable().describe('asOf plus withinDays (null: no data yet)'),
      count: z
        .number()
        .int()
        .describe('Listed delivering ads fatigued now, or whose refresh date is on or before `until`'),
      fatiguedNow: z.number().int().describe('Of those, the ads fatigued now'),
      notDelivering: z
        .number()
        .int()
        .describe('Listed ads without impressions in the last 7 days (not counted: nothing to refresh)'),
    })
    .describe('How many of the listed ads to refresh soon, and what that means'),
  items: z.array(fatigueSchema).describe('Ads with a row in the last 28 days, most at risk first'),
});

export const nowcastQuery = z
  .strictObject({
    adAccountId: idSchema.optional().describe('One ad account'),
    clientId: idSchema.optional().describe("The client's ad accounts"),
    days: z.coerce.number().int().min(1).max(60).default(14).describe('Recent days to report, 1-60'),
  })
  .refine((q) => !(q.adAccountId && q.clientId), {
    message: 'Give adAccountId or clientId, not both',
    path: ['clientId'],
  });

const nullableNumber = z.number().nullable();

export const nowcastSchema = z.object({
  model: z.string(),
  modelVersion: z.string(),
  accounts: z.array(
    z.object({
      adAccountId: z.string(),
      name: z.string(),
      currency: z.string(),
      lastDay: z.string().nullable(),
      revisions: z.number().int().describe('Restatements the curve is learnt from (last 180 days)'),
      revisedDays: z.number().int(),
      adjusted: z.boolean().describe('False with too few restatements: figures as reported, with a warning'),
      warnings: z.array(z.string()),
      curve: z
        .array(
          z.object({
            age: z.number().int(),
            fraction: z.number(),
            lo: z.number(),
            hi: z.number(),
            days: z.number().int(),
            se: z.number().describe('Standard error of the fraction (cluster-robust over days)'),
          }),
        )
        .describe('Fraction of final conversions held at each age (days since the day); 1 from 28 days'),
      days: z.array(
        z.object({
          date: z.string(),
          ageDays: z.number().int(),
          spendMicros: z
            .number()
            .describe('Spend of the day as reported, in micros of the account’s `currency`'),
          reportedConversions: z.number(),
          expectedConversions: z.number().describe('Mean final conversions: add these up over a window'),
          likelyConversions: z
            .number()
            .describe(
              'Median final conversions: the single-day figure (reported when little is left to come)',
            ),
          conversionsLo80: z.number(),
          conversionsHi80: z.number(),
          conversionsLo95: z.number(),
          conversionsHi95: z.number(),
          reportedValueMicros: z
            .number()
            .describe('Conversion value as reported, in micros of the account’s `currency`'),
          expectedValueMicros: z
            .number()
            .describe('Mean final conversion value, in micros of the account’s `currency`'),
          completion: z.number(),
          expectedCpaMicros: nullableNumber.describe(
            'Spend ÷ expected conversions, in micros of the account’s `currency`',
          ),
          cpaLo80Micros: nullableNumber.describe(
            'CPA 80% band, lower end, in micros of the account’s `currency`',
          ),
          cpaHi80Micros: nullableNumber.describe(
            'CPA 80% band, upper end, in micros of the account’s `currency`',
          ),
          cpaLo95Micros: nullableNumber.describe(
            'CPA 95% band, lower end, in micros of the account’s `currency`',
          ),
          cpaHi95Micros: nullableNumber.describe(
            'CPA 95% band, upper end, in micros of the account’s `currency`',
          ),
          expectedRoas: nullableNumber,
          roasLo80: nullableNumber,
          roasHi80: nullableNumber,
          roasLo95: nullableNumber,
          roasHi95: nullableNumber,
        }),
      ),
    }),
  ),
});

export const scorecardSchema = z.object({
  scoredSteps: z.number().int().describe('Each forecast is scored on its first this-many days'),
  models: z.array(
    z.object({
      model: z.string(),
      modelDescription: modelDescriptionSchema,
      metric: z.string(),
      count: z.number().int().describe('Forecasts scored'),
      mase: z.number().nullable().describe('Mean MASE (scaled by the in-sample seasonal-naive error)'),
      snaiveMase: z.number().nullable().describe("Seasonal naive's mean MASE on the same weeks"),
      coverage80: z.number().describe('Share of actuals inside the 80% band'),
      coverage95: z.number().describe('Share of actuals inside the 95% band'),
      lostToSeasonalNaive: z.number().int(),
    }),
  ),
  replacements: z
    .array(
      z.object({
        entityType: z.enum(entityTypes),
        entityId: z.string().nullable(),
        metric: z.string(),
        replacedModel: z.string(),
        model: z.string(),
        since: z.string(),
        weeks: z.array(z.string()).describe('The four consecutive weeks it lost'),
      }),
    )
    .describe('Series now forecast by seasonal naive'),
});

export const churnQuery = z.strictObject({ clientId: idSchema.optional().describe('One client') });

const churnFactorSchema = z.object({
  factor: z.enum(['spend_pacing', 'roas_trend', 'cpa_trend', 'portal_engagement', 'open_issues']),
  status: z.enum(['ok', 'risk', 'not_available']),
  contribution: z.number().describe('Points this factor adds to the risk score'),
  detail: z.string(),
});

export const churnSchema = z.object({
  model: z.string(),
  modelVersion: z.string(),
  items: z.array(
    z.object({
      clientId: z.string(),
      name: z.string(),
      currency: z.string(),
      asOf: z.string().nullable(),
      risk: z
        .number()
        .nullable()
        .describe('Rule-based score in [0, 1] (a ranking, not a probability); null without data'),
      level: z.enum(['low', 'medium', 'high']).nullable(),
      reasons: z.array(churnFactorSchema).describe('Factors adding to the risk, largest first'),
      factors: z.array(churnFactorSchema),
      pacing: z.object({
        budgetMicros: z.number().nullable().describe('Monthly budget, in micros of the client’s `currency`'),
        monthToDateSpendMicros: z
          .number()
          .describe(
            'Spend this month to the last day with data (other currencies converted), in micros of the client’s `currency`',
          ),
        expectedSpendMicros: z
          .number()
          .nullable()
          .describe('Budget prorated to the days elapsed, in micros of the client’s `currency`'),
        ratio: z.number().nullable(),
      }),
      trend: z.object({
        roasLast28: z.number().nullable(),
        roasPrior28: z.number().nullable(),
        cpaLast28Micros: z
          .number()
          .nullable()
          .describe('CPA of the last 28 days, in micros of the client’s `currency`'),
        cpaPrior28Micros: z
          .number()
          .nullable()
          .describe(
            'CPA of the 28 days before (null when the store holds under 26 of them), in micros of the client’s `currency`',
          ),
      }),
      warnings: z.array(z.string()),
    }),
  ),
});

const dailyMicros = z
  .number()
  .int()
  .min(0)
  .describe(
    "Daily spend in micros of the allocated accounts' currency (the answer's `currency`: a client's campaigns are allocated in the currency its ad accounts bill in, which may differ from the organization's reporting currency; amounts are not converted)",
  );

export const allocationBody = z.strictObject({
  clientId: entityIdSchema.optional().describe("One client's campaigns (default: the whole organization)"),
  level: z.enum(['campaign', 'platform']).default('campaign'),
  objective: z.enum(['conversions', 'revenue']),
  totalDailyBudgetMicros: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      "Total daily budget to split, in micros of the allocated accounts' currency (the answer's `currency`, not the reporting currency) (default: the average daily spend of the last 28 days)",
    ),
  maxChangePct: z
    .number()
    .min(0)
    .max(100)
    .default(30)
    .describe('Default band: each entity stays within ± this percentage of its current daily spend'),
  bounds: z
    .array(
      z
        .strictObject({
          entityId: entityIdSchema.describe("The campaign id, or the platform's name"),
          minDailyMicros: dailyMicros.optional(),
          maxDailyMicros: dailyMicros.optional(),
          locked: z.boolean().optional().describe('Keep the current daily spend'),
        })
        .refine(
          (b) =>
            b.minDailyMicros === undefined ||
            b.maxDailyMicros === undefined ||
            b.minDailyMicros <= b.maxDailyMicros,
          {
            message: 'minDailyMicros must not exceed maxDailyMicros',
            path: ['minDailyMicros'],
          },
        ),
    )
    .max(1000)
    .optional(),
  target: z
    .union([
      z.strictObject({
        roas: z.number().positive().describe('Revenue per unit of spend (objective revenue)'),
      }),
      z.strictObject({
        cpaMicros: z
          .number()
          .positive()
          .describe(
            "Cost per conversion in micros of the allocated accounts' currency (objective conversions)",
          ),
      }),
    ])
    .optional()
    .describe('Spend the largest budget (up to the total) whose best split still meets this ROAS or CPA'),
});

const nullableNum = z.number().nullable();

export const allocationSchema = z.object({
  predictionId: z.string(),
  level: z.enum(['campaign', 'platform']),
  objective: z.enum(['conversions', 'revenue']),
  clientId: z.string().nullable(),
  currency: z
    .string()
    .describe(
      "The currency every …Micros amount here (and in the request's bounds and totalDailyBudgetMicros) is in: the allocated accounts' own (a client's, which may differ from the organization's reporting currency)",
    ),
  from: z
    .string()
    .describe('First day with data that the curves were fitted on (the window is at most the last 26 weeks)'),
  to: z.string().describe('Last day with data that the curves were fitted on'),
  model: z.string(),
  modelVersion: z.string(),
  summary: z
    .object({
      objective: z.string().describe('What the allocator maximises and under which constraints, in words'),
      headline: z
        .string()
        .describe(
          'What the recommended split is worth and what its marginal return means (below 1: spending less in total would raise revenue minus ad spend)',
        ),
      marginalBelowBreakEven: z
        .boolean()
        .nullable()
        .describe(
          'Revenue only: true when totals.marginalRoas < 1 (the last unit of spend returns less than it costs); null for conversions or when no entity is free to move',
        ),
    })
    .describe('The recommendation in words (added in 2.2.0)'),
  totals: z.object({
    currentDailyMicros: z.number(),
    recommendedDailyMicros: z.number(),
    expectedResponse: z.number().describe('Expected daily conversions or revenue (micros) from media'),
    currentResponse: nullableNum,
    expectedGain: nullableNum.describe(
      'Expected daily gain vs the current split: the median over the bootstrap refits of the curves (= gainInterval.p50; fittedGain without refits)',
    ),
    fittedGain: nullableNum.describe(
      'The gain under the fitted curves (expectedResponse − currentResponse); biased upward, since the split was chosen on them',
    ),
    gainInterval: z.object({ p05: z.number(), p50: z.number(), p95: z.number() }).nullable(),
    bindingCount: z.object({ locked: z.number(), min: z.number(), max: z.number() }),
    spendChangeMicros: z.number().describe('recommendedDailyMicros − currentDailyMicros'),
    expectedGainNetOfSpend: nullableNum.describe(
      'Revenue only: expectedGain − spendChangeMicros, the expected change of revenue minus ad spend per day (null for conversions)',
    ),
    marginalResponse: nullableNum.describe(
      'The marginal response (revenue micros or conversions per micro of spend) that every entity still free to move (fitted, at no bound, not held) shares at the recommended split: what the allocator equalises; null when none is free',
    ),
    marginalRoas: nullableNum.describe(
      'Revenue only: marginalResponse as a ratio, the revenue the last unit of spend brings back; below 1 it costs more than it returns',
    ),
    marginalCpaMicros: nullableNum.describe(
      'Conversions only: 1 ÷ marginalResponse, what the next conversion costs at the recommended split',
    ),
  }),
  target: z
    .object({
      metric: z.enum(['roas', 'cpaMicros']).describe('The target asked for'),
      required: z.number().describe('The target, in its own units: a ROAS, or a CPA in micros'),
      achieved: z
        .number()
        .nullable()
        .describe('What the recommended split is expected to give, in the same units (null: no conversions)'),
      capBinds: z
        .boolean()
        .describe(
          'True when even the largest budget allowed meets the target: the budget cap binds, not the target',
        ),
    })
    .nullable(),
  allocations: z.array(
    z.object({
      entityId: z.string(),
      name: z.string(),
      currentDailyMicros: z.number(),
      recommendedDailyMicros: z.number(),
      changePct: nullableNum,
      expectedResponse: nullableNum,
      currentResponse: nullableNum,
      observedResponse: nullableNum.describe(
        'Conversions or revenue (micros) per day as reported over the weeks fitted; the curve credits spend with at most this over those weeks',
      ),
      marginalResponse: nullableNum.describe(
        'The slope of the curve at the recommended spend: revenue micros (or conversions) per micro of the next unit of spend',
      ),
      binding: z.enum(['locked', 'min', 'max']).nullable(),
      fitted: z.boolean(),
      recentChange: z
        .object({
          proposalId: z.string(),
          status: z.enum(['pending_approval', 'applied']),
          at: z.string(),
          dailyBudgetMicros: z.number().nullable(),
        })
        .nullable()
        .describe(
          'A budget change made through Omnify that the spend read here cannot show yet (applied in the last 14 days, or waiting for approval): the campaign is locked at its current spend',
        ),
      currentBudgetMicros: nullableNum.describe(
        "The campaign's daily budget now (null: platform level, or the budget is on ad groups / ad sets)",
      ),
      budgetChangePct: nullableNum.describe(
        'The change to make to the daily budget, in percent: the same proportion as the spend change (a campaign often spends less than its budget)',
      ),
      proposedBudgetMicros: nullableNum.describe(
        'The daily budget to set: currentBudgetMicros moved by budgetChangePct (propose it with percent = budgetChangePct)',
      ),
      observedRoas: nullableNum.describe('Revenue ÷ spend over the weeks read, as the platforms report it'),
      fittedRoas: nullableNum.describe(
        "The response curve's ROAS over the same weeks (the model's estimate)",
      ),
      historicalRoas: nullableNum.describe('Deprecated: the same as fittedRoas'),
      currentMarginalResponse: nullableNum.describe(
        'The slope of the curve at the current spend (as marginalResponse, which is at the recommended spend)',
      ),
      fittedRoasAtCurrent: nullableNum.describe(
        "Revenue only: the curve's average ROAS at the current daily spend (what it credits to that spend ÷ the spend)",
      ),
      fittedRoasAtRecommended: nullableNum.describe(
        "Revenue only: the curve's average ROAS at the recommended daily spend",
      ),
      marginalRoasAtCurrent: nullableNum.describe(
        'Revenue only: revenue the next unit of spend brings at the current spend (the slope of the curve); at most fittedRoasAtCurrent, since the curves are concave',
      ),
      marginalRoasAtRecommended: nullableNum.describe(
        'Revenue only: the same at the recommended spend; entities free to move share it (totals.marginalRoas)',
      ),
      marginalCpaAtCurrentMicros: nullableNum.describe(
        'Conversions only: what the next conversion costs at the current spend (1 ÷ currentMarginalResponse)',
      ),
      marginalCpaAtRecommendedMicros: nullableNum.describe(
        'Conversions only: the same at the recommended spend',
      ),
    }),
  ),
  warnings: z.array(z.string()),
});

export const clvQuery = z.strictObject({
  clientId: idSchema.describe(
    'The client whose CRM contacts are valued (its won opportunities are the transactions)',
  ),
  horizonDays: z.coerce
    .number()
    .int()
    .min(1)
    .max(3660)
    .default(90)
    .describe('Days ahead, 1-3660 (default 90)'),
  until: dateSchema.optional().describe('Last day of the calibration period (default: the last CRM sync)'),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(100)
    .describe('Contacts listed, highest value first'),
});

export const clvSchema = z.object({
  clientId: z.string(),
  currency: z.string(),
  until: z.string(),
  unit: z.enum(['day', 'week']).describe('Unit of recency, T and alpha'),
  horizonDays: z.number().int(),
  model: z.string(),
  modelVersion: z.string(),
  data: z.object({
    transactions: z.number().int(),
    transactionsAfterUntil: z.number().int(),
    customers: z.number().int(),
    repeatCustomers: z.number().int(),
  }),
  bgnbd: z.object({
    params: z.object({ r: z.number(), alpha: z.number(), a: z.number(), b: z.number() }),
    logLikelihood: z.number(),
    evaluations: z.number().int(),
  }),
  gammaGamma: z
    .object({
      params: z.object({
        p: z.number(),
        q: z.number(),
        gamma: z
          .number()
          .describe('Scale of the spend model, in micros of `currency` (p and q are scale-free)'),
      }),
      logLikelihood: z.number(),
      evaluations: z.number().int(),
      customers: z.number().int(),
      zeroValueCustomers: z.number().int(),
      frequencyValueCorrelation: z.number().describe('The spend model assumes about 0'),
    })
    .nullable()
    .describe('Null when the spend model cannot be fitted (see warnings)'),
  diagnostics: z.object({
    observedRepeatPurchases: z.number(),
    expectedRepeatPurchases: z
      .number()
      .describe('Repeat purchases BG/NBD expects over each contact’s own observation time, summed'),
    repeatPurchaseRatio: nullableNumber.describe('expected ÷ observed; near 1 for a model that fits'),
    probabilityAlive: z.object({ p10: z.number(), median: z.number(), p90: z.number() }),
    horizonInUnit: z.number(),
  }),
  totals: z.object({
    contacts: z.number().int(),
    expectedPurchases: z.number(),
    expectedValueMicros: nullableNumber.describe('Over the horizon, in micros of `currency`'),
  }),
  newCustomer: z.object({
    expectedPurchases: z.number(),
    expectedValueMicros: nullableNumber.describe('Over the horizon, in micros of `currency`'),
  }),
  contacts: z.array(
    z.object({
      contactExternalId: z.string(),
      contactId: z.string().nullable(),
      name: z.string().nullable(),
      frequency: z.number().int().describe('Repeat purchase days'),
      recency: z.number(),
      T: z.number(),
      monetaryValueMicros: z
        .number()
        .describe('Mean value of the repeat purchase days, in micros of `currency`'),
      firstPurchase: z.string(),
      lastPurchase: z.string(),
      probabilityAlive: z.number(),
      expectedPurchases: z.number(),
      expectedAverageValueMicros: nullableNumber.describe('Per purchase, in micros of `currency`'),
      expectedValueMicros: nullableNumber.describe('Over the horizon, in micros of `currency`'),
    }),
  ),
  warnings: z.array(z.string()),
});

export const listPredictionsQuery = z
  .strictObject({
    type: z
      .enum(predictionTypes)
      .optional()
      .describe(
        'forecast, forecast_score (a forecast scored on its actuals), anomaly, fatigue or allocation',
      ),
    entityType: z.enum(entityTypes).optional(),
    entityId: entityIdSchema.optional(),
    runId: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .optional()
      .describe("One run: a forecast's steps or an allocation's entities (its predictionId)"),
    metric: z.string().trim().min(1).max(64).optional(),
    computedFrom: dateSchema.optional().describe('First day (UTC) the predictions were computed on'),
    computedTo: dateSchema.optional().describe('Last day (UTC) the predictions were computed on'),
    ...pageQuery,
  })
  .superRefine(checkEntity)
  .refine((q) => !q.computedFrom || !q.computedTo || q.computedFrom <= q.computedTo, {
    message: 'computedFrom is after computedTo',
    path: ['computedFrom'],
  });

export const predictionSchema = z.object({
  id: z.string(),
  runId: z
    .string()
    .describe(
      "The run the row belongs to: a forecast's steps or an allocation's entities share one; each anomaly and fatigue row is its own",
    ),
  type: z.string(),
  entityType: z.string(),
  entityId: z.string().nullable().describe('null for the organization'),
  metric: z.string(),
  horizonDays: z.number(),
  step: z.number().describe('Step of a forecast (1…horizon); 0 where there are no steps'),
  forDate: z.string().describe('The day predicted (or scored, or flagged)'),
  computedAt: z.string(),
  value: z
    .number()
    .describe(
      "A forecast step's mean (micros for spend and revenue, a count, a ratio for ROAS), a score's MASE, an anomaly's alert score, a fatigue's p14, an allocation's recommended daily micros",
    ),
  lo80: z.number().nullable(),
  hi80: z.number().nullable(),
  lo95: z.number().nullable(),
  hi95: z.number().nullable(),
  confidence: z.number().nullable(),
  model: z.string(),
  modelVersion: z.string(),
  inputsHash: z.string().describe('SHA-256 of the inputs: the same inputs are stored once'),
  explanation: z.unknown().describe('Why: the model’s explanation as stored with the row'),
});
