/**
 * Transactions → the RFM summary the BG/NBD and Gamma-Gamma models are fitted on, with the usual
 * conventions (Fader, Hardie & Lee 2005; lifetimes' `summary_data_from_transaction_data`):
 * - a customer's purchases on one calendar day count as one purchase, with the day's amounts summed;
 * - `frequency` x = number of purchase days after the first one, up to and including `until`;
 * - `recency` t_x = time from the first to the last purchase day; `T` = time from the first purchase
 *   day to `until` (both in `unit`: days, or weeks = days / 7, fractional);
 * - `monetaryValue` = mean day total over the repeat purchase days (the first purchase is left out,
 *   as the spend model assumes); 0 when x = 0;
 * - transactions after `until` are left out and counted; customers whose first purchase is after
 *   `until` do not exist yet in the calibration period.
 */
import { invalidInput } from '../../../platform/errors.ts';

export type TimeUnit = 'day' | 'week';

export interface Transaction {
  customerId: string;
  /** Calendar day `YYYY-MM-DD` (the day as the CRM wrote it; no time-zone shifting here). */
  date: string;
  /** Amount in any currency unit (dollars, micros…); the spend model is scale-free. Must be ≥ 0. */
  amount: number;
}

export interface CustomerRfm {
  customerId: string;
  frequency: number;
  recency: number;
  T: number;
  monetaryValue: number;
  firstPurchase: string;
  lastPurchase: string;
}

export interface RfmSummary {
  until: string;
  unit: TimeUnit;
  customers: CustomerRfm[];
  /** Transactions on or before `until` (before merging same-day purchases). */
  transactionsUsed: number;
  transactionsAfterUntil: number;
}

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 for a valid calendar day `YYYY-MM-DD`, else null. */
export function dayNumber(date: string): number | null {
  const m = DATE.exec(date);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return ms / DAY_MS;
}

export const dayString = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * Collects transactions one at a time (a file of millions streams through it) and summarizes them
 * for any `until`. Memory: one map entry per customer and purchase day.
 */
export function createRfmAccumulator() {
  /** customer → day → [amount total, transactions]. */
  const days = new Map<string, Map<number, [number, number]>>();
  let count = 0;
  let lastDay = Number.NEGATIVE_INFINITY;
  return {
    add(tx: Transaction) {
      const day = dayNumber(tx.date);
      if (day === null) throw invalidInput(`invalid date "${tx.date}" (expected YYYY-MM-DD)`);
      if (!Number.isFinite(tx.amount) || tx.amount < 0)
        throw invalidInput(`invalid amount ${tx.amount} (expected a number ≥ 0)`);
      let perDay = days.get(tx.customerId);
      if (!perDay) {
        perDay = new Map();
        days.set(tx.customerId, perDay);
      }
      const seen = perDay.get(day);
      if (seen) {
        seen[0] += tx.amount;
        seen[1]++;
      } else perDay.set(day, [tx.amount, 1]);
      count++;
      if (day > lastDay) lastDay = day;
    },
    get transactions() {
      return count;
    },
    /** The last transaction day seen (`YYYY-MM-DD`), or null when empty: the default `until`. */
    get lastDate() {
      return count ? dayString(lastDay) : null;
    },
    summarize(opts: { until: string; unit: TimeUnit }): RfmSummary {
      const untilDay = dayNumber(opts.until);
      if (untilDay === null) throw invalidInput(`invalid until "${opts.until}" (expected YYYY-MM-DD)`);
      const scale = opts.unit === 'week' ? 7 : 1;
      const customers: CustomerRfm[] = [];
      let used = 0;
      let after = 0;
      for (const [customerId, perDay] of days) {
        const kept = [...perDay.entries()].filter(([d]) => d <= untilDay).sort((a, b) => a[0] - b[0]);
        for (const [d, [, n]] of perDay) if (d > untilDay) after += n;
        if (kept.length === 0) continue;
        used += kept.reduce((s, [, [, n]]) => s + n, 0);
        const first = kept[0]![0];
        const last = kept[kept.length - 1]![0];
        const repeat = kept.slice(1);
        customers.push({
          customerId,
          frequency: repeat.length,
          recency: (last - first) / scale,
          T: (untilDay - first) / scale,
          monetaryValue: repeat.length ? repeat.reduce((s, [, [v]]) => s + v, 0) / repeat.length : 0,
          firstPurchase: dayString(first),
          lastPurchase: dayString(last),
        });
      }
      return {
        until: opts.until,
        unit: opts.unit,
        customers,
        transactionsUsed: used,
        transactionsAfterUntil: after,
      };
    },
  };
}

/** Summarizes an in-memory list of transactions (see the module comment for the conventions). */
export function summarizeTransactions(
  transactions: Iterable<Transaction>,
  opts: { until: string; unit: TimeUnit },
): RfmSummary {
  const acc = createRfmAccumulator();
  for (const tx of transactions) acc.add(tx);
  return acc.summarize(opts);
}
