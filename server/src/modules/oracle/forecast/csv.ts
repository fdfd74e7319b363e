/**
 * Long-format series CSV for the `omnify forecast` command: a header naming `id`, `t` and `value`
 * (any order, other columns ignored), one observation per line. `t` is a whole-number index or a
 * date/time (`2024-05-01`, `2024-05-01T13:00:00Z`, read strictly: `2024-02-30` is an error);
 * `value` a plain decimal number. Every problem is reported with its line number.
 */
import { DECIMAL, parseDateTime } from '../anomaly/series.csv.ts';
import type { Frequency } from './input.ts';

export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvError';
  }
}

export interface ParsedSeries {
  id: string;
  /** Values in time order; `null` where a step between the first and last t has no row. */
  values: (number | null)[];
  /** The file line of each value (`null` for a missing step), to report a bad value by its line. */
  lines: (number | null)[];
  /** The first t as written (index or date). */
  start: string;
  /** The rows whose value was written as missing (empty, `NA`, `NaN`, `null`), in time order, as written. */
  filled: { line: number; text: string }[];
}

export interface ParsedCsv {
  series: ParsedSeries[];
  /** `index` when t are whole numbers; otherwise the date frequency (given or inferred). */
  timeKind: 'index' | 'date';
  frequency?: Frequency;
  rows: number;
}

const STEP_MS: Record<Frequency, number> = { hourly: 3_600_000, daily: 86_400_000, weekly: 604_800_000 };
const INDEX = /^-?\d+$/;
/**
 * Most missing steps allowed between two rows of a series: the gap is filled in before fitting, so
 * a mistyped t (`2000000` after `3`) would otherwise mean minutes of work on an invented series.
 * 10,000 steps is over a year of hourly data and 27 years of daily data.
 */
export const MAX_GAP_STEPS = 10_000;
const MISSING = new Set(['', 'NA', 'NaN', 'null']);
/** The largest magnitude a value may have (a double's), as an error message writes it. */
export const MAX_MAGNITUDE = '1.8e308';

/** Splits one CSV line (RFC 4180 quotes, `""` escapes). */
export function splitCsvLine(line: string, lineNo: number): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let cell = '';
      i++;
      for (;;) {
        if (i >= line.length) throw new CsvError(lineNo, 'unterminated quoted field');
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        cell += line[i];
        i++;
      }
      if (i < line.length && line[i] !== ',')
        throw new CsvError(lineNo, 'unexpected text after a quoted field');
      out.push(cell);
      i++;
    } else {
      const next = line.indexOf(',', i);
      const end = next < 0 ? line.length : next;
      out.push(line.slice(i, end).trim());
      i = end + 1;
    }
  }
  return out;
}

/** A date t: its instant, and its wall-clock reading as if UTC (`local`, the offset ignored). */
function parseDate(text: string, lineNo: number) {
  const parsed = parseDateTime(text);
  if (!parsed) {
    const shaped = /^\d{4}-\d{2}-\d{2}(?:$|[T ])/.test(text);
    throw new CsvError(
      lineNo,
      shaped
        ? `t "${text}" is not a valid date or time`
        : `t "${text}" is neither a whole-number index nor a date`,
    );
  }
  return parsed;
}

interface Row {
  /** The index, or the date's instant (epoch ms). */
  t: number;
  /** The index, or the date's wall-clock time as written (epoch ms as if UTC). */
  local: number;
  value: number | null;
  /** The value as written. */
  valueText: string;
  line: number;
  raw: string;
}

/**
 * Parses the whole file; `frequency` fixes the date step, otherwise it is inferred from the dates.
 * Hourly dates are placed by their instant; daily and weekly dates by their wall-clock time as
 * written, so `…T00:00:00-05:00` then `…T00:00:00-04:00` (local midnights across a DST change)
 * are one day apart.
 */
