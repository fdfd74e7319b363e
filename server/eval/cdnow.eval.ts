/**
 * CDNOW: our BG/NBD and Gamma-Gamma estimates next to Fader, Hardie & Lee (2005), on the 2,357-customer
 * sample with the 39-week calibration period ending 1997-09-30, fitted twice: end to end from the raw
 * transactions (`CDNOW_sample.txt` through our RFM summary, as `omnify clv` does) and on the published
 * summary file (`cdnow_customers_summary_with_transactions.csv`: t_x and T rounded to 2 decimals, zbar
 * for the spend model: what lifetimes' tests fit). Also the log-likelihood at the published values and,
 * as a check beyond the parameters, predicted vs actual repeat purchases and spend after the
 * calibration period (90 days and the 39-week holdout).
 *
 *   cd server && node --import tsx eval/cdnow.eval.ts        (data: ../shared/data/clv_cdnow, or $CDNOW_DIR)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bgnbdLogLikelihood, fitBgNbd } from '../src/modules/oracle/clv/bgnbd.ts';
import { parseCdnowSummary, parseCdnowTransactions } from '../src/modules/oracle/clv/cdnow.dataset.ts';
import { fitGammaGamma } from '../src/modules/oracle/clv/gamma-gamma.ts';
import { predictCustomers } from '../src/modules/oracle/clv/predict.ts';
import { dayNumber, summarizeTransactions, type Transaction } from '../src/modules/oracle/clv/rfm.ts';
import { evalDataDir } from '../src/modules/oracle/eval-data.ts';

export const CDNOW_DIR = process.env.CDNOW_DIR ?? evalDataDir('clv_cdnow');
const UNTIL = '1997-09-30';

export const PUBLISHED = {
  bgnbd: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
  gammaGamma: { p: 6.25, q: 3.74, gamma: 15.44 },
  bgnbdLogLikelihood: -9582.4,
};

type Params<K extends string> = Record<K, number> & { relErr: Record<K, number> };

export interface CdnowEval {
  /** From the raw transactions, through our RFM summary. */
  bgnbd: Params<'r' | 'alpha' | 'a' | 'b'> & { logLikelihood: number; seconds: number };
  gammaGamma: Params<'p' | 'q' | 'gamma'> & { customers: number; seconds: number };
  /** The same fits on the published (rounded) summary file. */
  summaryFile: { bgnbd: Params<'r' | 'alpha' | 'a' | 'b'>; gammaGamma: Params<'p' | 'q' | 'gamma'> };
  logLikelihoodAtPublished: number;
  holdout: {
    days: number;
    predictedPurchases: number;
    actualPurchases: number;
    predictedSpend: number;
    actualSpend: number;
  }[];
  table: string;
}

const withErrors = <K extends string>(ours: Record<K, number>, published: Record<K, number>): Params<K> => {
  const relErr = {} as Record<K, number>;
  for (const k of Object.keys(published) as K[])
    relErr[k] = Math.abs(ours[k] - published[k]) / Math.abs(published[k]);
  return { ...ours, relErr };
};

const timed = <T>(f: () => T): [T, number] => {
  const t = performance.now();
  const v = f();
  return [v, (performance.now() - t) / 1000];
};

export function runCdnowEval(dir = CDNOW_DIR): CdnowEval {
  const transactions = parseCdnowTransactions(readFileSync(path.join(dir, 'CDNOW_sample.txt'), 'utf8'));
  const summary = summarizeTransactions(transactions, { until: UNTIL, unit: 'week' });
  const [bg, bgSeconds] = timed(() => fitBgNbd(summary.customers));
  const [gg, ggSeconds] = timed(() => fitGammaGamma(summary.customers));
  const published = parseCdnowSummary(
    readFileSync(path.join(dir, 'cdnow_customers_summary_with_transactions.csv'), 'utf8'),
  );
  const bgFile = fitBgNbd(published);
  const ggFile = fitGammaGamma(published);
  const llAtPublished = bgnbdLogLikelihood(PUBLISHED.bgnbd, published);
  const holdout = [90, 273].map((days) =>
    holdoutCheck(transactions, summary.customers, bg.params, gg.params, days),
  );

  const result: Omit<CdnowEval, 'table'> = {
    bgnbd: { ...withErrors(bg.params, PUBLISHED.bgnbd), logLikelihood: bg.logLikelihood, seconds: bgSeconds },
    gammaGamma: {
      ...withErrors(gg.params, PUBLISHED.gammaGamma),
      customers: gg.customers,
      seconds: ggSeconds,
    },
    summaryFile: {
      bgnbd: withErrors(bgFile.params, PUBLISHED.bgnbd),
      gammaGamma: withErrors(ggFile.params, PUBLISHED.gammaGamma),
    },
    logLikelihoodAtPublished: llAtPublished,
    holdout,
  };
  return { ...result, table: table(result, summary.customers.length, bgFile.logLikelihood) };
}

