/**
 * What a portal user reads, always for the one client of their token: the client and its resolved
 * branding, KPIs with period-over-period change and daily series, campaigns, and monthly reports.
 * Figures come from services.analytics and services.catalog (the agency dashboard's own sources);
 * this module only narrows them to the client. Another client's campaign, even in the same
 * organization, is 404, exactly like a campaign that does not exist.
 */
import type { Clock } from '../../platform/clock.ts';
import { invalidField, invalidInputOf, notFound } from '../../platform/errors.ts';
import type { Storage } from '../../storage/db.ts';
import type { AnalyticsModule, MetricsResult } from '../analytics/index.ts';
import {
  coverageNote,
  type MonthCoverage,
  monthBoundsOf,
  monthCoverage,
  previousMonth,
} from '../analytics/month-coverage.ts';
import { addDays, daysInclusive, isIsoDate } from '../analytics/periods.ts';
import type { Ctx } from '../auth/context.ts';
import type { CatalogModule } from '../catalog/index.ts';
import { retentionDefaults } from '../retention/retention.service.ts';
import type { Branding } from './branding.service.ts';
import type { PortalCtx } from './portal-auth.service.ts';
import type { PortalUsers } from './portal-users.service.ts';

/** The longest window a portal chart asks for. */
export const MAX_PORTAL_DAYS = 366;
const DEFAULT_DAYS = 30;

type Totals = MetricsResult['totals'];
const headline = [
  'spendMicros',
  'conversions',
  'conversionValueMicros',
  'clicks',
  'impressions',
  'roas',
  'cpaMicros',
  'ctr',
] as const;
export type HeadlineMetric = (typeof headline)[number];

export interface Change {
  previous: number | null;
  change: number | null;
  changeRatio: number | null;
}

function changes(cur: Totals, prev: Totals): Record<HeadlineMetric, Change> {
  const out = {} as Record<HeadlineMetric, Change>;
  for (const k of headline) {
    const c = cur[k];
    const p = prev[k];
    const change = c === null || p === null ? null : c - p;
    out[k] = { previous: p, change, changeRatio: change === null || !p ? null : change / Math.abs(p) };
  }
  return out;
}

