/**
 * `omnify clv -i/--transactions tx.csv [-o/--output params.json] [--customers out.csv]`: fit
 * BG/NBD and Gamma-Gamma on a transactions CSV and write the parameters (and, with --customers,
 * every customer's predictions). Progress goes to stderr (only for inputs of 1 MB or more); a
 * malformed file or data that cannot identify the purchase model end in one `invalid_input` error
 * naming the lines or the reason (exit 1, nothing written). When only the spend model cannot be
 * fitted (e.g. no repeat customers with positive amounts) the BG/NBD part is still written with
 * `gammaGamma: null` and empty value columns, and one warning says why (exit 0).
 */
import { writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { createProgressBar } from '../../../main/progress.ts';
import { invalidInput, isAppError } from '../../../platform/errors.ts';
import { cannotWrite } from '../../../platform/files.ts';
import { type CustomerPrediction, fitCustomerValue, MAX_HORIZON_DAYS } from './predict.ts';
import { createRfmAccumulator, dayNumber, type TimeUnit } from './rfm.ts';
import { readTransactionsFile } from './transactions-csv.ts';

export interface ClvOptions {
  transactions: string;
  until?: string;
  unit: TimeUnit;
  horizon: number;
  output?: string;
  customers?: string;
}

/** What `--output` receives: the parameters the issue specifies, plus the context they depend on. */
export interface ClvParamsFile {
  bgnbd: { r: number; alpha: number; a: number; b: number };
  /** Null when the spend model could not be fitted (the reason is in `diagnostics.warnings`). */
  gammaGamma: { p: number; q: number; gamma: number } | null;
  unit: TimeUnit;
  until: string;
  horizonDays: number;
  diagnostics: Record<string, number | string[] | null>;
}

/** Inputs smaller than this are read in well under a second: no progress line, only the summary. */
const PROGRESS_MIN_BYTES = 1_000_000;
/** Predictions are reported every 5,000 customers; fewer than this take no noticeable time. */
const PROGRESS_MIN_CUSTOMERS = 20_000;

const parseDay = (v: string) => {
  if (dayNumber(v) === null) throw new InvalidArgumentError('must be a calendar day YYYY-MM-DD');
  return v;
};
const parseUnit = (v: string): TimeUnit => {
  if (v !== 'day' && v !== 'week') throw new InvalidArgumentError('must be day or week');
  return v;
};
const parseHorizon = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_HORIZON_DAYS)
    throw new InvalidArgumentError(`must be a whole number of days, 1-${MAX_HORIZON_DAYS}`);
  return n;
};

export function registerClvCommand(program: Command): Command {
  return program
    .command('clv')
    .description(
      'Fit BG/NBD (purchases, churn) and Gamma-Gamma (spend) on a customer_id,date,amount CSV; write the parameters as JSON and, with --customers, each customer’s P(alive), expected purchases and value over the horizon.',
    )
    .requiredOption(
      '-i, --transactions <file>',
      'input CSV with a header naming customer_id, date (YYYY-MM-DD) and amount (≥ 0); "-" for stdin',
    )
    .option(
      '--until <date>',
      'last day of the calibration period, included (default: the last transaction day)',
      parseDay,
    )
    .option('--unit <unit>', 'time unit of recency, T and alpha: day or week', parseUnit, 'week')
    .option('--horizon <days>', 'prediction horizon in days', parseHorizon, 90)
    .option(
      '-o, --output <file>',
      'write the parameters JSON here (default or "-": stdout); "gammaGamma" is null, with a warning and exit code 0, when the spend model cannot be fitted',
    )
    .option('--customers <file>', 'write per-customer predictions to this CSV')
    .action(async (opts: ClvOptions) => {
      try {
        await runClv(opts);
      } catch (e) {
        if (!isAppError(e)) throw e;
        // One line per problem, as forecast and anomalies print theirs: `error: file:line: problem`.
        for (const line of e.message.split('\n')) process.stderr.write(`error: ${line}\n`);
        process.exitCode = 1;
      }
    });
}