export function parseSeriesCsv(text: string, opts: { frequency?: Frequency } = {}): ParsedCsv {
  const lines = text.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => l.trim() !== '');
  if (headerAt < 0) throw new CsvError(1, 'the file is empty; expected a header id,t,value');
  const header = splitCsvLine(lines[headerAt]!.replace(/^\uFEFF/, ''), headerAt + 1).map((h) =>
    h.toLowerCase(),
  );
  const col = { id: header.indexOf('id'), t: header.indexOf('t'), value: header.indexOf('value') };
  if (col.id < 0 || col.t < 0 || col.value < 0)
    throw new CsvError(
      headerAt + 1,
      `the header must name the columns id, t and value (got "${lines[headerAt]}")`,
    );
  const byId = new Map<string, Row[]>();
  let kind: 'index' | 'date' | undefined;
  let rows = 0;
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNo = i + 1;
    if (line.trim() === '') continue;
    const cells = splitCsvLine(line, lineNo);
    if (cells.length !== header.length)
      throw new CsvError(lineNo, `expected ${header.length} fields like the header, got ${cells.length}`);
    const id = cells[col.id]!;
    if (id === '') throw new CsvError(lineNo, 'id is empty');
    const tText = cells[col.t]!;
    const rowKind = INDEX.test(tText) ? 'index' : 'date';
    if (kind && rowKind !== kind)
      throw new CsvError(
        lineNo,
        `t "${tText}" is ${rowKind === 'index' ? 'an index' : 'a date'} but earlier rows used ${kind === 'index' ? 'indices' : 'dates'}`,
      );
    kind = rowKind;
    const date = rowKind === 'date' ? parseDate(tText, lineNo) : null;
    const t = date ? date.instant : Number(tText);
    if (!Number.isSafeInteger(t)) throw new CsvError(lineNo, `t "${tText}" is out of range`);
    const vText = cells[col.value]!;
    let value: number | null = null;
    if (!MISSING.has(vText)) {
      if (!DECIMAL.test(vText)) throw new CsvError(lineNo, `value "${vText}" is not a number`);
      value = Number(vText);
      if (!Number.isFinite(value))
        throw new CsvError(lineNo, `value "${vText}" is too large (beyond ±${MAX_MAGNITUDE})`);
    }
    const list = byId.get(id) ?? [];
    if (!byId.has(id)) byId.set(id, list);
    list.push({ t, local: date ? date.local : t, value, valueText: vText, line: lineNo, raw: tText });
    rows++;
  }
  if (!rows || !kind) throw new CsvError(headerAt + 2, 'no data rows after the header');
  const frequency = kind === 'date' ? (opts.frequency ?? inferFrequency(byId)) : opts.frequency;
  // Where each row sits: hourly by the instant, daily and weekly by the calendar time as written.
  const byWall = kind === 'date' && frequency !== 'hourly';
  const at = (row: Row) => (byWall ? row.local : row.t);
  for (const list of byId.values()) list.sort((a, b) => at(a) - at(b) || a.line - b.line);
  for (const [id, list] of byId)
    for (let k = 1; k < list.length; k++)
      if (at(list[k]!) === at(list[k - 1]!))
        throw new CsvError(
          list[k]!.line,
          `duplicate t "${list[k]!.raw}" for id "${id}" (also on line ${list[k - 1]!.line})`,
        );
  const step = kind === 'index' ? 1 : STEP_MS[frequency!];
  const unit = kind === 'index' ? 'index' : frequency!;
  const series: ParsedSeries[] = [];
  for (const [id, list] of byId) {
    const first = list[0]!;
    const values: (number | null)[] = [];
    const lineOf: (number | null)[] = [];
    const filled: ParsedSeries['filled'] = [];
    let previous = first;
    for (const row of list) {
      const offset = (at(row) - at(first)) / step;
      if (!Number.isInteger(offset))
        throw new CsvError(
          row.line,
          `t "${row.raw}" is not a whole number of ${unit} steps after "${first.raw}" (id "${id}")`,
        );
      const missing = offset - values.length;
      if (missing > MAX_GAP_STEPS)
        throw new CsvError(
          row.line,
          `t "${row.raw}" is ${missing + 1} ${unit} steps after "${previous.raw}" on line ${previous.line} (id "${id}"): more than ${MAX_GAP_STEPS.toLocaleString('en-US')} missing steps in a row; is t mistyped?`,
        );
      while (values.length < offset) {
        values.push(null);
        lineOf.push(null);
      }
      values.push(row.value);
      lineOf.push(row.line);
      if (row.value === null) filled.push({ line: row.line, text: row.valueText });
      previous = row;
    }
    series.push({ id, values, lines: lineOf, start: first.raw, filled });
  }
  return { series, timeKind: kind, ...(frequency ? { frequency } : {}), rows };
}

/**
 * The step of the dates: hourly when the smallest gap between instants is an hour; otherwise daily
 * or weekly from the smallest gap between wall-clock times (so a DST change does not hide a day).
 */
function inferFrequency(byId: Map<string, Row[]>): Frequency {
  const smallest = (key: (r: Row) => number) => {
    let gap = Number.POSITIVE_INFINITY;
    let line = 1;
    for (const list of byId.values()) {
      const sorted = [...list].sort((a, b) => key(a) - key(b));
      for (let k = 1; k < sorted.length; k++) {
        const d = key(sorted[k]!) - key(sorted[k - 1]!);
        if (d > 0 && d < gap) {
          gap = d;
          line = sorted[k]!.line;
        }
      }
    }
    return { gap, line };
  };
  const instant = smallest((r) => r.t);
  if (instant.gap === Number.POSITIVE_INFINITY) return 'daily';
  if (instant.gap === STEP_MS.hourly) return 'hourly';
  const wall = smallest((r) => r.local);
  for (const f of ['daily', 'weekly'] as const) if (wall.gap === STEP_MS[f]) return f;
  throw new CsvError(
    instant.line,
    'cannot tell the frequency from the dates (not hourly, daily or weekly); pass --frequency',
  );
}

/** One CSV field, quoted when it has to be. */
export function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Formats the forecasts as `id,step,mean,lo80,hi80,lo95,hi95` rows (no header). */
export function formatRow(id: string, step: number, values: number[]): string {
  return [csvField(id), String(step), ...values.map((v) => String(Number(v.toPrecision(10))))].join(',');
}
