import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type ClvOptions, registerClvCommand, runClv } from './cli.ts';
import { cdnowSampleTransactions, PUBLISHED, relativeError } from './clv.fixtures.ts';
import { createTransactionsCsvParser, splitCsvLine } from './transactions-csv.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'omnify-clv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

/** Collects what the command writes to stderr. */
function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

const run = (opts: Partial<ClvOptions> & { transactions: string }, today = '2030-01-01') => {
  const err = sink();
  const out = sink();
  return runClv({ unit: 'week', horizon: 90, ...opts }, { stderr: err.stream, stdout: out.stream, today });
};

describe('transactions CSV', () => {
  it('accepts quoted fields, CRLF, a BOM, extra columns in any order and timestamps', () => {
    const p = createTransactionsCsvParser();
    expect(p.parse('\uFEFFamount,"Customer_ID",date,note\r')).toBeNull();
    expect(p.parse('12.5,"c ""7""",2024-03-01T23:59:00Z,"a, b"\r')).toEqual({
      customerId: 'c "7"',
      date: '2024-03-01',
      amount: 12.5,
    });
    expect(p.parse('1e1,c8,2024-03-02 10:00,')).toEqual({ customerId: 'c8', date: '2024-03-02', amount: 10 });
    expect(() => p.parse('1,c9,2024-03-0212:00,')).toThrow(/not a calendar day/);
    expect(p.parse('')).toBeNull();
    expect(splitCsvLine('a,"b')).toMatch(/unterminated/);
    expect(splitCsvLine('"a"b,c')).toMatch(/unexpected character/);
  });

  it('rejects a malformed file listing every bad line by number, and writes nothing', async () => {
    const tx = file(
      'bad.csv',
      [
        'customer_id,date,amount',
        'a,2024-01-01,10',
        'a,2024-02-30,10',
        'b,2024-01-03',
        'c,2024-01-04,ten',
        'd,2024-01-05,-3',
        ',2024-01-05,3',
        'e,"2024-01-06,3',
        'f,01/07/2024,3',
        'g,2024-01-07,0x10',
        'h,2024-01-08,1e400',
      ].join('\n'),
    );
    const output = path.join(dir, 'never.json');
    const error = await run({ transactions: tx, output }).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'invalid_input' });
    const message = (error as Error).message;
    for (const [line, what] of [
      [3, 'date "2024-02-30" is not a calendar day'],
      [4, 'expected 3 fields like the header, got 2'],
      [5, 'amount "ten" is not a number'],
      [6, 'amount -3 is negative'],
      [7, 'customer_id is empty'],
      [8, 'unterminated quoted field'],
      [9, 'date "01/07/2024"'],
      [10, 'amount "0x10" is not a number'],
      [11, 'amount "1e400" is too large (beyond ±1.8e308)'],
    ] as const)
      expect(message).toContain(`${tx}:${line}: ${what}`);
    expect(() => readFileSync(output)).toThrow();
  });

  it('requires a header naming the columns, and a non-empty file', async () => {
    await expect(run({ transactions: file('nohead.csv', 'a,2024-01-01,10\n') })).rejects.toThrow(
      /nohead\.csv:1: the header must name the columns customer_id, date and amount \(missing customer_id, date, amount\)/,
    );
    await expect(run({ transactions: file('empty.csv', '\n\n') })).rejects.toThrow(
      /empty\.csv:1: the file is empty/,
    );
    await expect(run({ transactions: file('head.csv', 'customer_id,date,amount\n') })).rejects.toThrow(
      /has a header but no transactions/,
    );
    await expect(run({ transactions: path.join(dir, 'missing.csv') })).rejects.toThrow(/no such file/);
  });

  it('reports a bad header once, not again for every line after it', async () => {
    const bad = file('badhead.csv', 'customer_id,date\na,2024-01-01\nb,2024-01-02\nc,2024-01-03\n');
    const error = (await run({ transactions: bad }).catch((e: Error) => e)) as Error & {
      details: { problems: unknown[] };
    };
    expect(error.details.problems).toEqual([
      {
        line: 1,
        message: 'the header must name the columns customer_id, date and amount (missing amount)',
      },
    ]);
    expect(error.message).toBe(
      `${bad}:1: the header must name the columns customer_id, date and amount (missing amount)`,
    );
  });
});