export function createPortalData({
  storage,
  clock,
  analytics,
  catalog,
  branding,
  users,
}: {
  storage: Storage;
  clock: Clock;
  analytics: AnalyticsModule;
  catalog: CatalogModule;
  branding: Branding;
  users: PortalUsers;
}) {
  /** A read-only context for the shared readers: the organization of the token, no agency role. */
  const readCtx = (p: PortalCtx): Ctx => ({
    organizationId: p.organizationId,
    actor: { type: 'portal_user', id: p.portalUserId },
    userId: null,
    role: 'viewer',
    ip: p.ip,
    userAgent: p.userAgent,
    requestId: p.requestId,
  });
  const filterOf = (p: PortalCtx) => ({ clientIds: [p.clientId] });

  /**
   * The currency the client is billed in: every portal amount is in it (analytics converts other
   * accounts' spend with the organization's rates, and leaves out, with a warning, what it has no
   * rate for), not in the agency's reporting currency.
   */
  async function currencyOf(p: PortalCtx): Promise<string> {
    const row = await storage.withTenant(p.organizationId, (trx) =>
      trx
        .selectFrom('clients')
        .select('currency')
        .where('organization_id', '=', p.organizationId)
        .where('id', '=', p.clientId)
        .executeTakeFirst(),
    );
    if (!row) throw notFound('Client', p.clientId);
    return row.currency;
  }

  /** The first day the metrics retention purge keeps (older days are deleted). */
  async function metricsCutoffDay(p: PortalCtx, today: string): Promise<string> {
    const row = await storage.withTenant(p.organizationId, (trx) =>
      trx
        .selectFrom('retention_policies')
        .select('metrics_days')
        .where('organization_id', '=', p.organizationId)
        .executeTakeFirst(),
    );
    return addDays(today, -(row?.metrics_days ?? retentionDefaults.metricsDays));
  }

  /** The requested window, or the 30 days that end yesterday. */
  function periodOf(q: { from?: string; to?: string }) {
    const yesterday = addDays(clock.now().toISOString().slice(0, 10), -1);
    const notADay = (['from', 'to'] as const).filter((k) => q[k] !== undefined && !isIsoDate(q[k]));
    if (notADay.length)
      throw invalidInputOf(
        notADay.map((k) => ({
          location: `querystring.${k}`,
          path: [k],
          code: 'invalid_format',
          message: `${k} is a day written YYYY-MM-DD, such as 2024-03-31`,
        })),
      );
    const to = q.to ?? yesterday;
    const from = q.from ?? addDays(to, -(DEFAULT_DAYS - 1));
    if (from > to)
      throw invalidField('querystring', ['from'], `from (${from}) must not be after to (${to})`, {
        details: { from, to },
      });
    if (daysInclusive(from, to) > MAX_PORTAL_DAYS)
      throw invalidField(
        'querystring',
        ['from'],
        `At most ${MAX_PORTAL_DAYS} days at a time: from ${from} to ${to} is ${daysInclusive(from, to)}`,
        { code: 'too_big', issue: { maximum: MAX_PORTAL_DAYS }, details: { from, to } },
      );
    return { from, to };
  }

  async function me(p: PortalCtx) {
    return storage.withTenant(p.organizationId, async (trx) => {
      const client = await trx
        .selectFrom('clients')
        .select(['id', 'name', 'company', 'portal_slug', 'currency'])
        .where('organization_id', '=', p.organizationId)
        .where('id', '=', p.clientId)
        .executeTakeFirst();
      if (!client) throw notFound('Client', p.clientId);
      const org = await trx
        .selectFrom('organizations')
        .select(['id', 'name', 'reporting_currency'])
        .where('id', '=', p.organizationId)
        .executeTakeFirstOrThrow();
      const user = await trx
        .selectFrom('portal_users')
        .selectAll()
        .where('organization_id', '=', p.organizationId)
        .where('id', '=', p.portalUserId)
        .executeTakeFirstOrThrow();
      return {
        user: users.toPortalUser(user),
        client: {
          id: client.id,
          name: client.name,
          company: client.company,
          portalSlug: client.portal_slug ?? null,
          currency: client.currency,
        },
        organization: { id: org.id, name: org.name, reportingCurrency: org.reporting_currency },
        branding: await branding.resolve(trx, p.organizationId, p.clientId),
      };
    });
  }

  async function overview(p: PortalCtx, q: { from?: string; to?: string }) {
    const { from, to } = periodOf(q);
    const ctx = readCtx(p);
    const currency = await currencyOf(p);
    const daily = await analytics.metrics(ctx, {
      from,
      to,
      groupBy: ['day'],
      filter: filterOf(p),
      compare: 'previous_period',
      limit: MAX_PORTAL_DAYS,
      currency,
    });
    const platforms = await analytics.metrics(ctx, {
      from,
      to,
      groupBy: ['platform'],
      filter: filterOf(p),
      limit: 50,
      currency,
    });
    const previous = daily.comparison;
    return {
      from,
      to,
      currency: daily.currency,
      totals: daily.totals,
      previous: previous ? { from: previous.from, to: previous.to, totals: previous.totals } : null,
      changes: previous ? changes(daily.totals, previous.totals) : null,
      daily: daily.rows,
      byPlatform: platforms.rows,
      warnings: [...daily.warnings, ...platforms.warnings],
    };
  }

  /** The client's campaigns with their figures over the window, biggest spend first. */
  async function campaigns(p: PortalCtx, q: { from?: string; to?: string }) {
    const { from, to } = periodOf(q);
    const ctx = readCtx(p);
    const all = [];
    let cursor: string | undefined;
    // A client has tens of campaigns, not thousands; 10 pages of 200 is a generous bound.
    for (let page = 0; page < 10; page++) {
      const res = await catalog.listCampaigns(ctx, { clientId: p.clientId, limit: 200, cursor });
      all.push(...res.items);
      if (!res.nextCursor) break;
      cursor = res.nextCursor;
    }
    const m = await analytics.metrics(ctx, {
      from,
      to,
      groupBy: ['campaign'],
      filter: filterOf(p),
      limit: 5000,
      currency: await currencyOf(p),
    });
    const byId = new Map(m.rows.map((r) => [r.campaignId, r]));
    const items = all
      .filter((c) => c.clientId === p.clientId)
      .map((c) => {
        const r = byId.get(c.id);
        return {
          id: c.id,
          name: c.name,
          platform: c.platform,
          status: c.status,
          objective: c.objective,
          budgetCurrency: c.currency,
          dailyBudgetMicros: c.dailyBudgetMicros,
          metrics: r ? pickTotals(r) : null,
        };
      })
      .sort(
        (a, b) =>
          (b.metrics?.spendMicros ?? 0) - (a.metrics?.spendMicros ?? 0) || a.name.localeCompare(b.name),
      );
    return { from, to, currency: m.currency, items, warnings: m.warnings };
  }

  async function campaign(p: PortalCtx, campaignId: string, q: { from?: string; to?: string }) {
    const { from, to } = periodOf(q);
    const ctx = readCtx(p);
    const c = await catalog.getCampaign(ctx, campaignId);
    // Same organization, other client: indistinguishable from a campaign that does not exist.
    if (c.clientId !== p.clientId) throw notFound('Campaign', campaignId);
    const m = await analytics.metrics(ctx, {
      from,
      to,
      groupBy: ['day'],
      filter: { clientIds: [p.clientId], campaignIds: [campaignId] },
      compare: 'previous_period',
      limit: MAX_PORTAL_DAYS,
      currency: await currencyOf(p),
    });
    return {
      campaign: {
        id: c.id,
        name: c.name,
        platform: c.platform,
        status: c.status,
        objective: c.objective,
        budgetCurrency: c.currency,
        dailyBudgetMicros: c.dailyBudgetMicros,
        startDate: c.startDate,
        endDate: c.endDate,
        adAccountName: c.adAccountName,
        adGroupCount: c.adGroupCount,
        adCount: c.adCount,
      },
      from,
      to,
      currency: m.currency,
      totals: m.totals,
      previous: m.comparison
        ? { from: m.comparison.from, to: m.comparison.to, totals: m.comparison.totals }
        : null,
      changes: m.comparison ? changes(m.totals, m.comparison.totals) : null,
      daily: m.rows,
      warnings: m.warnings,
    };
  }

  /**
   * The monthly report: the month's totals against the previous calendar month, by platform, the top
   * campaigns, the daily series and plain-language highlights computed from those figures. Without
   * `month`, the latest month with data of the last twelve. `coverage` says which days of each month
   * have data; when either month has data for only part of its days (retention purge, history that
   * starts mid-month, a month still running), `changes` is null and the highlights say why instead
   * of a percentage. Months entirely before the metrics retention cutoff are not in `months`.
   */
  async function report(p: PortalCtx, q: { month?: string }) {
    const ctx = readCtx(p);
    const today = clock.now().toISOString().slice(0, 10);
    const thisMonth = today.slice(0, 7);
    const currency = await currencyOf(p);
    const cutoff = await metricsCutoffDay(p, today);
    let earliest = thisMonth;
    for (let i = 0; i < 11; i++) earliest = previousMonth(earliest);
    const months = await analytics.metrics(ctx, {
      from: `${earliest}-01`,
      to: today,
      groupBy: ['month'],
      filter: filterOf(p),
      limit: 24,
      currency,
    });
    const available = months.rows
      .filter((r) => r.impressions > 0 || r.spendMicros > 0)
      .map((r) => r.month as string)
      // A month that ended before the retention cutoff is being purged: not offered.
      .filter((m) => monthBoundsOf(m).to >= cutoff)
      .sort()
      .reverse();
    // Clients read the last complete month; the current one only while it is the only one with data.
    const month = q.month ?? available.find((m) => m < thisMonth) ?? available[0] ?? thisMonth;
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month))
      throw invalidField('querystring', ['month'], 'month is written YYYY-MM, such as 2024-03', {
        code: 'invalid_format',
        details: { field: 'month' },
      });
    if (month > thisMonth)
      throw invalidField(
        'querystring',
        ['month'],
        `That month has not started yet (this month is ${thisMonth})`,
        {
          details: { field: 'month' },
        },
      );
    const bounds = monthBoundsOf(month);
    const to = [bounds.to, today].sort()[0] as string;
    const prevMonth = previousMonth(month);
    const prev = monthBoundsOf(prevMonth);
    const [cur, before, platforms, top] = [
      await analytics.metrics(ctx, {
        from: bounds.from,
        to,
        groupBy: ['day'],
        filter: filterOf(p),
        limit: 31,
        currency,
      }),
      await analytics.metrics(ctx, { ...prev, groupBy: ['day'], filter: filterOf(p), limit: 31, currency }),
      await analytics.metrics(ctx, {
        from: bounds.from,
        to,
        groupBy: ['platform'],
        filter: filterOf(p),
        limit: 50,
        currency,
      }),
      await analytics.metrics(ctx, {
        from: bounds.from,
        to,
        groupBy: ['campaign'],
        filter: filterOf(p),
        sort: '-spendMicros',
        limit: 10,
        currency,
      }),
    ];
    const coverage = {
      current: monthCoverage(
        month,
        cur.rows.map((r) => r.day as string),
      ),
      previous: monthCoverage(
        prevMonth,
        before.rows.map((r) => r.day as string),
      ),
    };
    const comparable = !coverage.current.partial && !coverage.previous.partial;
    const delta = changes(cur.totals, before.totals);
    return {
      months: available,
      report: {
        month,
        from: bounds.from,
        to,
        complete: bounds.to < today,
        currency: cur.currency,
        source: 'analytics' as const,
        totals: cur.totals,
        previous: { month: prevMonth, from: prev.from, to: prev.to, totals: before.totals },
        coverage,
        comparable,
        changes: comparable ? delta : null,
        byPlatform: platforms.rows,
        topCampaigns: top.rows,
        daily: cur.rows,
        highlights: highlightsOf(
          cur.totals,
          comparable ? delta : null,
          cur.currency,
          prevMonth,
          platforms.rows,
          coverage,
        ),
        warnings: [
          ...cur.warnings,
          ...before.warnings.map((w) => ({ ...w, details: { ...w.details, period: 'comparison' } })),
        ],
      },
    };
  }

  return { me, overview, campaigns, campaign, report, periodOf };
}

