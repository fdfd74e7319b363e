/**
 * `omnify anomalies --input series.csv --output scores.csv`: scores every point of one or many
 * series (an `id` column separates them) and writes `[id,]t,value,score,flag,severity,expected,
 * direction`. The file is read as a stream, so long inputs show progress on stderr and any size
 * fits in memory; the output appears only when the whole input was valid (written beside it,
 * then renamed), and the first malformed line is reported with its number.
 */
import { createReadStream, createWriteStream, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  type AnomalyDetector,
  type AnomalyDetectorOptions,
  createAnomalyDetector,
  DEFAULT_THRESHOLD,
} from './detector.ts';
import { createSeriesCsvReader, csvCell, SeriesCsvError } from './series.csv.ts';

export interface AnomaliesRunOptions extends AnomalyDetectorOptions {
  input: string;
  /** Output file; stdout when absent. */
  output?: string;
  /** Where progress and the summary go (default process.stderr). */
  progress?: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface AnomaliesSummary {
  points: number;
  series: number;
  flagged: number;
  seconds: number;
}

const round = (v: number, digits: number) => (Number.isFinite(v) ? Number(v.toPrecision(digits)) : v);

/** Runs the command's work; throws SeriesCsvError (with the line number) on a malformed file. */
export async function runAnomalies(o: AnomaliesRunOptions): Promise<AnomaliesSummary> {
  const started = Date.now();
  const log = o.progress ?? process.stderr;
  const size = statSync(o.input).size;
  const tmp = o.output ? `${o.output}.partial-${process.pid}` : null;
  const out: NodeJS.WritableStream = tmp ? createWriteStream(tmp) : process.stdout;
  let writeError: Error | null = null;
  if (tmp) out.on('error', (e: Error) => (writeError ??= e));
  const input = createReadStream(o.input);
  const reader = createSeriesCsvReader();
  const detectors = new Map<string, AnomalyDetector>();
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
      let detector = detectors.get(row.id);
      if (!detector) {
        detector = createAnomalyDetector(o);
        detectors.set(row.id, detector);
      }
      const p = detector.push(row.t, row.value);
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
        const pct = size > 0 ? Math.min(100, (100 * input.bytesRead) / size) : 100;
        log.write(
          `${log.isTTY ? '\r' : ''}anomalies ${pct.toFixed(0)}% ${points} points${log.isTTY ? '' : '\n'}`,
        );
      }
    }
    reader.end(lineNo);
    if (tmp) {
      await closeFile(out as WriteStream);
      if (writeError) throw writeError;
      renameSync(tmp, o.output!);
    }
  } catch (e) {
    input.destroy();
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

type CommandOptions = Omit<AnomaliesRunOptions, 'seasonality' | 'progress'> & { seasonality: boolean };

/** Adds `omnify anomalies` to the CLI. */
export function registerAnomaliesCommand(program: Command): Command {
  return program
    .command('anomalies')
    .description(
      'Score every point of a metric series for anomalies (seasonality-aware, causal). Input CSV: ' +
        '"t,value" or "id,t,value"; output adds score (0-1), flag (0/1), severity, expected, direction.',
    )
    .requiredOption('-i, --input <file>', 'input CSV')
    .option('-o, --output <file>', 'output CSV (default: stdout)')
    .option(
      '--threshold <score>',
      `flag points scoring at least this (default ${DEFAULT_THRESHOLD})`,
      unitInterval,
    )
    .addOption(
      new Option('--cadence <cadence>', 'data cadence (default: inferred from the timestamps)').choices([
        'auto',
        'subdaily',
        'daily',
        'none',
      ]),
    )
    .addOption(
      new Option('--transform <kind>', 'scale to model on (default: log for positive data)').choices([
        'auto',
        'log',
        'sqrt',
        'identity',
      ]),
    )
    .option('--no-seasonality', 'do not model daily or weekly rhythm')
    .action(async (opts: CommandOptions) => {
      try {
        const { seasonality, ...rest } = opts;
        await runAnomalies({ ...rest, seasonality: seasonality ? 'auto' : 'none' });
      } catch (e) {
        const message = e instanceof SeriesCsvError ? `${opts.input}: ${e.message}` : (e as Error).message;
        process.stderr.write(`error: ${message}\n`);
        process.exitCode = 1;
      }
    });
}
