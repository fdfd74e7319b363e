/**
 * Customer value of one agency client's contacts: BG/NBD and Gamma-Gamma (clv/) fitted on the
 * client's CRM transactions, i.e. its won opportunities (contact, day won, value), with each
 * contact's expected purchases and value over the horizon, the fitted parameters and diagnostics.
 * Computed on request (a few hundred ms for thousands of contacts); nothing is stored.
 */
import type { Clock } from '../../platform/clock.ts';
import { conflict, noData, notFound } from '../../platform/errors.ts';
import type { Storage } from '../../storage/db.ts';
import type { Ctx } from '../auth/context.ts';
import {
  type CustomerPrediction,
  expectedPurchasesNewCustomer,
  fitCustomerValue,
  horizonInUnit,
  summarizeTransactions,
  type Transaction,
} from './clv/index.ts';

export const CLV_MODEL = 'bgnbd+gamma-gamma';
export const CLV_MODEL_VERSION = '1.1.0';

export interface ClvQuery {
  clientId: string;
  horizonDays: number;
  until?: string;
  limit: number;
}

export interface ContactValue {
  contactExternalId: string;
  contactId: string | null;
  name: string | null;
  frequency: number;
  recency: number;
  T: number;
  monetaryValueMicros: number;
  firstPurchase: string;
  lastPurchase: string;
  probabilityAlive: number;
  expectedPurchases: number;
  expectedAverageValueMicros: number | null;
  expectedValueMicros: number | null;
}

const r4 = (v: number) => Math.round(v * 1e4) / 1e4;
const money = (v: number | null) => (v === null ? null : Math.round(v));

