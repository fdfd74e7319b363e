/**
 * `omnify anomalies --input series.csv --output scores.csv`: scores every point of one or many
 * series (an `id` column separates them) and writes `[id,]t,value,score,flag,severity,expected,
 * direction`. The file (or stdin, `-`) is read as a stream, so long inputs show progress on stderr
 * and any size fits in memory; the output appears only when the whole input was valid (written
 * beside it, then renamed), and the first malformed line is reported with its number. `t` is a
 * date or a whole-number index; an index has no calendar, so it is scored without seasonality
 * unless `--frequency hourly|daily` says what one step is.
 */
import {
  createReadStream,
  createWriteStream,
  openSync,
  renameSync,
  rmSync,
  statSync,
  type WriteStream,
} from 'node:fs';
import { createInterface } from 'node:readline';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { cannotWrite } from '../../../platform/files.ts';
import {
  type AnomalyDetector,
  type AnomalyDetectorOptions,
  createAnomalyDetector,
  DEFAULT_THRESHOLD,
} from './detector.ts';
import { DAY_MS } from './seasonal.ts';
import { createSeriesCsvReader, csvCell, SeriesCsvError, type SeriesRow } from './series.csv.ts';

/** What one step of an index t is; it gives an index series the detector's daily/weekly rhythm. */
export type IndexFrequency = 'hourly' | 'daily';

export interface AnomaliesRunOptions extends AnomalyDetectorOptions {
  /** Input file, or `-` for stdin. */
  input: string;
  /** Output file; stdout when absent or `-`. */
  output?: string;
  /** For an index t: one step is an hour or a day (default: no calendar, no seasonality). */
  frequency?: IndexFrequency;
  /** Where progress and the summary go (default process.stderr). */
  progress?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Read instead of process.stdin when the input is `-` (tests). */
  stdin?: NodeJS.ReadableStream;
}

const INDEX_STEP: Record<IndexFrequency, { ms: number; cadence: 'subdaily' | 'daily' }> = {
  hourly: { ms: 3_600_000, cadence: 'subdaily' },
  daily: { ms: DAY_MS, cadence: 'daily' },
};
/** Latest time a JavaScript date can hold. */
const MAX_TIME_MS = 8.64e15;

/**
 * The detector's options and its time for each row, fixed by the first row: dates are used as
 * they are; index i becomes i hours or days (`--frequency`), or, with no frequency, plain
 * positions without any calendar (cadence none: no seasonality).
 */
function timeAxis(o: AnomaliesRunOptions, first: SeriesRow) {
  const { input: _i, output: _o, progress: _p, stdin: _s, frequency, ...detector } = o;
  if (first.kind === 'date') {
    if (frequency)
      throw new SeriesCsvError(
        first.line,
        `--frequency gives the step of an index t, but t "${first.time}" is a date (use --cadence to force the cadence of dates)`,
      );
    return { options: detector, time: (row: SeriesRow) => row.t };
  }
  if (detector.cadence && detector.cadence !== 'auto')
    throw new SeriesCsvError(
      first.line,
      `t "${first.time}" is an index, which has no cadence to force: give --frequency hourly|daily instead of --cadence`,
    );
  const step = frequency ? INDEX_STEP[frequency] : { ms: 1, cadence: 'none' as const };
  return {
    options: { ...detector, cadence: step.cadence },
    time: (row: SeriesRow) => {
      const t = row.t * step.ms;
      if (Math.abs(t) > MAX_TIME_MS)
        throw new SeriesCsvError(
          row.line,
          `index "${row.time}" is too large for ${frequency} steps (over 270,000 years)`,
        );
      return t;
    },
  };
}

export interface AnomaliesSummary {
  points: number;
  series: number;
  flagged: number;
  seconds: number;
}

/** The output file could not be written: the message says which and why. */
export class OutputError extends Error {}

const round = (v: number, digits: number) => (Number.isFinite(v) ? Number(v.toPrecision(digits)) : v);

