/**
 * API calls per month, for requests made with API keys. Counting must not turn every request into a
 * database write, so each process counts in memory and adds its count to the organization's monthly
 * row at most once per flush interval (and on shutdown), re-reading the shared total and the plan's
 * allowance at the same time. A request past the allowance is refused with `plan_limit`.
 *
 * Between flushes a process sees the other processes' calls only as of its last flush: with N API
 * processes an organization can overshoot by what the others counted in one interval. The monthly
 * total itself is exact (every counted call is added once).
 */
import type { FastifyInstance } from 'fastify';
import type { BillingConfig } from '../../config.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Storage } from '../../storage/db.ts';
import { type Entitlement, periodOf, planLimitError } from './billing.plans.ts';
import { meterAdd, meterCount } from './billing.repo.ts';
import type { Limits } from './limits.service.ts';

interface OrgMeter {
  period: string;
  /** The shared monthly total as of the last refresh. */
  persisted: number;
  /** Counted here since then, not yet written. */
  pending: number;
  refreshedAt: number;
  refreshing: Promise<void> | null;
  /** The plan and allowance as of the last refresh: a plan change applies within one interval. */
  entitlement: Entitlement;
}

interface Deps {
  storage: Storage;
  clock: Clock;
  limits: Limits;
  billing: BillingConfig;
  logger?: Logger;
}

export function createApiCallMeter({ storage, clock, limits, billing, logger }: Deps) {
  const intervalMs = billing.usageFlushSeconds * 1000;
  const meters = new Map<string, OrgMeter>();

  /** Writes what this process counted (for the period it was counted in) and re-reads the total. */
  async function refresh(organizationId: string, m: OrgMeter | undefined, period: string): Promise<OrgMeter> {
    const pending = m?.pending ?? 0;
    const pendingPeriod = m?.period ?? period;
    if (m) m.pending = 0;
    try {
      const { persisted, entitlement } = await storage.withTenant(organizationId, async (trx) => {
        if (pending > 0)
          await meterAdd(trx, organizationId, 'api_calls', pendingPeriod, pending, clock.now().toISOString());
        return {
          persisted: await meterCount(trx, organizationId, 'api_calls', period),
          entitlement: await limits.entitlement(trx, organizationId),
        };
      });
      const next: OrgMeter = {
        period,
        persisted,
        pending: 0,
        refreshedAt: clock.now().getTime(),
        refreshing: null,
        entitlement,
      };
      // Calls counted while the write was in flight stay pending for the next flush.
      if (m && m.period === period) next.pending = m.pending;
      meters.set(organizationId, next);
      return next;
    } catch (e) {
      if (m) m.pending += pending;
      throw e;
    }
  }

  async function current(organizationId: string): Promise<OrgMeter> {
    const now = clock.now();
    const period = periodOf(now);
    const m = meters.get(organizationId);
    if (m && m.period === period && now.getTime() - m.refreshedAt < intervalMs) return m;
    if (m?.refreshing) {
      await m.refreshing;
      return meters.get(organizationId) as OrgMeter;
    }
    const p = refresh(organizationId, m, period);
    if (m)
      m.refreshing = p.then(
        () => undefined,
        () => undefined,
      );
    return p;
  }

  /** Counts one API-key request, or throws `plan_limit` when the month's calls are used up. */
  async function count(organizationId: string): Promise<void> {
    const m = await current(organizationId);
    const allowed = m.entitlement.limits.apiCallsPerMonth;
    const used = m.persisted + m.pending;
    if (allowed !== null && used + 1 > allowed)
      throw planLimitError(billing, m.entitlement, 'apiCallsPerMonth', used);
    m.pending++;
  }

  /** This month's calls as this process knows them (the shared total plus its own unwritten count). */
  async function used(organizationId: string): Promise<number> {
    const m = await current(organizationId);
    return m.persisted + m.pending;
  }

  /** Makes the next request re-read the plan (after a subscription change in this process). */
  function invalidate(organizationId: string) {
    const m = meters.get(organizationId);
    if (m) m.refreshedAt = Number.NEGATIVE_INFINITY;
  }

  /** Writes every pending count (on shutdown, and from tests). */
  async function flush(): Promise<void> {
    for (const [organizationId, m] of meters) {
      if (m.pending === 0) continue;
      try {
        await refresh(organizationId, m, periodOf(clock.now()));
      } catch (e) {
        logger?.error({ err: e, organizationId }, 'could not write API call counts');
      }
    }
  }

  return { count, used, invalidate, flush };
}

export type ApiCallMeter = ReturnType<typeof createApiCallMeter>;

/**
 * Counts every request authenticated with an API key (after the auth hook has set `req.ctx`: both run
 * in `preParsing`, this one installed after it; a request the rate limiter refused is not counted).
 * Billing's own routes are exempt, so an integration can always read why it is refused.
 */
export function installApiCallMetering(app: FastifyInstance, meter: ApiCallMeter) {
  app.addHook('preParsing', async (req) => {
    const ctx = req.ctx;
    if (ctx?.actor.type !== 'api_key') return;
    if (req.routeOptions.url?.startsWith('/api/v1/billing')) return;
    await meter.count(ctx.organizationId);
  });
}
