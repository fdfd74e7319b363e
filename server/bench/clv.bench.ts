/**
 * Time to fit BG/NBD and Gamma-Gamma on the CDNOW sample (2,357 customers, 6,919 transactions) and
 * on the full CDNOW master file (23,570 customers, 69,659 transactions), each stage next to a
 * baseline measured in the same run on the same data: computing the RFM summary alone.
 * Stages: read the CSV (the `omnify clv` reader), RFM summary, BG/NBD fit, Gamma-Gamma fit, 90-day
 * predictions for every customer. Median of BENCH_RUNS runs (default 5) after one warm-up.
 *
 *   cd server && node --import tsx bench/clv.bench.ts        (data: ../shared/data/clv_cdnow, or $CDNOW_DIR)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CDNOW_DIR } from '../eval/cdnow.eval.ts';
import { fitBgNbd } from '../src/modules/oracle/clv/bgnbd.ts';
import { parseCdnowTransactions } from '../src/modules/oracle/clv/cdnow.dataset.ts';
import { fitGammaGamma } from '../src/modules/oracle/clv/gamma-gamma.ts';
import { predictCustomers } from '../src/modules/oracle/clv/predict.ts';
import { createRfmAccumulator, summarizeTransactions } from '../src/modules/oracle/clv/rfm.ts';
import { readTransactionsFile } from '../src/modules/oracle/clv/transactions-csv.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const UNTIL = '1997-09-30';

async function median(f: () => unknown | Promise<unknown>): Promise<number> {
  await f();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const dir = mkdtempSync(path.join(tmpdir(), 'omnify-clv-bench-'));
try {
  console.log(`CLV fit times, median of ${RUNS} runs (ms); × = multiple of the RFM-summary baseline\n`);
  console.log(
    [
      'data',
      'customers',
      'repeat',
      'read CSV',
      'RFM (base)',
      'BG/NBD',
      '×',
      'Gamma-Gamma',
      '×',
      'predict 90d',
      'evals BG/GG',
    ]
      .map((h, i) => (i === 0 ? h.padEnd(8) : h.padStart(12)))
      .join(''),
  );
  for (const [name, file] of [
    ['sample', 'CDNOW_sample.txt'],
    ['master', 'CDNOW_master.txt'],
  ] as const) {
    const transactions = parseCdnowTransactions(readFileSync(path.join(CDNOW_DIR, file), 'utf8'));
    const csv = path.join(dir, `${name}.csv`);
    writeFileSync(
      csv,
      [
        'customer_id,date,amount',
        ...transactions.map((t) => `${t.customerId},${t.date},${t.amount}`),
        '',
      ].join('\n'),
    );
    const opts = { until: UNTIL, unit: 'week' } as const;
    const summary = summarizeTransactions(transactions, opts);
    const bg = fitBgNbd(summary.customers);
    const gg = fitGammaGamma(summary.customers);
    const read = await median(async () => {
      const acc = createRfmAccumulator();
      await readTransactionsFile(csv, { onTransaction: acc.add });
    });
    const rfm = await median(() => summarizeTransactions(transactions, opts));
    const bgMs = await median(() => fitBgNbd(summary.customers));
    const ggMs = await median(() => fitGammaGamma(summary.customers));
    const predictMs = await median(() =>
      predictCustomers(summary.customers, { bgnbd: bg.params, gammaGamma: gg.params }, 90 / 7),
    );
    const cells = [
      name.padEnd(8),
      summary.customers.length,
      bg.repeatCustomers,
      read.toFixed(1),
      rfm.toFixed(1),
      bgMs.toFixed(1),
      (bgMs / rfm).toFixed(1),
      ggMs.toFixed(1),
      (ggMs / rfm).toFixed(1),
      predictMs.toFixed(1),
      `${bg.evaluations}/${gg.evaluations}`,
    ];
    console.log(cells.map((c, i) => (i === 0 ? String(c) : String(c).padStart(12))).join(''));
    console.log(
      `${''.padEnd(8)}BG/NBD r=${bg.params.r.toFixed(4)} α=${bg.params.alpha.toFixed(4)} a=${bg.params.a.toFixed(4)} b=${bg.params.b.toFixed(4)}; Gamma-Gamma p=${gg.params.p.toFixed(3)} q=${gg.params.q.toFixed(3)} γ=${gg.params.gamma.toFixed(3)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
