/**
 * Long-format series CSV for the `omnify forecast` command: a header naming `id`, `t` and `value`
 * (any order, other columns ignored), one observation per line. `t` is a whole-number index or a
 * date/time (`2024-05-01`, `2024-05-01T13:00:00Z`); every problem is reported with its line number.
 */
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
  /** The first t as written (index or date). */
  start: string;
}

export interface ParsedCsv {
  series: ParsedSeries[];
  /** `index` when t are whole numbers; otherwise the date frequency (given or inferred). */
  timeKind: 'index' | 'date';
  frequency?: Frequency;
  rows: number;
}

const STEP_MS: Record<Frequency, number> = { hourly: 3_600_000, daily: 86_400_000, weekly: 604_800_000 };
const DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const INDEX = /^-?\d+$/;
const MISSING = new Set(['', 'NA', 'NaN', 'null']);

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

function parseDate(text: string, lineNo: number): number {
  if (!DATE.test(text)) throw new CsvError(lineNo, `t "${text}" is neither a whole-number index nor a date`);
  const iso = text.replace(' ', 'T');
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(iso) && iso.includes('T');
  const ms = Date.parse(iso.includes('T') ? (hasZone ? iso : `${iso}Z`) : `${iso}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new CsvError(lineNo, `t "${text}" is not a valid date`);
  return ms;
}

interface Row {
  t: number;
  value: number | null;
  line: number;
  raw: string;
}

/** Parses the whole file; `frequency` fixes the date step, otherwise it is inferred from the dates. */
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
    const t = rowKind === 'index' ? Number(tText) : parseDate(tText, lineNo);
    if (!Number.isSafeInteger(t)) throw new CsvError(lineNo, `t "${tText}" is out of range`);
    const vText = cells[col.value]!;
    let value: number | null = null;
    if (!MISSING.has(vText)) {
      value = Number(vText);
      if (!Number.isFinite(value)) throw new CsvError(lineNo, `value "${vText}" is not a number`);
    }
    const list = byId.get(id) ?? [];
    if (!byId.has(id)) byId.set(id, list);
    list.push({ t, value, line: lineNo, raw: tText });
    rows++;
  }
  if (!rows || !kind) throw new CsvError(headerAt + 2, 'no data rows after the header');
  for (const list of byId.values()) list.sort((a, b) => a.t - b.t || a.line - b.line);
  for (const [id, list] of byId)
    for (let k = 1; k < list.length; k++)
      if (list[k]!.t === list[k - 1]!.t)
        throw new CsvError(
          list[k]!.line,
          `duplicate t "${list[k]!.raw}" for id "${id}" (also on line ${list[k - 1]!.line})`,
        );
  const frequency = kind === 'date' ? (opts.frequency ?? inferFrequency(byId)) : opts.frequency;
  const step = kind === 'index' ? 1 : STEP_MS[frequency!];
  const series: ParsedSeries[] = [];
  for (const [id, list] of byId) {
    const first = list[0]!;
    const values: (number | null)[] = [];
    for (const row of list) {
      const offset = (row.t - first.t) / step;
      if (!Number.isInteger(offset))
        throw new CsvError(
          row.line,
          `t "${row.raw}" is not a whole number of ${frequency ?? 'index'} steps after "${first.raw}" (id "${id}")`,
        );
      while (values.length < offset) values.push(null);
      values.push(row.value);
    }
    series.push({ id, values, start: first.raw });
  }
  return { series, timeKind: kind, ...(frequency ? { frequency } : {}), rows };
}

function inferFrequency(byId: Map<string, Row[]>): Frequency {
  let smallest = Number.POSITIVE_INFINITY;
  let line = 1;
  for (const list of byId.values())
    for (let k = 1; k < list.length; k++) {
      const d = list[k]!.t - list[k - 1]!.t;
      if (d < smallest) {
        smallest = d;
        line = list[k]!.line;
      }
    }
  if (smallest === Number.POSITIVE_INFINITY) return 'daily';
  for (const f of ['hourly', 'daily', 'weekly'] as const) if (smallest === STEP_MS[f]) return f;
  throw new CsvError(
    line,
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
