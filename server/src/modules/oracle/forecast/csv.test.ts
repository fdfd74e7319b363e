import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { capture, tempFiles } from './cli.testing.ts';
import { registerForecastCommand, runForecastCommand } from './cli.ts';
import { CsvError, formatRow, MAX_GAP_STEPS, parseSeriesCsv } from './csv.ts';

function lineOf(text: string): number {
  try {
    parseSeriesCsv(text);
  } catch (e) {
    expect(e).toBeInstanceOf(CsvError);
    return (e as CsvError).line;
  }
  throw new Error('expected a CsvError');
}

describe('series CSV parsing', () => {
  it('reads long-format rows with dates, sorts them and leaves gaps as missing values', () => {
    const p = parseSeriesCsv(
      'id,t,value\nb,2024-01-02,5\na,2024-01-03,3\na,2024-01-01,1\na,2024-01-05,\nb,2024-01-01,4\n',
    );
    expect(p.frequency).toBe('daily');
    expect(p.series).toEqual([
      { id: 'b', values: [4, 5], lines: [6, 2], start: '2024-01-01', filled: [] },
      {
        id: 'a',
        values: [1, null, 3, null, null],
        lines: [4, null, 3, null, 5],
        start: '2024-01-01',
        // Only the row written empty; the two steps without a row are gaps, not written values.
        filled: [{ line: 5, text: '' }],
      },
    ]);
  });

  it('reads whole-number indices, quoted ids and columns in any order', () => {
    const p = parseSeriesCsv('value,id,t,note\n1.5,"ads, EU",3,x\n2.5,"ads, EU",1,y\n');
    expect(p.timeKind).toBe('index');
    expect(p.series[0]).toEqual({
      id: 'ads, EU',
      values: [2.5, null, 1.5],
      lines: [3, null, 2],
      start: '1',
      filled: [],
    });
  });

  it('infers hourly and weekly steps from the dates', () => {
    expect(parseSeriesCsv('id,t,value\na,2024-01-01T00:00:00Z,1\na,2024-01-01T01:00:00Z,2\n').frequency).toBe(
      'hourly',
    );
    expect(parseSeriesCsv('id,t,value\na,2024-01-01,1\na,2024-01-08,2\n').frequency).toBe('weekly');
  });

  it('reports malformed input with the line number', () => {
    expect(lineOf('')).toBe(1);
    expect(lineOf('id,date,value\na,1,2\n')).toBe(1);
    expect(lineOf('id,t,value\na,1,2\na,2\n')).toBe(3);
    expect(lineOf('id,t,value\na,1,2\na,2,abc\n')).toBe(3);
    expect(lineOf('id,t,value\na,1,2\n\na,1,3\n')).toBe(4);
    expect(lineOf('id,t,value\na,1,2\na,2024-01-02,3\n')).toBe(3);
    expect(lineOf('id,t,value\na,2024-13-45,3\n')).toBe(2);
    expect(lineOf('id,t,value\n,1,2\n')).toBe(2);
    expect(lineOf('id,t,value\n"a,1,2\n')).toBe(2);
    expect(lineOf('id,t,value\n')).toBe(2);
    expect(lineOf('id,t,value\na,2024-01-01,1\na,2024-01-01T12:00:00Z,1\na,2024-01-02,1\n')).toBe(3);
  });

  it('rejects impossible calendar dates instead of rolling them over', () => {
    const message = (text: string) => {
      try {
        parseSeriesCsv(text);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    // 2024-02-30 used to become 2024-03-01, then be reported as a duplicate of line 5.
    expect(message('id,t,value\na,2024-02-28,1\na,2024-02-29,2\na,2024-02-30,3\na,2024-03-01,4\n')).toBe(
      'line 4: t "2024-02-30" is not a valid date or time',
    );
    expect(message('id,t,value\na,2023-02-29,1\n')).toBe(
      'line 2: t "2023-02-29" is not a valid date or time',
    );
    expect(message('id,t,value\na,2024-01-01T24:00:00Z,1\n')).toBe(
      'line 2: t "2024-01-01T24:00:00Z" is not a valid date or time',
    );
    expect(message('id,t,value\na,01/02/2024,1\n')).toBe(
      'line 2: t "01/02/2024" is neither a whole-number index nor a date',
    );
  });

  it('accepts only plain decimal values', () => {
    expect(lineOf('id,t,value\na,1,2\na,2,0x10\n')).toBe(3);
    expect(lineOf('id,t,value\na,1,2\na,2,Infinity\n')).toBe(3);
    expect(parseSeriesCsv('id,t,value\na,1,1e3\na,2,-.5\n').series[0]!.values).toEqual([1000, -0.5]);
    // Beyond a double's range: out of range, said so, not "not a number".
    for (const v of ['1e400', '-1e400'])
      expect(() => parseSeriesCsv(`id,t,value\na,1,2\na,2,${v}\n`)).toThrow(
        `line 3: value "${v}" is too large (beyond ±1.8e308)`,
      );
    expect(() => parseSeriesCsv('id,t,value\na,1,2\na,2,abc\n')).toThrow(
      'line 3: value "abc" is not a number',
    );
  });

  it('reads daily dates with offsets by their calendar date, across a DST change', () => {
    const dst =
      'id,t,value\nd,2024-03-09T00:00:00-05:00,6\nd,2024-03-10T00:00:00-05:00,7\nd,2024-03-11T00:00:00-04:00,8\nd,2024-03-12T00:00:00-04:00,9\n';
    for (const opts of [{ frequency: 'daily' as const }, {}]) {
      const p = parseSeriesCsv(dst, opts);
      expect(p.frequency).toBe('daily');
      expect(p.series[0]!.values).toEqual([6, 7, 8, 9]);
    }
    // Hourly data is placed by the instant: 01:00-05:00 and 03:00-04:00 are one hour apart.
    const hourly = parseSeriesCsv(
      'id,t,value\nh,2024-03-10T01:00:00-05:00,1\nh,2024-03-10T03:00:00-04:00,2\n',
    );
    expect(hourly.frequency).toBe('hourly');
    expect(hourly.series[0]!.values).toEqual([1, 2]);
    // Daily data still needs whole days on the clock as written.
    expect(() =>
      parseSeriesCsv('id,t,value\nd,2024-03-09T00:00:00-05:00,6\nd,2024-03-10T12:00:00-05:00,7\n', {
        frequency: 'daily',
      }),
    ).toThrow(/line 3: .*not a whole number of daily steps/);
  });

  it('rejects a gap of more than MAX_GAP_STEPS missing steps at once, naming both lines', () => {
    const started = Date.now();
    expect(() => parseSeriesCsv('id,t,value\na,1,5\na,2,7\na,3,9\na,2000000,8\n')).toThrow(
      `line 5: t "2000000" is 1999997 index steps after "3" on line 4 (id "a"): more than 10,000 missing steps in a row`,
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(parseSeriesCsv(`id,t,value\na,1,5\na,${MAX_GAP_STEPS + 2},6\n`).series[0]!.values).toHaveLength(
      MAX_GAP_STEPS + 2,
    );
    expect(lineOf(`id,t,value\na,2024-01-01,5\na,2024-01-02,5\na,2060-01-01,6\n`)).toBe(4);
  });

  it('checks dates against the given frequency', () => {
    expect(() =>
      parseSeriesCsv('id,t,value\na,2024-01-01,1\na,2024-01-04,2\n', { frequency: 'weekly' }),
    ).toThrow(/line 3: .*whole number of weekly steps/);
  });

  it('formats output rows, quoting ids that need it', () => {
    expect(formatRow('a,b', 1, [1 / 3, 2, 3, 4, 5])).toBe('"a,b",1,0.3333333333,2,3,4,5');
  });
});

describe('omnify forecast', () => {
  const files = tempFiles('omnify-forecast-');

  it('names the file and line of a malformed row and exits 1', async () => {
    const input = files.path('bad.csv');
    writeFileSync(input, 'id,t,value\na,1,2\na,2,-\n');
    const out = capture();
    expect(await runForecastCommand({ input, horizon: 3 }, out.io)).toBe(1);
    expect(out.stderr()).toContain(`${input}:3: value "-" is not a number`);
    expect(out.stdout()).toBe('');
  });

  it('says on stderr, once per series and at its line, which missing values were filled in', async () => {
    const input = files.path('blanks.csv');
    const rows = ['id,t,value'];
    for (let t = 1; t <= 12; t++) rows.push(`a,${t},${t === 5 || t === 8 ? (t === 5 ? '' : 'NaN') : 10 + t}`);
    for (let t = 1; t <= 12; t++) rows.push(`b,${t},${20 + t}`);
    for (let t = 1; t <= 12; t++) rows.push(`c,${t},${t === 4 ? 'NaN' : 30 + t}`);
    for (let t = 1; t <= 12; t++) rows.push(`d,${t},${t === 3 || t === 9 ? 'NA' : 40 + t}`);
    for (let t = 1; t <= 12; t++) rows.push(`e,${t},${t === 6 ? '' : 50 + t}`);
    writeFileSync(input, `${rows.join('\n')}\n`);
    const out = capture();
    expect(await runForecastCommand({ input, horizon: 2 }, out.io)).toBe(0);
    const warnings = out
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('warning:'));
    // Row t=5 of series a is file line 6; series c starts on line 26, d on 38, e on 50.
    expect(warnings).toEqual([
      `warning: ${input}:6: series "a": 2 missing values (1 empty, 1 NaN; first on this line) filled in: 2 missing values filled by interpolation`,
      `warning: ${input}:29: series "c": a NaN value (first on this line) filled in: 1 missing value filled by interpolation`,
      `warning: ${input}:40: series "d": 2 NA values (first on this line) filled in: 2 missing values filled by interpolation`,
      `warning: ${input}:55: series "e": an empty value (first on this line) filled in: 1 missing value filled by interpolation`,
    ]);
  });

  it('answers an output path it cannot write with one line and exit 1, for --output and --models', async () => {
    const input = files.path('ok.csv');
    writeFileSync(input, 'id,t,value\na,1,2\na,2,3\na,3,4\n');
    for (const opts of [{ output: '/nonexistent/x.csv' }, { models: '/nonexistent/m.csv' }]) {
      const out = capture();
      expect(await runForecastCommand({ input, horizon: 2, ...opts }, out.io)).toBe(1);
      const path = opts.output ?? opts.models;
      expect(out.stderr()).toBe(`error: cannot write ${path}: no such directory\n`);
    }
  });

  it('forecasts two days as their mean with bands that widen, and one day no more certain than two', async () => {
    const input = files.path('two.csv');
    writeFileSync(input, 'id,t,value\ntwo,1,10\ntwo,2,12\none,1,11\n');
    const out = capture();
    const models = files.path('two-models.csv');
    expect(await runForecastCommand({ input, horizon: 3, models }, out.io)).toBe(0);
    const rows = out
      .stdout()
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const of = (id: string) =>
      rows
        .filter((r) => r[0] === id)
        .map((r) => r.slice(2).map(Number) as [number, number, number, number, number]);
    const two = of('two');
    const one = of('one');
    expect(two.map((r) => r[0])).toEqual([11, 11, 11]);
    for (let j = 0; j < 3; j++) {
      const [, lo80, hi80, lo95, hi95] = two[j]!;
      if (j > 0) {
        expect(hi80 - lo80).toBeGreaterThan(two[j - 1]![2] - two[j - 1]![1]);
        expect(hi95).toBeGreaterThan(two[j - 1]![4]);
      }
      expect(lo95).toBeGreaterThanOrEqual(0);
      expect(one[j]![2] - one[j]![1]).toBeGreaterThan(hi80 - lo80);
      expect(one[j]![4] - one[j]![3]).toBeGreaterThan(hi95 - lo95);
    }
    expect(readFileSync(models, 'utf8')).toMatch(
      /two,mean,[0-9.]+,2,.*only 2 observations of history: no trend is projected/,
    );
  });

  it('skips a series it cannot forecast, writes the others and exits 1', async () => {
    const input = files.path('neg.csv');
    const output = files.path('neg-out.csv');
    writeFileSync(input, 'id,t,value\nok,1,2\nok,2,3\nneg,1,4\nneg,2,-1\n');
    const out = capture();
    expect(await runForecastCommand({ input, output, horizon: 2, nonNegative: true }, out.io)).toBe(1);
    expect(out.stderr()).toContain(
      `error: ${input}:5: series "neg": value is negative (-1); this quantity cannot be negative`,
    );
    expect(readFileSync(output, 'utf8').trim().split('\n')).toHaveLength(3);
    // To stdout: the same complete rows of the series that could be forecast, and still exit 1.
    const toStdout = capture();
    expect(await runForecastCommand({ input, horizon: 2, nonNegative: true }, toStdout.io)).toBe(1);
    expect(toStdout.stdout().trim().split('\n')).toEqual([
      'id,step,mean,lo80,hi80,lo95,hi95',
      expect.stringMatching(/^ok,1,/),
      expect.stringMatching(/^ok,2,/),
    ]);
  });

  it('writes nothing, not even the header, when no series can be forecast (--non-negative)', async () => {
    const input = files.path('allneg.csv');
    writeFileSync(input, 'id,t,value\nneg,1,4\nneg,2,-1\nneg,3,5\n');
    const out = capture();
    expect(await runForecastCommand({ input, horizon: 2, nonNegative: true }, out.io)).toBe(1);
    expect(out.stdout()).toBe('');
    expect(out.stderr().split('\n')).toEqual([
      `error: ${input}:3: series "neg": value is negative (-1); this quantity cannot be negative`,
      expect.stringMatching(/^forecast: 0 of 1 series, 2 steps, [\d.]+ s, nothing written$/),
      '',
    ]);
    // To files: an earlier result is left as it was and no models file appears.
    const output = files.path('allneg-out.csv');
    const models = files.path('allneg-models.csv');
    writeFileSync(output, 'earlier run\n');
    expect(await runForecastCommand({ input, horizon: 2, nonNegative: true, output, models }, out.io)).toBe(
      1,
    );
    expect(readFileSync(output, 'utf8')).toBe('earlier run\n');
    expect(existsSync(models)).toBe(false);
  });

  it('runs as a command (-i, -o): reads the CSV, writes id,step,mean,lo80,hi80,lo95,hi95', () => {
    const input = files.path('series.csv');
    const output = files.path('forecasts.csv');
    const rows = ['id,t,value'];
    for (const id of ['c1', 'c2'])
      for (let d = 0; d < 60; d++)
        rows.push(
          `${id},${new Date(Date.UTC(2024, 0, 1 + d)).toISOString().slice(0, 10)},${100 + (d % 7) * 10 + d}`,
        );
    writeFileSync(input, `${rows.join('\n')}\n`);
    const script = [
      "import { Command } from 'commander';",
      "import { registerForecastCommand } from './src/modules/oracle/forecast/index.ts';",
      "const program = new Command().name('omnify');",
      'registerForecastCommand(program);',
      "await program.parseAsync(process.argv.slice(1), { from: 'user' });",
    ].join('\n');
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script,
        '--',
        'forecast',
        '-i',
        input,
        '--horizon',
        '13',
        '-o',
        output,
      ],
      { cwd: path.resolve(import.meta.dirname, '../../../..'), encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    const lines = readFileSync(output, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('id,step,mean,lo80,hi80,lo95,hi95');
    expect(lines).toHaveLength(1 + 2 * 13);
    expect(lines[1]).toMatch(/^c1,1,[\d.]+,[\d.]+,[\d.]+,[\d.]+,[\d.]+$/);
    expect(run.stderr).toMatch(/forecast: 2 of 2 series, 13 steps/);
  });

  it('takes -i/--input and -o/--output, as anomalies and clv do, and lists both in --help', async () => {
    const input = files.path('flags.csv');
    writeFileSync(input, 'id,t,value\na,1,2\na,2,3\na,3,4\n');
    const program = new Command().exitOverride();
    registerForecastCommand(program);
    let help = '';
    program.commands[0]!.configureOutput({ writeOut: (t) => (help += t) });
    await expect(program.parseAsync(['node', 'omnify', 'forecast', '--help'])).rejects.toThrow();
    expect(help).toMatch(/-i, --input <file>/);
    expect(help).toMatch(/-o, --output <file>/);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      for (const [i, o] of [
        ['--input', '--output'],
        ['-i', '-o'],
      ]) {
        const output = files.path(`flags-out${i}.csv`);
        await program.parseAsync(['node', 'omnify', 'forecast', i!, input, '--horizon', '2', o!, output]);
        expect(process.exitCode).toBe(0);
        expect(readFileSync(output, 'utf8').split('\n')[0]).toBe('id,step,mean,lo80,hi80,lo95,hi95');
      }
    } finally {
      stderr.mockRestore();
      process.exitCode = 0;
    }
  });
});
