/**
 * The CSV the `omnify anomalies` command reads and writes. Input: a header `t,value` or
 * `id,t,value` (`timestamp`, `time` or `date` also name the time column; any order), then one
 * point per line. Times: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.fff]]` (UTC unless a zone is given),
 * ISO 8601, or epoch seconds / milliseconds. An empty, `NaN`, `NA` or `null` value is a missing
 * point (scored 0); anything else that is not a finite number is an error. Every error names its
 * line, and a series' time may not go backwards.
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
  t: number;
  value: number | null;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?$/;
const NUMERIC = /^-?\d+(?:\.\d+)?$/;

/** Epoch milliseconds of a time written as above, or null when it is not a real time. */
export function parseTime(text: string): number | null {
  const s = text.trim();
  if (NUMERIC.test(s)) {
    const n = Number(s);
    if (!Number.isFinite(n)) return null;
    return Math.abs(n) < 1e11 ? n * 1000 : n;
  }
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
  return check.getTime() + Math.round(ms) - offset;
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
  const lastTime = new Map<string, number>();
  return {
    get hasHeader() {
      return columns !== null;
    },
    get hasIdColumn() {
      return (columns?.id ?? -1) >= 0;
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
        return null;
      }
      if (cells.length !== columns.count)
        throw new SeriesCsvError(lineNo, `expected ${columns.count} fields, found ${cells.length}`);
      const id = columns.id >= 0 ? cells[columns.id]! : '';
      const time = cells[columns.t]!;
      const t = parseTime(time);
      if (t === null) throw new SeriesCsvError(lineNo, `cannot read the time "${time}"`);
      const v = cells[columns.value]!;
      let value: number | null = null;
      if (!MISSING.has(v.toLowerCase())) {
        value = Number(v);
        if (!Number.isFinite(value))
          throw new SeriesCsvError(lineNo, `the value "${v}" is not a finite number`);
      }
      const before = lastTime.get(id);
      if (before !== undefined && t < before)
        throw new SeriesCsvError(
          lineNo,
          `time goes backwards${id ? ` for id "${id}"` : ''} (${time} after ${new Date(before).toISOString()})`,
        );
      lastTime.set(id, t);
      return { line: lineNo, id, time, t, value };
    },
    /** Throws when the file had no header at all. */
    end(lastLine: number) {
      if (!columns)
        throw new SeriesCsvError(
          Math.max(1, lastLine),
          'empty file: expected a header "t,value" or "id,t,value"',
        );
    },
  };
}

/** Quotes a cell only when it needs it. */
export const csvCell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