/** The command's work, callable without commander (tests, scripts). `today` bounds --until. */
export async function runClv(
  opts: ClvOptions,
  io: {
    stderr?: NodeJS.WriteStream;
    stdout?: NodeJS.WritableStream;
    stdin?: NodeJS.ReadableStream;
    today?: string;
  } = {},
): Promise<ClvParamsFile> {
  const stderr = io.stderr ?? process.stderr;
  const today = io.today ?? new Date().toISOString().slice(0, 10);
  if (opts.until && opts.until > today)
    throw invalidInput(
      `--until ${opts.until} is after today (${today}): customers' ages would count days that have not happened`,
    );
  const acc = createRfmAccumulator();
  const source = opts.transactions === '-' ? 'stdin' : opts.transactions;
  const reading = createProgressBar(`reading ${source}`, stderr);
  // A progress line only for files big enough to take a while; in MB with one decimal.
  const mb = (bytes: number) => Number((bytes / 1e6).toFixed(1));
  const read = await readTransactionsFile(opts.transactions, {
    onTransaction: acc.add,
    onProgress: (done, total) => {
      if (total >= PROGRESS_MIN_BYTES) reading.update(mb(done), mb(total), 'MB');
    },
    ...(io.stdin ? { stdin: io.stdin } : {}),
  }).catch((e: unknown) => {
    throw fileLineError(e, source);
  });
  reading.done(`${read.transactions} transactions`);
  const until = opts.until ?? acc.lastDate;
  if (!until) throw invalidInput(`${source} has a header but no transactions`);
  if (until > today)
    throw invalidInput(`the last transaction day ${until} is after today (${today}); pass --until`);
  const summary = acc.summarize({ until, unit: opts.unit });
  stderr.write(
    `${summary.customers.length} customers, ${summary.transactionsUsed} transactions up to ${until} (${summary.transactionsAfterUntil} after it, left out)\n`,
  );
  let predicting: ReturnType<typeof createProgressBar> | undefined;
  const report = fitCustomerValue(summary, {
    horizonDays: opts.horizon,
    onProgress: (stage, done, total) => {
      if (stage !== 'predictions') {
        if (done === 0) stderr.write(`fitting ${stage}…\n`);
        return;
      }
      predicting ??= createProgressBar('predicting', stderr);
      if (total >= PROGRESS_MIN_CUSTOMERS) predicting.update(done, total, 'customers');
    },
  });
  predicting?.done(`${report.predictions.length} customers over ${opts.horizon} days`);
  const gg = report.gammaGamma;
  // Without a spend model the report's only warning is why it failed (fitCustomerValue): said once,
  // with what it means for the output.
  for (const [i, w] of report.warnings.entries())
    stderr.write(
      gg || i < report.warnings.length - 1
        ? `warning: ${w}\n`
        : `warning: the spend model (Gamma-Gamma) could not be fitted: ${w}; writing the BG/NBD parameters with "gammaGamma": null${opts.customers ? ' and empty expected_average_value and expected_value columns' : ''}\n`,
    );
  const result: ClvParamsFile = {
    bgnbd: report.bgnbd.params,
    gammaGamma: gg?.params ?? null,
    unit: report.unit,
    until: report.until,
    horizonDays: report.horizonDays,
    diagnostics: {
      customers: report.data.customers,
      repeatCustomers: report.data.repeatCustomers,
      transactions: report.data.transactions,
      transactionsAfterUntil: report.data.transactionsAfterUntil,
      bgnbdLogLikelihood: report.bgnbd.logLikelihood,
      gammaGammaCustomers: gg?.customers ?? null,
      gammaGammaLogLikelihood: gg?.logLikelihood ?? null,
      frequencyValueCorrelation: gg?.frequencyValueCorrelation ?? null,
      warnings: report.warnings,
    },
  };
  const json = `${JSON.stringify(result, null, 2)}\n`;
  if (opts.output && opts.output !== '-') writeOrFail(opts.output, json);
  else (io.stdout ?? process.stdout).write(json);
  if (opts.customers) writeOrFail(opts.customers, predictionsCsv(report.predictions));
  return result;
}

function writeOrFail(path: string, content: string) {
  try {
    writeFileSync(path, content);
  } catch (e) {
    throw invalidInput(cannotWrite(path, e));
  }
}

/**
 * A malformed file's problems as `file:line: problem`, one per line (the format of forecast and
 * anomalies), with `details.problems` kept.
 */
function fileLineError(e: unknown, source: string): unknown {
  const problems = isAppError(e) ? (e.details as { problems?: unknown } | undefined)?.problems : undefined;
  if (!isAppError(e) || !Array.isArray(problems)) return e;
  const list = (problems as Array<{ line: number; message: string }>).map(
    (p) => `${source}:${p.line}: ${p.message}`,
  );
  if (/stopped at the first/.test(e.message))
    list.push(`${source}: stopped at the first ${list.length} problems`);
  return invalidInput(list.join('\n'), e.details);
}

const CSV_COLUMNS = [
  'customer_id',
  'frequency',
  'recency',
  'T',
  'monetary_value',
  'probability_alive',
  'expected_purchases',
  'expected_average_value',
  'expected_value',
];

/** Per-customer predictions as CSV; ids are quoted when needed and defused against spreadsheet formulas. */
export function predictionsCsv(predictions: readonly CustomerPrediction[]): string {
  const num = (v: number | null) => (v === null ? '' : String(Number(v.toFixed(6))));
  const lines = predictions.map((p) =>
    [
      csvCell(p.customerId),
      p.frequency,
      num(p.recency),
      num(p.T),
      num(p.monetaryValue),
      num(p.probabilityAlive),
      num(p.expectedPurchases),
      num(p.expectedAverageValue),
      num(p.expectedValue),
    ].join(','),
  );
  return `${[CSV_COLUMNS.join(','), ...lines].join('\n')}\n`;
}

function csvCell(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
