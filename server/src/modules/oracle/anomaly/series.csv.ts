/**
 * The CSV the `omnify anomalies` command reads and writes. Input: a header `t,value` or
 * `id,t,value` (`timestamp`, `time` or `date` also name the time column; any order), then one
 * point per line. `t` is a date/time — `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.fff]]` (UTC unless a
 * zone is given) or ISO 8601 — or a whole-number index (1, 2, 3 …), as in `omnify forecast`; a file
 * uses one or the other. An empty, `NaN`, `NA` or `null` value is a missing point (scored 0);
 * anything else that is not a plain decimal number is an error. Every error names its line; within
 * a series time may not go backwards nor repeat.
 */

export class SeriesCsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'SeriesCsvError';
  }
}

export interface SeriesRow {
  line: number;
  id: string;
  /** The time as written, echoed to the output. */
  time: string;
  /** `date`: t is epoch milliseconds; `index`: t is the whole number as written. */
  kind: TimeKind;
  t: number;
  value: number | null;
}

export type TimeKind = 'date' | 'index';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?$/;
const NUMERIC = /^-?\d+(?:\.\d+)?$/;
const INDEX = /^-?\d+$/;
/** A plain decimal number (no hex, no `Infinity`, no blanks). */
export const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A date or date-time as written — `YYYY-MM-DD`, `YYYY-MM-DD[ T]HH:MM[:SS[.fff]]`, optionally with
 * `Z` or `±HH[:]MM` (UTC when absent) — strictly: impossible calendar dates and times
 * (`2024-02-30`, `25:00`) are null, never rolled over. `instant` is the moment in epoch
 * milliseconds; `local` is the same wall-clock reading as if it were UTC (the offset ignored), so
 * daily data written at local midnight stays whole days apart across a DST change.
 */
export function parseDateTime(text: string): { instant: number; local: number } | null {
  const s = text.trim();
  const d = DATE_ONLY.exec(s);
  const m = d ?? DATE_TIME.exec(s);
  if (!m) return null;
  const [y, mo, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [h, mi, sec] = d ? [0, 0, 0] : [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  const check = new Date(Date.UTC(y, mo - 1, day, h, mi, sec));
  if (
    check.getUTCFullYear() !== y ||
    check.getUTCMonth() !== mo - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== h ||
    check.getUTCMinutes() !== mi ||
    check.getUTCSeconds() !== sec
  )
    return null;
  const ms = d ? 0 : Number(`0.${m[7] ?? '0'}`) * 1000;
  const zone = d ? undefined : m[8];
  let offset = 0;
  if (zone && zone !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    offset = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
  }
  const local = check.getTime() + Math.round(ms);
  return { instant: local - offset, local };
}

/**
 * Epoch milliseconds of a date/time (`parseDateTime`) or of epoch seconds / milliseconds, or null
 * when it is not a real time. The CSV reader does not use it: there a bare number is an index.
 */
export function parseTime(text: string): number | null {
  const s = text.trim();
  if (NUMERIC.test(s)) {
    const n = Number(s);
    if (!Number.isFinite(n)) return null;
    return Math.abs(n) < 1e11 ? n * 1000 : n;
  }
  return parseDateTime(s)?.instant ?? null;
}

/** Splits one CSV line; double-quoted fields may hold commas and doubled quotes. */
export function splitCsvLine(line: string, lineNo: number): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let field = '';
      i++;
      for (;;) {
        if (i >= line.length) throw new SeriesCsvError(lineNo, 'unterminated quoted field');
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',') throw new SeriesCsvError(lineNo, 'text after a closing quote');
      out.push(field);
    } else {
      const next = line.indexOf(',', i);
      out.push((next < 0 ? line.slice(i) : line.slice(i, next)).trim());
      i = next < 0 ? line.length : next;
    }
    if (i >= line.length) return out;
    i++; // the comma
  }
}