describe('omnify clv', () => {
  const csv = [
    'customer_id,date,amount',
    ...cdnowSampleTransactions().map((t) => `${t.customerId},${t.date},${t.amount}`),
  ].join('\n');
  const tx = file('cdnow.csv', csv);

  it('fits CDNOW to the published parameters and writes params.json and per-customer predictions', async () => {
    const output = path.join(dir, 'params.json');
    const customers = path.join(dir, 'out.csv');
    const err = sink();
    await runClv(
      { transactions: tx, until: '1997-09-30', unit: 'week', horizon: 90, output, customers },
      { stderr: err.stream, today: '2030-01-01' },
    );
    const params = JSON.parse(readFileSync(output, 'utf8'));
    expect(Object.keys(params.bgnbd)).toEqual(['r', 'alpha', 'a', 'b']);
    expect(Object.keys(params.gammaGamma)).toEqual(['p', 'q', 'gamma']);
    for (const [k, v] of Object.entries(PUBLISHED.bgnbd))
      expect(relativeError(params.bgnbd[k], v), k).toBeLessThan(0.01);
    for (const [k, v] of Object.entries(PUBLISHED.gammaGamma))
      expect(relativeError(params.gammaGamma[k], v), k).toBeLessThan(0.01);
    expect(params).toMatchObject({ unit: 'week', until: '1997-09-30', horizonDays: 90 });
    const lines = readFileSync(customers, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(
      'customer_id,frequency,recency,T,monetary_value,probability_alive,expected_purchases,expected_average_value,expected_value',
    );
    expect(lines).toHaveLength(2358);
    expect(lines[1]).toMatch(/^1,2,30\.428571,38\.857143,22\.345,0\.72\d+,0\.45\d+,24\.6\d+,11\.\d+$/);
    expect(readFileSync(customers, 'utf8')).not.toMatch(/NaN|Infinity/);
    expect(err.text()).toContain('6919 transactions');
    expect(err.text()).toContain(
      '2357 customers, 4960 transactions up to 1997-09-30 (1959 after it, left out)',
    );
  });

  it('reads the transactions from stdin with --transactions - and writes to stdout with --output -', async () => {
    const out = sink();
    const err = sink();
    const params = await runClv(
      { transactions: '-', output: '-', until: '1997-09-30', unit: 'week', horizon: 90 },
      { stderr: err.stream, stdout: out.stream, stdin: Readable.from([csv]), today: '2030-01-01' },
    );
    expect(JSON.parse(out.text())).toEqual(params);
    expect(relativeError(params.bgnbd.r, PUBLISHED.bgnbd.r)).toBeLessThan(0.01);
    expect(err.text()).toContain('reading stdin done: 6919 transactions');
    expect(existsSync('-')).toBe(false);
    await expect(
      runClv(
        { transactions: '-', unit: 'week', horizon: 90 },
        { stderr: sink().stream, stdin: Readable.from(['customer_id,date,amount\na,2024-02-30,1\n']) },
      ),
    ).rejects.toThrow('stdin:2: date "2024-02-30" is not a calendar day');
  });

  it('measures time in days with --unit day (α in days, the rest unchanged)', async () => {
    const weeks = await run({ transactions: tx, until: '1997-09-30' });
    const days = await run({ transactions: tx, until: '1997-09-30', unit: 'day' });
    expect(days.bgnbd.alpha / weeks.bgnbd.alpha).toBeCloseTo(7, 3);
    expect(days.bgnbd.r).toBeCloseTo(weeks.bgnbd.r, 4);
    expect(days.gammaGamma!.p).toBeCloseTo(weeks.gammaGamma!.p, 6);
  });

  it('refuses an --until in the future', async () => {
    await expect(run({ transactions: tx, until: '2031-01-01' })).rejects.toThrow(
      /--until 2031-01-01 is after today/,
    );
    await expect(run({ transactions: tx }, '1998-01-31')).rejects.toThrow(
      /the last transaction day 1998-06-30 is after today \(1998-01-31\); pass --until/,
    );
  });

  it('keeps the BG/NBD fit when the spend cannot be modelled: gammaGamma null, one warning', async () => {
    const zero = file('zero.csv', csv.replace(/,[\d.]+$/gm, ',0'));
    const output = path.join(dir, 'zero.json');
    const customers = path.join(dir, 'zero-customers.csv');
    const err = sink();
    const params = await runClv(
      { transactions: zero, until: '1997-09-30', unit: 'week', horizon: 90, output, customers },
      { stderr: err.stream, today: '2030-01-01' },
    );
    const written = JSON.parse(readFileSync(output, 'utf8'));
    expect(written).toEqual(params);
    expect(written.gammaGamma).toBeNull();
    // The purchase model is the same as with the amounts: spend does not enter BG/NBD.
    for (const [k, v] of Object.entries(PUBLISHED.bgnbd))
      expect(relativeError(written.bgnbd[k], v), k).toBeLessThan(0.01);
    expect(written.diagnostics).toMatchObject({ gammaGammaCustomers: null, gammaGammaLogLikelihood: null });
    const rows = readFileSync(customers, 'utf8').trim().split('\n');
    expect(rows).toHaveLength(2358);
    expect(rows[1]).toMatch(/^1,2,30\.428571,38\.857143,0,0\.72\d+,0\.45\d+,,$/);
    const warnings = err
      .text()
      .split('\n')
      .filter((l) => /could not be fitted|Gamma-Gamma needs/.test(l));
    expect(warnings).toEqual([
      expect.stringMatching(
        /^warning: the spend model \(Gamma-Gamma\) could not be fitted: Gamma-Gamma needs at least 10 customers.*; writing the BG\/NBD parameters with "gammaGamma": null and empty expected_average_value and expected_value columns$/,
      ),
    ]);
  });

  it('shows no progress line for a small file, only the summary', async () => {
    const err = sink();
    await runClv(
      { transactions: tx, until: '1997-09-30', unit: 'week', horizon: 90, output: path.join(dir, 'p.json') },
      { stderr: err.stream, today: '2030-01-01' },
    );
    expect(err.text()).not.toMatch(/%|MB|\d+\/\d+ customers/);
    expect(err.text()).toMatch(/reading .*cdnow\.csv done: 6919 transactions/);
  });

  it('validates its options before reading anything', async () => {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => {} });
    registerClvCommand(program);
    const parse = (...args: string[]) =>
      program.parseAsync(['node', 'omnify', 'clv', '--transactions', tx, ...args]);
    await expect(parse('--unit', 'month')).rejects.toThrow(/must be day or week/);
    await expect(parse('--until', '1997-02-30')).rejects.toThrow(/must be a calendar day YYYY-MM-DD/);
    await expect(parse('--horizon', '0')).rejects.toThrow(/must be a whole number of days/);
    await expect(program.parseAsync(['node', 'omnify', 'clv'])).rejects.toThrow(/-i, --transactions <file>/);
  });
});

