/**
 * Agency-client churn risk: a transparent, rule-based score from what the store holds today, spend
 * pacing against the client's monthly budget and the 4-week performance trend (ROAS, CPA), with the
 * reasons that drive it, plus the relationship signals Omnify records: client-portal sign-ins and
 * open integration issues (the client's connections that need reconnecting or fail). Not a fitted model: the score ranks clients for a human to look at, it is not a
 * probability. Read-only: nothing is stored.
 */
import type { Clock } from '../../platform/clock.ts';
import { notFound } from '../../platform/errors.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import { convertRows } from '../analytics/analytics.convert.ts';
import type { Fx } from '../analytics/index.ts';
import { emptySums } from '../analytics/kpis.ts';
import type { Ctx } from '../auth/context.ts';
import { addDays } from './oracle.series.ts';

const daysBetween = (a: string, b: string) =>
  Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);

export const CHURN_MODEL = 'churn-rules';
export const CHURN_MODEL_VERSION = '1.0.0';
/**
 * Weights of the signals in the score. Spend and performance sum to 1, as before portal and
 * integration data existed; the two relationship signals add on top and the score is capped at 1,
 * so a client without portal users scores as it always did.
 */
const W = { pacing: 0.4, roas: 0.3, cpa: 0.3, portal: 0.15, issues: 0.15 };
/** Portal: no sign-in for this many days starts to count, fully at PORTAL_FULL_DAYS. */
const PORTAL_GRACE_DAYS = 14;
const PORTAL_FULL_DAYS = 60;
/** A move of this much or more counts fully. */
const FULL_DEVIATION = 0.5;
/** Trend windows are 28 days; one holding data on fewer days than this is not compared. */
const TREND_WINDOW_DAYS = 28;
const MIN_COVERED_DAYS = 26;

export interface ChurnFactor {
  factor: 'spend_pacing' | 'roas_trend' | 'cpa_trend' | 'portal_engagement' | 'open_issues';
  status: 'ok' | 'risk' | 'not_available';
  contribution: number;
  detail: string;
}

