/**
 * Readers for the CDNOW files Fader, Hardie & Lee published their estimates on (copies from
 * lifetimes, MIT; see fixtures/README.md): raw transactions and the per-customer summary. Used by
 * the tests, `eval/cdnow.eval.ts` and `bench/clv.bench.ts`; not by the product.
 */
import type { Transaction } from './rfm.ts';

/**
 * `CDNOW_master.txt` (customer id, YYYYMMDD, CDs, dollars; a header line) or `CDNOW_sample.txt`
 * (master id, sample id 1…2357, YYYYMMDD, CDs, dollars): whitespace separated. Sample rows are keyed
 * by the sample id, as in the summary files.
 */
export function parseCdnowTransactions(text: string): Transaction[] {
  const out: Transaction[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || !/^\d{8}$/.test(f[f.length - 3]!)) continue; // header or blank
    const ymd = f[f.length - 3]!;
    out.push({
      customerId: String(Number(f.length === 5 ? f[1] : f[0])),
      date: `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`,
      amount: Number(f[f.length - 1]),
    });
  }
  return out;
}

export interface CdnowSummaryRow {
  customerId: string;
  frequency: number;
  recency: number;
  T: number;
  /** Mean value of the repeat purchases (`zbar`, lifetimes' `monetary_value`); 0 when frequency is 0. */
  monetaryValue: number;
}

/** `cdnow_customers_summary_with_transactions.csv` (`ID,x,t_x,T,zbar`) or `cdnow_customers_summary.csv` (`ID,frequency,recency,T`). */
export function parseCdnowSummary(text: string): CdnowSummaryRow[] {
  const [header, ...rows] = text.trim().split(/\r?\n/);
  const hasValue = header!.split(',').length === 5;
  return rows.map((row) => {
    const [id, x, tx, T, zbar] = row.split(',');
    return {
      customerId: id!,
      frequency: Number(x),
      recency: Number(tx),
      T: Number(T),
      monetaryValue: hasValue ? Number(zbar) : 0,
    };
  });
}
