import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runForecastCommand } from './cli.ts';
import { CsvError, formatRow, parseSeriesCsv } from './csv.ts';

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
      { id: 'b', values: [4, 5], start: '2024-01-01' },
      { id: 'a', values: [1, null, 3, null, null], start: '2024-01-01' },
    ]);
  });

  it('reads whole-number indices, quoted ids and columns in any order', () => {
    const p = parseSeriesCsv('value,id,t,note\n1.5,"ads, EU",3,x\n2.5,"ads, EU",1,y\n');
    expect(p.timeKind).toBe('index');
    expect(p.series[0]).toEqual({ id: 'ads, EU', values: [2.5, null, 1.5], start: '1' });
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
  const dir = mkdtempSync(path.join(tmpdir(), 'omnify-forecast-'));
  const sink = () => {
    let text = '';
    return {
      write: (s: string) => {
        text += s;
        return true;
      },
      text: () => text,
      isTTY: false,
    };
  };

  it('names the file and line of a malformed row and exits 1', async () => {
    const input = path.join(dir, 'bad.csv');
    writeFileSync(input, 'id,t,value\na,1,2\na,2,-\n');
    const stderr = sink();
    const stdout = sink();
    const code = await runForecastCommand(
      { input, horizon: 3 },
      {
        stdout: stdout as unknown as NodeJS.WritableStream,
        stderr: stderr as unknown as NodeJS.WritableStream,
        readStdin: () => '',
      },
    );
    expect(code).toBe(1);
    expect(stderr.text()).toContain(`${input}:3: value "-" is not a number`);
    expect(stdout.text()).toBe('');
  });

  it('skips a series it cannot forecast, writes the others and exits 1', async () => {
    const input = path.join(dir, 'neg.csv');
    const output = path.join(dir, 'neg-out.csv');
    writeFileSync(input, 'id,t,value\nok,1,2\nok,2,3\nneg,1,4\nneg,2,-1\n');
    const stderr = sink();
    const code = await runForecastCommand(
      { input, output, horizon: 2, nonNegative: true },
      {
        stdout: sink() as unknown as NodeJS.WritableStream,
        stderr: stderr as unknown as NodeJS.WritableStream,
        readStdin: () => '',
      },
    );
    expect(code).toBe(1);
    expect(stderr.text()).toMatch(/series "neg": Value at position 1 is negative/);
    expect(readFileSync(output, 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('runs as a command: reads the CSV, writes id,step,mean,lo80,hi80,lo95,hi95', () => {
    const input = path.join(dir, 'series.csv');
    const output = path.join(dir, 'forecasts.csv');
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
        '--input',
        input,
        '--horizon',
        '13',
        '--output',
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
});