export interface ClientChurn {
  clientId: string;
  name: string;
  currency: string;
  asOf: string | null;
  risk: number | null;
  level: 'low' | 'medium' | 'high' | null;
  /** Factors that add to the risk, largest first. */
  reasons: ChurnFactor[];
  factors: ChurnFactor[];
  pacing: {
    budgetMicros: number | null;
    monthToDateSpendMicros: number;
    expectedSpendMicros: number | null;
    ratio: number | null;
  };
  trend: {
    roasLast28: number | null;
    roasPrior28: number | null;
    cpaLast28Micros: number | null;
    cpaPrior28Micros: number | null;
  };
  warnings: string[];
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;
const clamp01 = (v: number) => Math.max(0, Math.min(1, v));
const pct = (v: number) => `${Math.round(v * 100)}%`;

export function createChurn({
  storage,
  clock,
  fx,
}: {
  storage: Storage;
  clock: Clock;
  /** The analytics module's FX rates: spend in other currencies is converted to the client's. */
  fx: Pick<Fx, 'ratesFor'>;
}) {
  async function churn(
    ctx: Ctx,
    q: { clientId?: string },
  ): Promise<{ model: string; modelVersion: string; items: ClientChurn[] }> {
    const org = ctx.organizationId;
    return storage.withTenant(org, async (trx) => {
      let cq = trx
        .selectFrom('clients')
        .select(['id', 'name', 'currency', 'monthly_budget_micros'])
        .where('organization_id', '=', org);
      if (q.clientId) cq = cq.where('id', '=', q.clientId);
      const clients = await cq.orderBy('id').execute();
      if (q.clientId && !clients.length) throw notFound('Client', q.clientId);
      const last = (
        await trx
          .selectFrom('daily_metrics')
          .select((eb) => eb.fn.max('date').as('last'))
          .where('organization_id', '=', org)
          .executeTakeFirst()
      )?.last as string | null | undefined;
      const items: ClientChurn[] = [];
      for (const c of clients) {
        const base = {
          clientId: c.id,
          name: c.name,
          currency: c.currency,
          asOf: last ?? null,
        };
        const notAvailable: ChurnFactor[] = await relationshipFactors(trx, org, c.id, clock.now());
        const rows = last
          ? await trx
              .selectFrom('daily_metrics')
              .select((eb) => [
                'date',
                'currency',
                // A row of negative spend is not something a platform bills: counted as no spend
                // (the day's other rows stay), and said so below.
                eb.fn
                  .sum<number>(
                    eb.case().when('spend_micros', '<', 0).then(0).else(eb.ref('spend_micros')).end(),
                  )
                  .as('spend'),
                eb.fn
                  .sum<number>(eb.case().when('spend_micros', '<', 0).then(1).else(0).end())
                  .as('negative'),
                eb.fn.sum<number>('conversions').as('conversions'),
                eb.fn.sum<number>('conversion_value_micros').as('value'),
              ])
              .where('organization_id', '=', org)
              .where('client_id', '=', c.id)
              .where('date', '>', addDays(last, -56))
              .groupBy(['date', 'currency'])
              .execute()
          : [];
        // The client's first day the store holds data for (onboarding, or what the retention purge
        // left): days before it are unknown, not days without spend.
        const firstDay = last
          ? ((
              await trx
                .selectFrom('daily_metrics')
                .select((eb) => eb.fn.min('date').as('first'))
                .where('organization_id', '=', org)
                .where('client_id', '=', c.id)
                .executeTakeFirst()
            )?.first as string | null | undefined)
          : null;
        const warnings: string[] = [];
        // Spend and value in other currencies are converted to the client's at each day's rate,
        // as analytics converts them; a currency without a usable rate is left out, and said so.
        const other = [...new Set(rows.filter((r) => r.currency !== c.currency).map((r) => r.currency))];
        const fxd = convertRows(
          rows.map((r) => ({
            entities: {},
            time: r.date,
            fxDate: r.currency === c.currency ? null : r.date,
            currency: r.currency,
            sums: {
              ...emptySums(),
              spendMicros: Number(r.spend),
              conversions: Number(r.conversions),
              conversionValueMicros: Number(r.value),
            },
          })),
          last && other.length ? await fx.ratesFor(trx, org, [...other, c.currency], last) : [],
          c.currency,
        );
        const converted = other.filter((cur) => !fxd.missing.some((m) => m.currency === cur));
        const fxNotes: string[] = [];
        if (converted.length)
          fxNotes.push(`spend in ${converted.join(', ')} converted to ${c.currency} at each day's rate`);
        for (const m of fxd.missing)
          fxNotes.push(
            `${m.currency} spend on ${m.days.size} day(s) left out: no ${m.currency}→${c.currency} rate on or before ${m.firstDate}`,
          );
        for (const m of fxd.missing)
          warnings.push(
            `No ${m.currency}→${c.currency} rate on or before ${m.firstDate}${m.lastDate !== m.firstDate ? ` (and ${m.days.size - 1} later days)` : ''}: that ${m.currency} spend (${m.spendMicros} micros) is left out of pacing and trends. Load rates with PUT /api/v1/analytics/fx-rates.`,
          );
        for (const w of fxd.warnings) if (w.code === 'fx_rate_stale') warnings.push(w.message);
        const own = fxd.rows.map((r) => ({
          date: r.time as string,
          spend: r.sums.spendMicros,
          conversions: r.sums.conversions,
          value: r.sums.conversionValueMicros,
        }));
        const negative = [...new Set(rows.filter((r) => Number(r.negative) > 0).map((r) => r.date))].sort();
        if (negative.length)
          warnings.push(
            `Negative spend reported on ${negative.length} day(s) (${negative.slice(0, 3).join(', ')}${negative.length > 3 ? ', …' : ''}): those rows are counted as no spend in pacing and trends; check the ad account's data.`,
          );
        if (!last || !own.length) {
          items.push({
            ...base,
            risk: null,
            level: null,
            reasons: [],
            factors: notAvailable,
            pacing: {
              budgetMicros: c.monthly_budget_micros === null ? null : Number(c.monthly_budget_micros),
              monthToDateSpendMicros: 0,
              expectedSpendMicros: null,
              ratio: null,
            },
            trend: { roasLast28: null, roasPrior28: null, cpaLast28Micros: null, cpaPrior28Micros: null },
            warnings: [...warnings, 'No spend in the last 8 weeks: nothing to assess'],
          });
          continue;
        }
        const sum = (from: string, to: string, k: 'spend' | 'conversions' | 'value') =>
          own.filter((r) => r.date >= from && r.date <= to).reduce((s, r) => s + Number(r[k]), 0);
        // Pacing: month-to-date spend against the budget prorated to the days elapsed.
        const monthStart = `${last.slice(0, 8)}01`;
        const dayOfMonth = Number(last.slice(8, 10));
        const daysInMonth = new Date(
          Date.UTC(Number(last.slice(0, 4)), Number(last.slice(5, 7)), 0),
        ).getUTCDate();
        const mtd = sum(monthStart, last, 'spend');
        const budget = c.monthly_budget_micros === null ? null : Number(c.monthly_budget_micros);
        const expected = budget && budget > 0 ? (budget * dayOfMonth) / daysInMonth : null;
        const ratio = expected ? mtd / expected : null;
        const factors: ChurnFactor[] = [];
        // Spend left out this month (no rate) would read as underspending that did not happen.
        const unconvertedThisMonth = fxd.missing.filter((m) =>
          [...m.days].some((d) => d >= monthStart && d <= last),
        );
        // Unless what could be converted is already an overspend: the missing part only adds to it.
        if (ratio !== null && unconvertedThisMonth.length && ratio <= 1.2)
          factors.push({
            factor: 'spend_pacing',
            status: 'not_available',
            contribution: 0,
            detail: `Pacing not judged: ${unconvertedThisMonth.map((m) => m.currency).join(', ')} spend this month cannot be converted to ${c.currency} (${fxNotes.join('; ')}); the ${pct(ratio)} of the prorated budget counted so far would understate it`,
          });
        else if (ratio === null)
          factors.push({
            factor: 'spend_pacing',
            status: 'not_available',
            contribution: 0,
            detail: `No monthly budget set for this client${fxNotes.length ? ` (${fxNotes.join('; ')})` : ''}`,
          });
        else {
          const dev = Math.abs(1 - ratio);
          const contribution = dev > 0.2 ? W.pacing * clamp01(dev / FULL_DEVIATION) : 0;
          factors.push({
            factor: 'spend_pacing',
            status: contribution > 0 ? 'risk' : 'ok',
            contribution: r3(contribution),
            // Within ±20 % of the prorated budget is on pace (no risk), whichever side it falls.
            detail: `${contribution === 0 ? 'On pace' : ratio < 1 ? 'Underspending' : 'Overspending'}: ${unconvertedThisMonth.length ? 'at least ' : ''}${pct(ratio)} of the budget prorated to day ${dayOfMonth} of ${daysInMonth}${fxNotes.length ? ` (${fxNotes.join('; ')})` : ''}`,
          });
        }
        // Trend: the last 4 weeks against the 4 before.
        const recentFrom = addDays(last, -27);
        const priorTo = addDays(last, -28);
        const priorFrom = addDays(last, -55);
        // Days of a window the store holds data for: from the client's first day with data (days
        // after it without rows are days without delivery, and count as covered).
        const coveredDays = (from: string, to: string) => {
          const start = firstDay && firstDay > from ? firstDay : from;
          return start > to ? 0 : daysBetween(start, to) + 1;
        };
        const coverage = { recent: coveredDays(recentFrom, last), prior: coveredDays(priorFrom, priorTo) };
        // A window's figures are given only when it is (nearly) fully held.
        const ratioOf = (w: 'recent' | 'prior', a: number, b: number) =>
          b > 0 && coverage[w] >= MIN_COVERED_DAYS ? a / b : null;
        const roasNow = ratioOf('recent', sum(recentFrom, last, 'value'), sum(recentFrom, last, 'spend'));
        const roasPrior = ratioOf(
          'prior',
          sum(priorFrom, priorTo, 'value'),
          sum(priorFrom, priorTo, 'spend'),
        );
        const cpaNow = ratioOf(
          'recent',
          sum(recentFrom, last, 'spend'),
          sum(recentFrom, last, 'conversions'),
        );
        const cpaPrior = ratioOf(
          'prior',
          sum(priorFrom, priorTo, 'spend'),
          sum(priorFrom, priorTo, 'conversions'),
        );
        const trendFactor = (
          factor: 'roas_trend' | 'cpa_trend',
          now: number | null,
          prior: number | null,
          worse: (change: number) => number,
          label: string,
        ) => {
          // A window only partly held (a client onboarded under 8 weeks ago, or history purged by
          // retention) would compare a few days with four weeks: no trend rather than an invented one.
          const short = (['prior', 'recent'] as const).filter((w) => coverage[w] < MIN_COVERED_DAYS);
          if (short.length)
            return factors.push({
              factor,
              status: 'not_available',
              contribution: 0,
              detail: `Not enough history to compare ${label}: the store holds data for ${short
                .map(
                  (w) =>
                    `${coverage[w]} of the ${TREND_WINDOW_DAYS} days of the ${w === 'prior' ? '4 weeks before' : 'last 4 weeks'} (${w === 'prior' ? priorFrom : recentFrom} to ${w === 'prior' ? priorTo : last})`,
                )
                .join(
                  ' and ',
                )}, from ${firstDay} on (client onboarded since, or older days purged by retention); at least ${MIN_COVERED_DAYS} are needed`,
            });
          if (now === null || prior === null || prior === 0)
            return factors.push({
              factor,
              status: 'not_available',
              contribution: 0,
              detail: `Not enough spend or conversions in both 4-week windows to compare ${label}`,
            });
          const change = now / prior - 1;
          const bad = worse(change);
          const contribution =
            bad > 0.1 ? W[factor === 'roas_trend' ? 'roas' : 'cpa'] * clamp01(bad / FULL_DEVIATION) : 0;
          return factors.push({
            factor,
            status: contribution > 0 ? 'risk' : 'ok',
            contribution: r3(contribution),
            detail: `${label} ${change >= 0 ? 'up' : 'down'} ${pct(Math.abs(change))} over the last 4 weeks vs the 4 before`,
          });
        };
        trendFactor('roas_trend', roasNow, roasPrior, (ch) => -ch, 'ROAS');
        trendFactor('cpa_trend', cpaNow, cpaPrior, (ch) => ch, 'CPA');
        const assessed = factors.filter((f) => f.status !== 'not_available');
        const all = [...factors, ...notAvailable];
        const risk = assessed.length
          ? r3(
              Math.min(
                1,
                all.reduce((s, f) => s + f.contribution, 0),
              ),
            )
          : null;
        items.push({
          ...base,
          risk,
          level: risk === null ? null : risk >= 0.5 ? 'high' : risk >= 0.2 ? 'medium' : 'low',
          reasons: all.filter((f) => f.contribution > 0).sort((a, b) => b.contribution - a.contribution),
          factors: all,
          pacing: {
            budgetMicros: budget,
            monthToDateSpendMicros: mtd,
            expectedSpendMicros: expected === null ? null : Math.round(expected),
            ratio: ratio === null ? null : r3(ratio),
          },
          trend: {
            roasLast28: roasNow === null ? null : r3(roasNow),
            roasPrior28: roasPrior === null ? null : r3(roasPrior),
            cpaLast28Micros: cpaNow === null ? null : Math.round(cpaNow),
            cpaPrior28Micros: cpaPrior === null ? null : Math.round(cpaPrior),
          },
          warnings,
        });
      }
      items.sort((a, b) => (b.risk ?? -1) - (a.risk ?? -1) || a.clientId.localeCompare(b.clientId));
      return { model: CHURN_MODEL, modelVersion: CHURN_MODEL_VERSION, items };
    });
  }

  return { churn };
}

const DAY_MS = 86_400_000;

/**
 * Portal engagement (sign-ins of the client's portal users) and open issues (its connections that
 * need reconnecting or are failing: its reports stop updating). Both are about the relationship,
 * not the ads, so they are read as of now, not as of the last day with metrics. Only integration
 * issues are recorded: there is no ticketing or support data in Omnify (reported in the detail).
 */
async function relationshipFactors(
  trx: Executor,
  org: string,
  clientId: string,
  now: Date,
): Promise<ChurnFactor[]> {
  const users = await trx
    .selectFrom('portal_users')
    .select(['id', 'last_login_at'])
    .where('organization_id', '=', org)
    .where('client_id', '=', clientId)
    .where('accepted_at', 'is not', null)
    .where('revoked_at', 'is', null)
    .execute();
  let portal: ChurnFactor;
  if (!users.length)
    portal = {
      factor: 'portal_engagement',
      status: 'not_available',
      contribution: 0,
      detail: 'No portal user of this client has accepted an invitation',
    };
  else {
    const since = new Date(now.getTime() - 56 * DAY_MS).toISOString();
    const mid = new Date(now.getTime() - 28 * DAY_MS).toISOString();
    const sessions = await trx
      .selectFrom('portal_sessions')
      .select('created_at')
      .where('organization_id', '=', org)
      .where('client_id', '=', clientId)
      .where('created_at', '>=', since)
      .execute();
    const recent = sessions.filter((x) => x.created_at >= mid).length;
    const prior = sessions.length - recent;
    const lastLogin = users.reduce<string | null>(
      (m, u) => (u.last_login_at && (!m || u.last_login_at > m) ? u.last_login_at : m),
      null,
    );
    const days = lastLogin ? Math.floor((now.getTime() - Date.parse(lastLogin)) / DAY_MS) : null;
    // Never signed in counts as fully disengaged; otherwise by days since the last sign-in.
    const severity =
      days === null ? 1 : clamp01((days - PORTAL_GRACE_DAYS) / (PORTAL_FULL_DAYS - PORTAL_GRACE_DAYS));
    const contribution = W.portal * severity;
    portal = {
      factor: 'portal_engagement',
      status: contribution > 0 ? 'risk' : 'ok',
      contribution: r3(contribution),
      detail:
        days === null
          ? `${users.length} portal user(s), none has signed in yet`
          : `Last portal sign-in ${days} day(s) ago; ${recent} sign-in(s) in the last 4 weeks vs ${prior} in the 4 before`,
    };
  }
  const broken = await trx
    .selectFrom('connections')
    .select(['name', 'platform', 'status'])
    .where('organization_id', '=', org)
    .where('client_id', '=', clientId)
    .where('status', 'in', ['needs_reconnect', 'error'])
    .execute();
  const issues: ChurnFactor = {
    factor: 'open_issues',
    status: broken.length ? 'risk' : 'ok',
    contribution: r3(W.issues * clamp01(broken.length / 2)),
    detail: broken.length
      ? `${broken.length} connection(s) need attention: ${broken.map((b) => `${b.name} (${b.status.replace('_', ' ')})`).join(', ')}; no support-ticket data is recorded`
      : 'No connection needs attention (only integration issues are recorded; no support-ticket data)',
  };
  return [portal, issues];
}