const pickTotals = (t: Totals) => ({
  spendMicros: t.spendMicros,
  impressions: t.impressions,
  clicks: t.clicks,
  conversions: t.conversions,
  conversionValueMicros: t.conversionValueMicros,
  ctr: t.ctr,
  cpaMicros: t.cpaMicros,
  roas: t.roas,
});

const money = (micros: number, currency: string) =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 }).format(
    micros / 1e6,
  );
const pct = (r: number) => `${r > 0 ? '+' : ''}${Math.round(r * 100)}%`;
const monthLabel = (m: string) =>
  new Date(`${m}-01T00:00:00Z`).toLocaleDateString('en-US', {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
const platformLabels: Record<string, string> = {
  google_ads: 'Google Ads',
  meta: 'Meta',
  linkedin: 'LinkedIn',
};

/** Sentences a client can read in the report, from the figures only (no language model). */
function highlightsOf(
  t: Totals,
  d: Record<HeadlineMetric, Change> | null,
  currency: string,
  prevMonth: string,
  platforms: MetricsResult['rows'],
  coverage: { current: MonthCoverage; previous: MonthCoverage },
): string[] {
  const out: string[] = [];
  const vs = (k: HeadlineMetric) => {
    const r = d?.[k].changeRatio ?? null;
    return r === null ? '' : ` (${pct(r)} vs ${monthLabel(prevMonth)})`;
  };
  if (t.spendMicros === 0 && t.impressions === 0) return ['No advertising ran in this month.'];
  const notes = [
    coverage.current.partial ? coverageNote('month', coverage.current) : null,
    coverage.previous.partial ? coverageNote('previous month', coverage.previous) : null,
  ].filter((n): n is string => n !== null);
  if (notes.length)
    out.push(
      `${notes.join('; ').replace(/^./, (c) => c.toUpperCase())}: no change against ${monthLabel(prevMonth)} is shown.`,
    );
  out.push(`Invested ${money(t.spendMicros, currency)} in advertising${vs('spendMicros')}.`);
  out.push(`${Math.round(t.conversions).toLocaleString('en-US')} conversions${vs('conversions')}.`);
  if (t.cpaMicros !== null)
    out.push(`Cost per conversion ${money(t.cpaMicros, currency)}${vs('cpaMicros')}.`);
  if (t.roas !== null) out.push(`Return on ad spend ${t.roas.toFixed(2)}×${vs('roas')}.`);
  const best = platforms.filter((r) => r.conversions > 0).sort((a, b) => b.conversions - a.conversions)[0];
  if (best?.platform && platforms.length > 1)
    out.push(
      `${platformLabels[best.platform] ?? best.platform} brought the most conversions (${Math.round(best.conversions).toLocaleString('en-US')}).`,
    );
  return out;
}

export type PortalData = ReturnType<typeof createPortalData>;