/** Predicted (from `until`) vs actual repeat purchase days and spend of the calibration customers in the next `days`. */
function holdoutCheck(
  transactions: Transaction[],
  customers: Parameters<typeof predictCustomers>[0],
  bgnbd: Parameters<typeof predictCustomers>[1]['bgnbd'],
  gammaGamma: Parameters<typeof predictCustomers>[1]['gammaGamma'],
  days: number,
) {
  const from = dayNumber(UNTIL)!;
  const purchaseDays = new Set<string>();
  let actualSpend = 0;
  for (const t of transactions) {
    const d = dayNumber(t.date)!;
    if (d > from && d <= from + days) {
      purchaseDays.add(`${t.customerId}|${d}`);
      actualSpend += t.amount;
    }
  }
  const predictions = predictCustomers(customers, { bgnbd, gammaGamma }, days / 7);
  return {
    days,
    predictedPurchases: predictions.reduce((s, p) => s + p.expectedPurchases, 0),
    actualPurchases: purchaseDays.size,
    predictedSpend: predictions.reduce((s, p) => s + (p.expectedValue ?? 0), 0),
    actualSpend,
  };
}

function table(r: Omit<CdnowEval, 'table'>, customers: number, llFile: number): string {
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  const row = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(12) : c.padStart(14))).join(' ');
  const lines = [
    `CDNOW sample: ${customers} customers, calibration 1997-01-01…${UNTIL} (39 weeks), time in weeks`,
    row(['model', 'parameter', 'published', 'ours (raw tx)', 'rel. error', 'ours (file)', 'rel. error']),
  ];
  const params = [
    ['BG/NBD', r.bgnbd, r.summaryFile.bgnbd, PUBLISHED.bgnbd],
    ['Gamma-Gamma', r.gammaGamma, r.summaryFile.gammaGamma, PUBLISHED.gammaGamma],
  ] as const;
  for (const [model, ours, file, pub] of params)
    for (const k of Object.keys(pub) as (keyof typeof pub & keyof typeof ours)[]) {
      const [o, f] = [ours as unknown as Params<string>, file as unknown as Params<string>];
      lines.push(
        row([
          model,
          k,
          String(pub[k]),
          o[k]!.toFixed(4),
          pct(o.relErr[k]!),
          f[k]!.toFixed(4),
          pct(f.relErr[k]!),
        ]),
      );
    }
  lines.push(
    row([
      'BG/NBD',
      'max. LL',
      String(PUBLISHED.bgnbdLogLikelihood),
      r.bgnbd.logLikelihood.toFixed(2),
      '',
      llFile.toFixed(2),
      '',
    ]),
    `LL at the published parameters on the summary file: ${r.logLikelihoodAtPublished.toFixed(2)} (published ${PUBLISHED.bgnbdLogLikelihood})`,
    `Fit time (raw-tx path, one cold run; see bench/clv.bench.ts): BG/NBD ${(r.bgnbd.seconds * 1000).toFixed(0)} ms, Gamma-Gamma ${(r.gammaGamma.seconds * 1000).toFixed(0)} ms (${r.gammaGamma.customers} repeat customers)`,
    '',
    'After the calibration period (all customers, summed):',
    row(['horizon', '', 'purchases', 'predicted', 'error', 'spend $', 'predicted', 'error']),
    ...r.holdout.map((h) =>
      row([
        `${h.days} days`,
        '',
        String(h.actualPurchases),
        h.predictedPurchases.toFixed(1),
        pct((h.predictedPurchases - h.actualPurchases) / h.actualPurchases),
        h.actualSpend.toFixed(0),
        h.predictedSpend.toFixed(0),
        pct((h.predictedSpend - h.actualSpend) / h.actualSpend),
      ]),
    ),
  );
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = runCdnowEval();
  console.log(r.table);
}