/** Runs the command's work; throws SeriesCsvError (with the line number) on a malformed file. */
export async function runAnomalies(o: AnomaliesRunOptions): Promise<AnomaliesSummary> {
  const started = Date.now();
  const log = o.progress ?? process.stderr;
  const fromStdin = o.input === '-';
  const size = fromStdin ? 0 : statSync(o.input).size;
  const toFile = o.output !== undefined && o.output !== '-';
  const tmp = toFile ? `${o.output}.partial-${process.pid}` : null;
  // Open the output now: a path that cannot be written is one clear error before any work.
  let fd: number | null = null;
  if (tmp)
    try {
      fd = openSync(tmp, 'w');
    } catch (e) {
      throw new OutputError(cannotWrite(o.output as string, e));
    }
  const out: NodeJS.WritableStream = tmp ? createWriteStream(tmp, { fd: fd as number }) : process.stdout;
  let writeError: Error | null = null;
  if (tmp) out.on('error', (e: Error) => (writeError ??= e));
  const file = fromStdin ? null : createReadStream(o.input);
  const input = file ?? o.stdin ?? process.stdin;
  const reader = createSeriesCsvReader();
  const detectors = new Map<string, AnomalyDetector>();
  let axis: ReturnType<typeof timeAxis> | null = null;
  let lineNo = 0;
  let headerDone = false;
  let points = 0;
  let flagged = 0;
  let lastReport = Date.now();
  try {
    for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      lineNo++;
      const row = reader.push(line, lineNo);
      if (!headerDone && reader.hasHeader) {
        headerDone = true;
        await write(
          out,
          `${reader.hasIdColumn ? 'id,' : ''}t,value,score,flag,severity,expected,direction\n`,
        );
      }
      if (!row) continue;
      axis ??= timeAxis(o, row);
      let detector = detectors.get(row.id);
      if (!detector) {
        detector = createAnomalyDetector(axis.options);
        detectors.set(row.id, detector);
      }
      const p = detector.push(axis.time(row), row.value);
      points++;
      if (p.flag) flagged++;
      const cells = [
        ...(reader.hasIdColumn ? [csvCell(row.id)] : []),
        csvCell(row.time),
        row.value === null ? '' : String(row.value),
        p.score.toFixed(6),
        p.flag ? '1' : '0',
        p.severity,
        p.expected === null ? '' : String(round(p.expected, 8)),
        p.direction ?? '',
      ];
      await write(out, `${cells.join(',')}\n`);
      if (Date.now() - lastReport > 1000) {
        lastReport = Date.now();
        const pct = file && size > 0 ? `${Math.min(100, (100 * file.bytesRead) / size).toFixed(0)}% ` : '';
        log.write(`${log.isTTY ? '\r' : ''}anomalies ${pct}${points} points${log.isTTY ? '' : '\n'}`);
      }
    }
    reader.end(lineNo);
    if (tmp) {
      await closeFile(out as WriteStream);
      if (writeError) throw new OutputError(cannotWrite(o.output as string, writeError));
      try {
        renameSync(tmp, o.output!);
      } catch (e) {
        throw new OutputError(cannotWrite(o.output as string, e));
      }
    }
  } catch (e) {
    file?.destroy();
    if (tmp) {
      await closeFile(out as WriteStream);
      rmSync(tmp, { force: true });
    }
    throw e;
  }
  const summary = { points, series: detectors.size, flagged, seconds: (Date.now() - started) / 1000 };
  log.write(
    `${log.isTTY ? '\r\x1b[K' : ''}anomalies done: ${points} points, ${summary.series} series, ${flagged} flagged (${summary.seconds.toFixed(1)} s)\n`,
  );
  return summary;
}

const closeFile = (out: WriteStream) => new Promise<void>((resolve) => out.end(() => resolve()));

function write(out: NodeJS.WritableStream, text: string): Promise<void> | void {
  if (out.write(text)) return;
  return new Promise((resolve) => out.once('drain', () => resolve()));
}

const unitInterval = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('must be a number from 0 to 1');
  return n;
};

type CommandOptions = Omit<AnomaliesRunOptions, 'seasonality' | 'progress' | 'stdin' | 'counts'> & {
  seasonality: boolean;
  counts?: 'auto' | 'yes' | 'no';
};

/** Adds `omnify anomalies` to the CLI. */
export function registerAnomaliesCommand(program: Command): Command {
  return program
    .command('anomalies')
    .description(
      'Score every point of a metric series for anomalies (seasonality-aware, causal). Input CSV: ' +
        '"t,value" or "id,t,value", t a date or a whole-number index (1, 2, 3 …); output adds score (0-1), ' +
        'flag (0/1), severity, expected, direction. An index t has no calendar: it is scored without ' +
        'seasonality unless --frequency says what one step is.',
    )
    .requiredOption('-i, --input <file>', 'input CSV ("-" for stdin)')
    .option('-o, --output <file>', 'output CSV (default or "-": stdout)')
    .option(
      '--threshold <score>',
      `flag points scoring at least this (default ${DEFAULT_THRESHOLD})`,
      unitInterval,
    )
    .addOption(
      new Option(
        '--frequency <frequency>',
        'index t only: one step is an hour (hour-of-day and weekday rhythm) or a day (weekday rhythm); default: no seasonality',
      ).choices(['hourly', 'daily']),
    )
    .addOption(
      new Option(
        '--cadence <cadence>',
        'dated t only: data cadence (default: inferred from the dates)',
      ).choices(['auto', 'subdaily', 'daily', 'none']),
    )
    .addOption(
      new Option('--transform <kind>', 'scale to model on (default: log for positive data)').choices([
        'auto',
        'log',
        'sqrt',
        'identity',
      ]),
    )
    .addOption(
      new Option(
        '--counts <mode>',
        'are the values event counts (conversions, clicks)? yes: also a Poisson test, so moves chance explains in small counts are not flagged; no: money or measurements that happen to be whole numbers (whole-dollar spend) are scored on their own spread; auto (default): whole numbers ≥ 0 are counts',
      ).choices(['auto', 'yes', 'no']),
    )
    .option('--no-seasonality', 'do not model daily or weekly rhythm')
    .action(async (opts: CommandOptions) => {
      try {
        const { seasonality, counts, ...rest } = opts;
        await runAnomalies({
          ...rest,
          seasonality: seasonality ? 'auto' : 'none',
          counts: counts === 'yes' ? true : counts === 'no' ? false : 'auto',
        });
      } catch (e) {
        const name = opts.input === '-' ? 'stdin' : opts.input;
        const message =
          e instanceof SeriesCsvError
            ? `${name}:${e.line}: ${e.message.replace(/^line \d+: /, '')}`
            : (e as Error).message;
        process.stderr.write(`error: ${message}\n`);
        process.exitCode = 1;
      }
    });
}