export function createClv({ storage }: { storage: Storage; clock: Clock }) {
  async function clv(ctx: Ctx, q: ClvQuery) {
    const org = ctx.organizationId;
    const data = await storage.withTenant(org, async (trx) => {
      const client = await trx
        .selectFrom('clients')
        .select(['id', 'name', 'currency'])
        .where('organization_id', '=', org)
        .where('id', '=', q.clientId)
        .executeTakeFirst();
      if (!client) throw notFound('Client', q.clientId);
      const won = await trx
        .selectFrom('crm_opportunities')
        .select(['contact_external_id', 'won_at', 'value_micros', 'currency', 'synced_at'])
        .where('organization_id', '=', org)
        .where('client_id', '=', q.clientId)
        .where('status', '=', 'won')
        .where('won_at', 'is not', null)
        .where('contact_external_id', 'is not', null)
        .execute();
      return { client, won };
    });
    if (!data.won.length)
      // A valid request with nothing to compute from: 422 no_data, as forecasts, anomalies and
      // allocations answer for an entity without data.
      throw noData(
        'This client has no won opportunities with a contact in the CRM: there are no transactions to fit',
        { clientId: q.clientId },
      );
    const currencies = [...new Set(data.won.map((w) => w.currency ?? data.client.currency))].sort();
    if (currencies.length > 1)
      throw conflict(
        `This client's deals are in ${currencies.join(', ')}: the spend model needs one currency`,
        { currencies },
      );
    // The data is as of its last sync: later days are unknown, not days without purchases.
    const lastSync = data.won
      .map((w) => w.synced_at)
      .sort()
      .at(-1) as string;
    const until = q.until ?? lastSync.slice(0, 10);
    const transactions: Transaction[] = data.won.map((w) => ({
      customerId: w.contact_external_id as string,
      date: (w.won_at as string).slice(0, 10),
      amount: Number(w.value_micros),
    }));
    const summary = summarizeTransactions(transactions, { until, unit: 'week' });
    const report = fitCustomerValue(summary, { horizonDays: q.horizonDays });

    // In-sample check: the repeat purchases BG/NBD expects each contact to have made in their own
    // observation time T, summed, against those observed (a badly fitted model misses the total).
    const expectedRepeat = summary.customers.reduce(
      (s, c) => s + expectedPurchasesNewCustomer(report.bgnbd.params, c.T),
      0,
    );
    const observedRepeat = summary.customers.reduce((s, c) => s + c.frequency, 0);
    const alive = report.predictions.map((p) => p.probabilityAlive).sort((a, b) => a - b);
    const quantile = (p: number) => alive[Math.min(alive.length - 1, Math.floor(p * alive.length))] ?? 0;

    const ranked = [...report.predictions].sort(
      (a, b) =>
        (b.expectedValue ?? b.expectedPurchases) - (a.expectedValue ?? a.expectedPurchases) ||
        (a.customerId < b.customerId ? -1 : 1),
    );
    const shown = ranked.slice(0, q.limit);
    const names = await contactNames(
      org,
      q.clientId,
      shown.map((p) => p.customerId),
    );
    const totalValue = report.gammaGamma
      ? report.predictions.reduce((s, p) => s + (p.expectedValue ?? 0), 0)
      : null;
    return {
      clientId: q.clientId,
      currency: currencies[0] ?? data.client.currency,
      until,
      unit: report.unit,
      horizonDays: q.horizonDays,
      model: CLV_MODEL,
      modelVersion: CLV_MODEL_VERSION,
      data: report.data,
      bgnbd: {
        params: report.bgnbd.params,
        logLikelihood: report.bgnbd.logLikelihood,
        evaluations: report.bgnbd.evaluations,
      },
      gammaGamma: report.gammaGamma
        ? {
            params: report.gammaGamma.params,
            logLikelihood: report.gammaGamma.logLikelihood,
            evaluations: report.gammaGamma.evaluations,
            customers: report.gammaGamma.customers,
            zeroValueCustomers: report.gammaGamma.zeroValueCustomers,
            frequencyValueCorrelation: r4(report.gammaGamma.frequencyValueCorrelation),
          }
        : null,
      diagnostics: {
        observedRepeatPurchases: observedRepeat,
        expectedRepeatPurchases: r4(expectedRepeat),
        repeatPurchaseRatio: observedRepeat > 0 ? r4(expectedRepeat / observedRepeat) : null,
        probabilityAlive: { p10: r4(quantile(0.1)), median: r4(quantile(0.5)), p90: r4(quantile(0.9)) },
        horizonInUnit: r4(horizonInUnit(q.horizonDays, report.unit)),
      },
      totals: {
        contacts: report.predictions.length,
        expectedPurchases: r4(report.predictions.reduce((s, p) => s + p.expectedPurchases, 0)),
        expectedValueMicros: money(totalValue),
      },
      newCustomer: {
        expectedPurchases: r4(report.newCustomer.expectedPurchases),
        expectedValueMicros: money(report.newCustomer.expectedValue),
      },
      contacts: shown.map((p) => toContact(p, names.get(p.customerId))),
      warnings: report.warnings,
    };
  }

  /** Contact ids and names of the contacts shown (the CRM id is the transactions' customer id). */
  async function contactNames(org: string, clientId: string, externalIds: string[]) {
    const out = new Map<string, { id: string; name: string | null }>();
    if (!externalIds.length) return out;
    await storage.withTenant(org, async (trx) => {
      for (let i = 0; i < externalIds.length; i += 500) {
        const rows = await trx
          .selectFrom('crm_contacts')
          .select(['id', 'external_id', 'first_name', 'last_name'])
          .where('organization_id', '=', org)
          .where('client_id', '=', clientId)
          .where('external_id', 'in', externalIds.slice(i, i + 500))
          .execute();
        for (const r of rows)
          out.set(r.external_id, {
            id: r.id,
            name: [r.first_name, r.last_name].filter(Boolean).join(' ') || null,
          });
      }
    });
    return out;
  }

  return { clv };
}

function toContact(p: CustomerPrediction, c: { id: string; name: string | null } | undefined): ContactValue {
  return {
    contactExternalId: p.customerId,
    contactId: c?.id ?? null,
    name: c?.name ?? null,
    frequency: p.frequency,
    recency: r4(p.recency),
    T: r4(p.T),
    monetaryValueMicros: Math.round(p.monetaryValue),
    firstPurchase: p.firstPurchase,
    lastPurchase: p.lastPurchase,
    probabilityAlive: r4(p.probabilityAlive),
    expectedPurchases: r4(p.expectedPurchases),
    expectedAverageValueMicros: money(p.expectedAverageValue),
    expectedValueMicros: money(p.expectedValue),
  };
}