const TIME_NAMES = new Set(['t', 'time', 'timestamp', 'date']);
const MISSING = new Set(['', 'nan', 'na', 'null']);

/** Reads the file line by line; `push` returns a row, or null for the header and blank lines. */
export function createSeriesCsvReader() {
  let columns: { id: number; t: number; value: number; count: number } | null = null;
  let headerLine = 0;
  let kind: TimeKind | null = null;
  let rows = 0;
  const last = new Map<string, { t: number; time: string; line: number }>();
  return {
    get hasHeader() {
      return columns !== null;
    },
    get hasIdColumn() {
      return (columns?.id ?? -1) >= 0;
    },
    /** Whether the file's t are dates or indices (null before the first row). */
    get timeKind() {
      return kind;
    },
    push(raw: string, lineNo: number): SeriesRow | null {
      const text = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (text.trim() === '') return null;
      const cells = splitCsvLine(text.replace(/\r$/, ''), lineNo);
      if (!columns) {
        const names = cells.map((c) => c.toLowerCase());
        const t = names.findIndex((n) => TIME_NAMES.has(n));
        const value = names.indexOf('value');
        const id = names.indexOf('id');
        const unknown = names.filter((_n, i) => i !== t && i !== value && i !== id);
        if (t < 0 || value < 0 || unknown.length > 0)
          throw new SeriesCsvError(
            lineNo,
            `expected a header "t,value" or "id,t,value", got "${text.trim()}"`,
          );
        columns = { id, t, value, count: cells.length };
        headerLine = lineNo;
        return null;
      }
      if (cells.length !== columns.count)
        throw new SeriesCsvError(lineNo, `expected ${columns.count} fields, found ${cells.length}`);
      const id = columns.id >= 0 ? cells[columns.id]! : '';
      const time = cells[columns.t]!;
      const rowKind: TimeKind = INDEX.test(time) ? 'index' : 'date';
      const t = rowKind === 'index' ? Number(time) : (parseDateTime(time)?.instant ?? null);
      if (t === null)
        throw new SeriesCsvError(lineNo, `cannot read the time "${time}" (a date, or a whole-number index)`);
      if (!Number.isSafeInteger(t)) throw new SeriesCsvError(lineNo, `the time "${time}" is out of range`);
      if (kind && rowKind !== kind)
        throw new SeriesCsvError(
          lineNo,
          `the time "${time}" is ${rowKind === 'index' ? 'an index' : 'a date'} but earlier rows used ${kind === 'index' ? 'indices' : 'dates'}`,
        );
      kind = rowKind;
      const v = cells[columns.value]!;
      let value: number | null = null;
      if (!MISSING.has(v.toLowerCase())) {
        if (!DECIMAL.test(v)) throw new SeriesCsvError(lineNo, `the value "${v}" is not a finite number`);
        value = Number(v);
        if (!Number.isFinite(value))
          throw new SeriesCsvError(lineNo, `the value "${v}" is too large (beyond ±1.8e308)`);
      }
      const before = last.get(id);
      const forId = id ? ` for id "${id}"` : '';
      if (before && t === before.t)
        throw new SeriesCsvError(lineNo, `duplicate t "${time}"${forId} (also on line ${before.line})`);
      if (before && t < before.t)
        throw new SeriesCsvError(
          lineNo,
          `time goes backwards${forId} (${time} on line ${lineNo} after ${before.time} on line ${before.line})`,
        );
      last.set(id, { t, time, line: lineNo });
      rows++;
      return { line: lineNo, id, time, kind: rowKind, t, value };
    },
    /** Throws when the file had no header, or a header and no points. */
    end(lastLine: number) {
      if (!columns)
        throw new SeriesCsvError(
          Math.max(1, lastLine),
          'empty file: expected a header "t,value" or "id,t,value"',
        );
      if (rows === 0) throw new SeriesCsvError(headerLine + 1, 'no data rows after the header');
    },
  };
}

/** Quotes a cell only when it needs it. */
export const csvCell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
