/**
 * `omnify forecast -i/--input series.csv --horizon 13 [-o/--output forecasts.csv] [--season 52 |
 * --frequency weekly] [--non-negative] [--models models.csv]`: forecasts every series of a
 * long-format CSV. Progress goes to stderr; a malformed file stops with its line number; a series
 * that cannot be forecast is reported and skipped (exit code 1), the others are still written.
 * When no series can be forecast nothing is written (no header on stdout, no files). Missing values
 * (steps t skips, values written as missing) are filled by interpolation and named on stderr, one
 * line per series (at most 10, then "and N more"); a series with more than half of its steps
 * missing is refused (named, with its counts) unless --allow-gaps.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { isAppError } from '../../../platform/errors.ts';
import { cannotWrite } from '../../../platform/files.ts';
import { CsvError, csvField, formatRow, MAX_GAP_STEPS, parseSeriesCsv } from './csv.ts';
import { type Frequency, MAX_HORIZON, MAX_SEASON } from './input.ts';
import { forecast } from './model.ts';

export interface ForecastCommandOptions {
  input: string;
  horizon: number;
  output?: string;
  season?: number[];
  frequency?: Frequency;
  nonNegative?: boolean;
  models?: string;
  /** Forecast a series even when more than half of its steps are missing (filled by interpolation). */
  allowGaps?: boolean;
}

/** Warning lines about filled-in values printed on stderr before "and N more". */
const MAX_WARNING_LINES = 10;
/** Error lines printed on stderr before "and N more". */
const MAX_ERROR_LINES = 20;

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readStdin: () => string;
}

const defaultIo: Io = {
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin: () => readFileSync(0, 'utf8'),
};

const parseHorizon = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_HORIZON)
    throw new InvalidArgumentError(`must be a whole number from 1 to ${MAX_HORIZON}`);
  return n;
};
const parseSeason = (v: string) =>
  v.split(',').map((p) => {
    const n = Number(p.trim());
    if (!Number.isInteger(n) || n < 1 || n > MAX_SEASON)
      throw new InvalidArgumentError(`must be whole numbers from 1 to ${MAX_SEASON}, e.g. 52 or 24,168`);
    return n;
  });
const parseFrequency = (v: string): Frequency => {
  if (v !== 'hourly' && v !== 'daily' && v !== 'weekly')
    throw new InvalidArgumentError('must be hourly, daily or weekly');
  return v;
};

/** A progress line on stderr for long inputs: redrawn in place on a terminal, every 2 s otherwise. */
function progress(stderr: Io['stderr'], total: number) {
  const started = Date.now();
  let last = 0;
  return (done: number) => {
    const now = Date.now();
    if (total < 20 || (now - last < (stderr.isTTY ? 200 : 2000) && done < total)) return;
    last = now;
    const elapsed = (now - started) / 1000;
    const eta = done < total ? ` ETA ${Math.ceil((elapsed / done) * (total - done))}s` : '';
    const text = `forecast ${done}/${total} series (${Math.round((100 * done) / total)}%)${eta}`;
    stderr.write(stderr.isTTY ? `\r${text}\x1b[K${done === total ? '\n' : ''}` : `${text}\n`);
  };
}