describe('omnify clv errors', () => {
  const parse = async (args: string[]) => {
    const program = new Command().exitOverride();
    registerClvCommand(program);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await program.parseAsync(['node', 'omnify', 'clv', ...args]);
      return { code: process.exitCode, stderr: stderr.mock.calls.map((c) => String(c[0])).join('') };
    } finally {
      stderr.mockRestore();
      process.exitCode = 0;
    }
  };

  it('prints each bad line as file:line: problem, like forecast and anomalies', async () => {
    const bad = file(
      'lines.csv',
      'customer_id,date,amount\na,2024-01-01,10\nb,2024-01-02,ten\nc,2024-13-01,1\n',
    );
    const { code, stderr } = await parse(['--transactions', bad, '--until', '2024-01-31']);
    expect(code).toBe(1);
    expect(stderr).toContain(
      `error: ${bad}:3: amount "ten" is not a number\nerror: ${bad}:4: date "2024-13-01" is not a calendar day YYYY-MM-DD\n`,
    );
    expect(stderr).not.toMatch(/malformed| {2}line/);
  });

  it('answers an output path it cannot write with one line and exit 1', async () => {
    const tx = file(
      'small.csv',
      [
        'customer_id,date,amount',
        ...cdnowSampleTransactions().map((t) => `${t.customerId},${t.date},${t.amount}`),
      ].join('\n'),
    );
    for (const flag of ['--output', '--customers']) {
      const { code, stderr } = await parse([
        '--transactions',
        tx,
        '--until',
        '1997-09-30',
        flag,
        '/nonexistent/x.out',
      ]);
      expect(code, flag).toBe(1);
      expect(stderr.split('\n').filter((l) => l.startsWith('error'))).toEqual([
        'error: cannot write /nonexistent/x.out: no such directory',
      ]);
      expect(stderr).not.toMatch(/ENOENT|\n\s+at /);
    }
  });

  it('exits 0 with one warning (never repeated as an error) when only the spend model fails', async () => {
    const zero = file(
      'zero2.csv',
      [
        'customer_id,date,amount',
        ...cdnowSampleTransactions().map((t) => `${t.customerId},${t.date},0`),
      ].join('\n'),
    );
    const output = path.join(dir, 'zero2.json');
    const { code, stderr } = await parse(['-i', zero, '--until', '1997-09-30', '-o', output]);
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/^error/m);
    expect(stderr.match(/Gamma-Gamma needs at least 10 customers/g)).toHaveLength(1);
    expect(JSON.parse(readFileSync(output, 'utf8')).gammaGamma).toBeNull();
  });

  it('takes -i/--transactions and -o/--output, and lists both in --help', async () => {
    const program = new Command().exitOverride();
    registerClvCommand(program);
    let help = '';
    program.commands[0]!.configureOutput({ writeOut: (t) => (help += t) });
    await expect(program.parseAsync(['node', 'omnify', 'clv', '--help'])).rejects.toThrow();
    expect(help).toMatch(/-i, --transactions <file>/);
    expect(help).toMatch(/-o, --output <file>/);
    const tx = file(
      'flags.csv',
      [
        'customer_id,date,amount',
        ...cdnowSampleTransactions().map((t) => `${t.customerId},${t.date},${t.amount}`),
      ].join('\n'),
    );
    for (const [i, o] of [
      ['--transactions', '--output'],
      ['-i', '-o'],
    ]) {
      const output = path.join(dir, `flags${i}.json`);
      const { code } = await parse([i!, tx, '--until', '1997-09-30', o!, output]);
      expect(code).toBe(0);
      expect(Object.keys(JSON.parse(readFileSync(output, 'utf8')).bgnbd)).toEqual(['r', 'alpha', 'a', 'b']);
    }
  });
});
