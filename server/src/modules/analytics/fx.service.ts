/**
 * FX rates. Omnify fetches no rates itself: the operator loads the install-wide table (`fx_rates`,
 * e.g. the ECB's daily euro reference rates) and an organization's admin may load its own rates
 * (`organization_fx_rates`), which win over the install's for the same pair and day. Every change
 * an organization makes is audited.
 */
import type { Clock } from '../../platform/clock.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx } from '../auth/context.ts';
import type { FxRate } from './fx.convert.ts';

export interface FxRateInput {
  date: string;
  base: string;
  quote: string;
  rate: number;
}

export interface FxRateFilter {
  base?: string;
  quote?: string;
  from?: string;
  to?: string;
  limit: number;
}

const CHUNK = 500;

function chunks<T>(xs: T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

const byDateDescThenPair = (a: FxRate, b: FxRate) =>
  a.date !== b.date
    ? a.date < b.date
      ? 1
      : -1
    : `${a.base}/${a.quote}`.localeCompare(`${b.base}/${b.quote}`);

export function createFx({ storage, audit, clock }: { storage: Storage; audit: Audit; clock: Clock }) {
  /**
   * Every rate (install and organization) touching one of `currencies` up to `to`: enough to
   * convert them directly, by inverse, or through any pivot.
   */
  async function ratesFor(
    trx: Executor,
    organizationId: string,
    currencies: string[],
    to: string,
  ): Promise<FxRate[]> {
    if (currencies.length === 0) return [];
    const [install, own] = await Promise.all([
      trx
        .selectFrom('fx_rates')
        .select(['date', 'base', 'quote', 'rate'])
        .where('date', '<=', to)
        .where((eb) => eb.or([eb('base', 'in', currencies), eb('quote', 'in', currencies)]))
        .execute(),
      trx
        .selectFrom('organization_fx_rates')
        .select(['date', 'base', 'quote', 'rate'])
        .where('organization_id', '=', organizationId)
        .where('date', '<=', to)
        .where((eb) => eb.or([eb('base', 'in', currencies), eb('quote', 'in', currencies)]))
        .execute(),
    ]);
    return [
      ...install.map((r) => ({ ...r, rate: Number(r.rate), source: 'install' as const })),
      ...own.map((r) => ({ ...r, rate: Number(r.rate), source: 'organization' as const })),
    ];
  }

  /** The rates in effect (the organization's over the install's), newest first. */
  async function list(ctx: Ctx, f: FxRateFilter): Promise<{ items: FxRate[]; truncated: boolean }> {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      let install = trx.selectFrom('fx_rates').select(['date', 'base', 'quote', 'rate']);
      let own = trx
        .selectFrom('organization_fx_rates')
        .select(['date', 'base', 'quote', 'rate'])
        .where('organization_id', '=', ctx.organizationId);
      if (f.base) {
        install = install.where('base', '=', f.base);
        own = own.where('base', '=', f.base);
      }
      if (f.quote) {
        install = install.where('quote', '=', f.quote);
        own = own.where('quote', '=', f.quote);
      }
      if (f.from) {
        install = install.where('date', '>=', f.from);
        own = own.where('date', '>=', f.from);
      }
      if (f.to) {
        install = install.where('date', '<=', f.to);
        own = own.where('date', '<=', f.to);
      }
      // Either side alone may fill the page, so each is read up to limit + 1 and merged.
      const take = f.limit + 1;
      const [a, b] = await Promise.all([
        install.orderBy('date', 'desc').orderBy('base').orderBy('quote').limit(take).execute(),
        own.orderBy('date', 'desc').orderBy('base').orderBy('quote').limit(take).execute(),
      ]);
      const merged = new Map<string, FxRate>();
      for (const r of a)
        merged.set(`${r.date}${r.base}${r.quote}`, { ...r, rate: Number(r.rate), source: 'install' });
      for (const r of b)
        merged.set(`${r.date}${r.base}${r.quote}`, { ...r, rate: Number(r.rate), source: 'organization' });
      const all = [...merged.values()].sort(byDateDescThenPair);
      return { items: all.slice(0, f.limit), truncated: all.length > f.limit };
    });
  }

  /** Inserts or replaces the organization's rates for the given pairs and days; one audit entry. */
  async function upsert(ctx: Ctx, rates: FxRateInput[]): Promise<{ upserted: number }> {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const now = clock.now().toISOString();
      for (const part of chunks(rates)) {
        await trx
          .insertInto('organization_fx_rates')
          .values(part.map((r) => ({ organization_id: ctx.organizationId, ...r, updated_at: now })))
          .onConflict((oc) =>
            oc.columns(['organization_id', 'base', 'quote', 'date']).doUpdateSet((eb) => ({
              rate: eb.ref('excluded.rate'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
      const dates = rates.map((r) => r.date).sort();
      await audit.recordFor(trx, ctx, {
        action: 'analytics.fx_rates_upserted',
        target: { type: 'organization', id: ctx.organizationId },
        input: rates,
        metadata: {
          count: rates.length,
          pairs: [...new Set(rates.map((r) => `${r.base}/${r.quote}`))].sort(),
          from: dates[0],
          to: dates[dates.length - 1],
        },
      });
      return { upserted: rates.length };
    });
  }

  /**
   * Loads install-wide rates (operator tooling: a CLI command or a script fed from the ECB). Not
   * exposed over HTTP, where every caller acts for one organization.
   */
  async function loadInstallRates(rates: FxRateInput[]): Promise<number> {
    await storage.transaction(async (trx) => {
      for (const part of chunks(rates)) {
        await trx
          .insertInto('fx_rates')
          .values(part)
          .onConflict((oc) =>
            oc.columns(['date', 'base', 'quote']).doUpdateSet((eb) => ({ rate: eb.ref('excluded.rate') })),
          )
          .execute();
      }
    });
    return rates.length;
  }

  return { ratesFor, list, upsert, loadInstallRates };
}

export type Fx = ReturnType<typeof createFx>;