/** Runs the command; returns the exit code (0 ok, 1 bad input or any series failed). */
export async function runForecastCommand(opts: ForecastCommandOptions, io: Io = defaultIo): Promise<number> {
  let text: string;
  try {
    text = opts.input === '-' ? io.readStdin() : readFileSync(opts.input, 'utf8');
  } catch (e) {
    io.stderr.write(`error: cannot read ${opts.input}: ${(e as Error).message}\n`);
    return 1;
  }
  const name = opts.input === '-' ? 'stdin' : opts.input;
  let parsed: ReturnType<typeof parseSeriesCsv>;
  try {
    parsed = parseSeriesCsv(text, opts.frequency ? { frequency: opts.frequency } : {});
  } catch (e) {
    if (e instanceof CsvError) {
      io.stderr.write(`error: ${name}:${e.line}: ${e.message.replace(/^line \d+: /, '')}\n`);
      return 1;
    }
    throw e;
  }
  // A value left empty (or written NA, NaN, null) is filled before fitting: say so, once per series,
  // at the first such line, naming what was written.
  const filledNote = (s: (typeof parsed.series)[number]) => {
    const first = s.filled[0];
    if (!first) return null;
    const kinds = new Map<string, number>();
    for (const f of s.filled) kinds.set(f.text, (kinds.get(f.text) ?? 0) + 1);
    const what = (text: string) => (text === '' ? 'empty' : text);
    const n = s.filled.length;
    let values: string;
    if (kinds.size === 1) {
      const article = first.text === '' || first.text === 'NA' ? 'an' : 'a';
      values = `${n === 1 ? `${article} ${what(first.text)} value` : `${n} ${what(first.text)} values`} (first on this line)`;
    } else
      values = `${n} missing values (${[...kinds].map(([text, count]) => `${count} ${what(text)}`).join(', ')}; first on this line)`;
    return { line: first.line, values };
  };
  const warnings: string[] = [];
  const fmt = (n: number) => n.toLocaleString('en-US');
  const out = ['id,step,mean,lo80,hi80,lo95,hi95'];
  const models = ['id,model,version,observations,warnings'];
  const failures: string[] = [];
  const tick = progress(io.stderr, parsed.series.length);
  const started = Date.now();
  for (const [i, s] of parsed.series.entries()) {
    // Steps with no value: t skipped them (no row) or the value was written as missing.
    const missing = s.values.filter((v) => v === null || Number.isNaN(v)).length;
    const gaps = missing - s.filled.length;
    const steps = parsed.frequency ? `${parsed.frequency} steps` : 'steps';
    if (missing > s.values.length / 2 && !opts.allowGaps) {
      // Most of the series would be invented: refused unless asked for.
      failures.push(
        `series "${s.id}": ${fmt(missing)} of ${fmt(s.values.length)} ${steps} are missing (${fmt(gaps)} with no row${s.filled.length ? `, ${fmt(s.filled.length)} written as missing` : ''}): more than half of the series would be invented by interpolation, so it is not forecast; ${opts.frequency ? `is --frequency ${opts.frequency} right for this file? ` : ''}pass --allow-gaps to forecast it anyway`,
      );
      tick(i + 1);
      continue;
    }
    try {
      const f = forecast(s.values, {
        horizon: opts.horizon,
        ...(opts.season ? { season: opts.season } : {}),
        ...(parsed.frequency ? { frequency: parsed.frequency } : {}),
        ...(opts.nonNegative ? { nonNegative: true } : {}),
      });
      for (let j = 0; j < f.mean.length; j++)
        out.push(formatRow(s.id, j + 1, [f.mean[j]!, f.lo80[j]!, f.hi80[j]!, f.lo95[j]!, f.hi95[j]!]));
      const filled = filledNote(s);
      const interpolation = f.diagnostics.warnings.filter((w) => /missing/.test(w)).join('; ');
      const noRow = `${fmt(gaps)} of ${fmt(s.values.length)} ${steps} have no row (t skips them)`;
      if (filled)
        warnings.push(
          `warning: ${name}:${filled.line}: series "${s.id}": ${filled.values} filled in: ${interpolation}${gaps > 0 ? `; ${noRow}` : ''}`,
        );
      else if (gaps > 0) warnings.push(`warning: ${name}: series "${s.id}": ${noRow}: ${interpolation}`);
      models.push(
        [s.id, f.model, f.version, String(f.diagnostics.observations), f.diagnostics.warnings.join('; ')]
          .map(csvField)
          .join(','),
      );
    } catch (e) {
      if (!isAppError(e)) throw e;
      // A bad value is named by its file line, not by its position in the series.
      const position = (e.details as { position?: unknown } | undefined)?.position;
      const line = typeof position === 'number' ? s.lines[position] : undefined;
      failures.push(
        line
          ? `${name}:${line}: series "${s.id}": ${e.message.replace(/^Value at position \d+/, 'value')}`
          : `series "${s.id}": ${e.message}`,
      );
    }
    tick(i + 1);
  }
  const csv = `${out.join('\n')}\n`;
  // No series forecast: nothing is written (not even the header), so a failed run leaves no output
  // that looks like a result and does not overwrite an earlier one.
  const anyForecast = models.length > 1;
  for (const [path, content] of [
    [opts.output && opts.output !== '-' ? opts.output : null, csv],
    [opts.models ?? null, `${models.join('\n')}\n`],
  ] as const) {
    if (!path || !anyForecast) continue;
    try {
      writeFileSync(path, content);
    } catch (e) {
      io.stderr.write(`error: ${cannotWrite(path, e)}\n`);
      return 1;
    }
  }
  if (anyForecast && (!opts.output || opts.output === '-')) io.stdout.write(csv);
  for (const w of warnings.slice(0, MAX_WARNING_LINES)) io.stderr.write(`${w}\n`);
  if (warnings.length > MAX_WARNING_LINES)
    io.stderr.write(
      `warning: and ${fmt(warnings.length - MAX_WARNING_LINES)} more series with missing values filled in${opts.models ? ` (${opts.models} lists each series' warnings)` : " (--models <file> lists each series' warnings)"}\n`,
    );
  for (const f of failures.slice(0, MAX_ERROR_LINES)) io.stderr.write(`error: ${f}\n`);
  if (failures.length > MAX_ERROR_LINES)
    io.stderr.write(`error: and ${fmt(failures.length - MAX_ERROR_LINES)} more series not forecast\n`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  io.stderr.write(
    `forecast: ${parsed.series.length - failures.length} of ${parsed.series.length} series, ${opts.horizon} steps, ${seconds} s${anyForecast && opts.output && opts.output !== '-' ? ` → ${opts.output}` : ''}${anyForecast ? '' : ', nothing written'}\n`,
  );
  return failures.length ? 1 : 0;
}

/** Adds `forecast` to the `omnify` program. */
export function registerForecastCommand(program: Command): Command {
  return program
    .command('forecast')
    .description(
      'Forecast every series of a long-format CSV (id,t,value; t a date or an index) with 80% and 95% intervals; writes id,step,mean,lo80,hi80,lo95,hi95.',
    )
    .requiredOption(
      '-i, --input <file>',
      `CSV with a header naming id, t and value ("-" for stdin); t a whole-number index or a date (YYYY-MM-DD[THH:MM[:SS]][Z|±HH:MM]), at most ${MAX_GAP_STEPS.toLocaleString('en-US')} missing steps in a row`,
    )
    .requiredOption('--horizon <steps>', `steps ahead to forecast (1-${MAX_HORIZON})`, parseHorizon)
    .option(
      '-o, --output <file>',
      'where to write the forecasts (default or "-": stdout); nothing is written when no series could be forecast',
    )
    .option('--season <periods>', 'seasonal period(s) in steps, e.g. 52 or 24,168 (1 = none)', parseSeason)
    .option(
      '--frequency <frequency>',
      'hourly, daily or weekly: the step and default seasons (24,168 / 7 / 52); inferred from dates (daily and weekly dates are read by the calendar time as written, so local midnights across a DST change are one day apart)',
      parseFrequency,
    )
    .option('--non-negative', 'the values cannot be negative (spend, conversions, revenue): reject negatives')
    .option('--models <file>', 'also write id,model,version,observations,warnings per series')
    .option(
      '--allow-gaps',
      'forecast a series even when more than half of its steps are missing (no row, or written as missing): they are filled by interpolation; without it such a series is refused',
    )
    .action(async (opts: ForecastCommandOptions) => {
      process.exitCode = await runForecastCommand(opts);
    });
}
