/**
 * `omnify clv`: fit BG/NBD and Gamma-Gamma on a transactions CSV and write the parameters (and,
 * with --customers, every customer's predictions). Progress goes to stderr; a malformed file or
 * data that cannot identify a model end in one `invalid_input` error naming the lines or the reason.
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
  gammaGamma: { p: number; q: number; gamma: number };
  unit: TimeUnit;
  until: string;
  horizonDays: number;
  diagnostics: Record<string, number | string[]>;
}

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
      '--transactions <file>',
      'CSV with a header naming customer_id, date (YYYY-MM-DD) and amount (≥ 0); "-" for stdin',
    )
    .option(
      '--until <date>',
      'last day of the calibration period, included (default: the last transaction day)',
      parseDay,
    )
    .option('--unit <unit>', 'time unit of recency, T and alpha: day or week', parseUnit, 'week')
    .option('--horizon <days>', 'prediction horizon in days', parseHorizon, 90)
    .option('--output <file>', 'write the parameters JSON here (default or "-": stdout)')
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
  const mb = (bytes: number) => Number((bytes / 1e6).toFixed(1));
  const read = await readTransactionsFile(opts.transactions, {
    onTransaction: acc.add,
    onProgress: (done, total) => reading.update(mb(done), mb(total), 'MB'),
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
      predicting.update(done, total, 'customers');
    },
  });
  predicting?.done(`${report.predictions.length} customers over ${opts.horizon} days`);
  for (const w of report.warnings) stderr.write(`warning: ${w}\n`);
  const gg = report.gammaGamma;
  if (!gg) throw invalidInput(`the spend model could not be fitted: ${report.warnings.at(-1)}`);
  const result: ClvParamsFile = {
    bgnbd: report.bgnbd.params,
    gammaGamma: gg.params,
    unit: report.unit,
    until: report.until,
    horizonDays: report.horizonDays,
    diagnostics: {
      customers: report.data.customers,
      repeatCustomers: report.data.repeatCustomers,
      transactions: report.data.transactions,
      transactionsAfterUntil: report.data.transactionsAfterUntil,
      bgnbdLogLikelihood: report.bgnbd.logLikelihood,
      gammaGammaCustomers: gg.customers,
      gammaGammaLogLikelihood: gg.logLikelihood,
      frequencyValueCorrelation: gg.frequencyValueCorrelation,
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
