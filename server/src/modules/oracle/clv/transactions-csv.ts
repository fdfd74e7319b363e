/**
 * Reads `customer_id,date,amount` CSV files line by line (any size), with the line number of every
 * problem. A header naming the three columns is required (any order, extra columns ignored);
 * fields may be double-quoted (RFC 4180) but may not span lines; `date` is `YYYY-MM-DD`, optionally
 * followed by a time (`T…` or ` …`) which is ignored: the calendar day is the day as written.
 * `amount` is a plain number ≥ 0. A bad header is the only problem reported (the lines after it
 * cannot be read without one); otherwise up to 10 bad lines are listed. `-` reads stdin.
 */
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { AppError } from '../../../platform/errors.ts';
import { dayNumber, type Transaction } from './rfm.ts';

export interface CsvProblem {
  line: number;
  message: string;
}

const REQUIRED = ['customer_id', 'date', 'amount'] as const;
const MAX_PROBLEMS = 10;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Splits one CSV line into fields; a string result is the reason it is malformed. */
export function splitCsvLine(line: string): string[] | string {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const close = line.indexOf('"', i);
        if (close < 0) return 'unterminated quoted field (a field may not span lines)';
        value += line.slice(i, close);
        if (line[close + 1] === '"') {
          value += '"';
          i = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
      if (i < line.length && line[i] !== ',')
        return `unexpected character after a quoted field at column ${i + 1}`;
      fields.push(value);
    } else {
      const comma = line.indexOf(',', i);
      fields.push(line.slice(i, comma < 0 ? line.length : comma));
      i = comma < 0 ? line.length : comma;
    }
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

/** A stateful line parser: the first non-blank line is the header, then one transaction per line. */
export function createTransactionsCsvParser() {
  let columns: { id: number; date: number; amount: number; count: number } | null = null;
  return {
    /** Returns the transaction on this line, null for the header or a blank line; throws a message otherwise. */
    parse(raw: string): Transaction | null {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim() === '') return null;
      const fields = splitCsvLine(columns ? line : line.replace(/^\uFEFF/, ''));
      if (typeof fields === 'string') throw new Error(fields);
      if (!columns) {
        const names = fields.map((f) => f.trim().toLowerCase());
        const missing = REQUIRED.filter((c) => !names.includes(c));
        if (missing.length)
          throw new Error(
            `the header must name the columns customer_id, date and amount (missing ${missing.join(', ')})`,
          );
        const [id, date, amount] = REQUIRED.map((c) => names.indexOf(c)) as [number, number, number];
        columns = { id, date, amount, count: names.length };
        return null;
      }
      if (fields.length !== columns.count)
        throw new Error(`expected ${columns.count} fields like the header, got ${fields.length}`);
      const customerId = fields[columns.id]!.trim();
      if (!customerId) throw new Error('customer_id is empty');
      const dateField = fields[columns.date]!.trim();
      const date = dateField.slice(0, 10);
      if (!/^.{10}(?:$|[T ])/.test(dateField) || dayNumber(date) === null)
        throw new Error(`date "${dateField}" is not a calendar day YYYY-MM-DD`);
      const amountField = fields[columns.amount]!.trim();
      if (!DECIMAL.test(amountField)) throw new Error(`amount "${amountField}" is not a number`);
      const amount = Number(amountField);
      if (!Number.isFinite(amount)) throw new Error(`amount "${amountField}" is too large (beyond ±1.8e308)`);
      if (amount < 0)
        throw new Error(`amount ${amountField} is negative (refunds are not supported: net them out first)`);
      return { customerId, date, amount };
    },
    get sawHeader() {
      return columns !== null;
    },
  };
}

/**
 * Streams a transactions file into `onTransaction`. Collects up to 10 problems, then throws one
 * `invalid_input` listing them (`details.problems`: `{ line, message }`), so a file is never half used.
 */
export async function readTransactionsFile(
  path: string,
  opts: {
    onTransaction: (tx: Transaction) => void;
    onProgress?: (bytesRead: number, totalBytes: number) => void;
    /** Read when `path` is `-` (default process.stdin). */
    stdin?: NodeJS.ReadableStream;
  },
): Promise<{ lines: number; transactions: number }> {
  const fromStdin = path === '-';
  let total = 0;
  if (!fromStdin)
    try {
      total = statSync(path).size;
    } catch {
      throw new AppError('invalid_input', `cannot read ${path}: no such file`);
    }
  const name = fromStdin ? 'stdin' : path;
  const file = fromStdin ? null : createReadStream(path, { encoding: 'utf8' });
  const stream = file ?? opts.stdin ?? process.stdin;
  const parser = createTransactionsCsvParser();
  const problems: CsvProblem[] = [];
  let lines = 0;
  let transactions = 0;
  for await (const raw of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
    lines++;
    try {
      const tx = parser.parse(raw);
      if (tx && problems.length === 0) opts.onTransaction(tx);
      if (tx) transactions++;
    } catch (e) {
      problems.push({ line: lines, message: (e as Error).message });
      // Without a header no later line can be read: one error, not one per line.
      if (!parser.sawHeader || problems.length >= MAX_PROBLEMS) break;
    }
    if (file && opts.onProgress && lines % 50_000 === 0) opts.onProgress(file.bytesRead, total);
  }
  file?.destroy();
  if (!parser.sawHeader && problems.length === 0) problems.push({ line: 1, message: 'the file is empty' });
  if (problems.length) {
    const list = problems.map((p) => `  line ${p.line}: ${p.message}`).join('\n');
    const more = problems.length >= MAX_PROBLEMS ? ' (stopped at the first 10)' : '';
    throw new AppError('invalid_input', `${name} is malformed${more}:\n${list}`, { problems });
  }
  if (file) opts.onProgress?.(total, total);
  return { lines, transactions };
}
