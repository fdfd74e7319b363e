import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { registerAnomaliesCommand, runAnomalies } from './cli.ts';
import { createSeriesCsvReader, parseTime, SeriesCsvError } from './series.csv.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'omnify-anomalies-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const quiet = () => Object.assign(new PassThrough(), { isTTY: false });

function readAll(text: string) {
  const reader = createSeriesCsvReader();
  const lines = text.split('\n');
  const rows = lines.map((l, i) => reader.push(l, i + 1)).filter((r) => r !== null);
  reader.end(lines.length);
  return rows;
}
const errorOf = (text: string) => {
  try {
    readAll(text);
  } catch (e) {
    return e instanceof SeriesCsvError ? e.message : `not a SeriesCsvError: ${e}`;
  }
  return 'no error';
};

describe('series CSV', () => {
  it('reads times as UTC in the usual forms', () => {
    expect(parseTime('2011-07-01 00:15:01')).toBe(Date.UTC(2011, 6, 1, 0, 15, 1));
    expect(parseTime('2011-07-11 04:00:01.000000')).toBe(Date.UTC(2011, 6, 11, 4, 0, 1));
    expect(parseTime('2024-03-01')).toBe(Date.UTC(2024, 2, 1));
    expect(parseTime('2024-03-01T10:00:00+02:00')).toBe(Date.UTC(2024, 2, 1, 8));
    expect(parseTime('1700000000')).toBe(1_700_000_000_000);
    expect(parseTime('1700000000000')).toBe(1_700_000_000_000);
    expect(parseTime('2024-02-30')).toBeNull();
    expect(parseTime('yesterday')).toBeNull();
  });

  it('accepts t,value and id,t,value (quoted ids too); empty or NaN values are missing points', () => {
    const rows = readAll('id,timestamp,value\n"a,1",2024-01-01,3\nb,2024-01-01,\nb,2024-01-02,NaN\n');
    expect(rows.map((r) => [r.id, r.value])).toEqual([
      ['a,1', 3],
      ['b', null],
      ['b', null],
    ]);
  });

  it('rejects malformed files naming the line', () => {
    expect(errorOf('')).toMatch(/^line 1: empty file/);
    expect(errorOf('when,amount\n')).toMatch(/^line 1: expected a header/);
    expect(errorOf('t,value\n2024-01-01,1\n2024-01-02,1,9\n')).toBe('line 3: expected 2 fields, found 3');
    expect(errorOf('t,value\n2024-01-01,1\n\nnot a time,1\n')).toBe(
      'line 4: cannot read the time "not a time"',
    );
    expect(errorOf('t,value\n2024-01-01,1\n2024-01-02,12abc\n')).toBe(
      'line 3: the value "12abc" is not a finite number',
    );
    expect(errorOf('t,value\n2024-01-01,Infinity\n')).toMatch(/^line 2: the value "Infinity"/);
    expect(errorOf('t,value\n2024-01-02,1\n2024-01-01,1\n')).toMatch(/^line 3: time goes backwards/);
    expect(errorOf('id,t,value\n"a,2024-01-01,1\n')).toBe('line 2: unterminated quoted field');
  });
});

describe('omnify anomalies', () => {
  const series = Array.from({ length: 24 * 20 }, (_, i) => {
    const t = new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString();
    const v =
      100 * Math.exp(0.4 * Math.sin((2 * Math.PI * i) / 24) + 0.03 * Math.sin(i * 7.3)) * (i === 400 ? 3 : 1);
    return `${t},${v}`;
  });

  it('writes a score and a flag per point, per id, and flags the spike', async () => {
    const input = file(
      'in.csv',
      ['id,t,value', ...series.map((l) => `a,${l}`), ...series.map((l) => `b,${l}`)].join('\n'),
    );
    const output = path.join(dir, 'out.csv');
    const progress = quiet();
    const summary = await runAnomalies({ input, output, progress });
    const lines = readFileSync(output, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('id,t,value,score,flag,severity,expected,direction');
    expect(lines).toHaveLength(1 + 2 * series.length);
    expect(summary).toMatchObject({ points: 2 * series.length, series: 2 });
    const spike = lines.filter((l) => l.split(',')[4] === '1');
    expect(spike.map((l) => l.split(',').slice(0, 2).join(','))).toEqual([
      `a,${series[400]!.split(',')[0]}`,
      `b,${series[400]!.split(',')[0]}`,
    ]);
    expect(lines.every((l) => !l.includes('NaN'))).toBe(true);
    expect(String(progress.read())).toMatch(/anomalies done: 960 points, 2 series/);
  });

  it('rejects a malformed file with its line number and leaves no output behind', async () => {
    const input = file(
      'bad.csv',
      ['t,value', ...series.slice(0, 10), '2024-02-01T00:00:00Z,oops'].join('\n'),
    );
    const output = path.join(dir, 'bad-out.csv');
    await expect(runAnomalies({ input, output, progress: quiet() })).rejects.toThrow(
      'line 12: the value "oops"',
    );
    expect(existsSync(output)).toBe(false);
  });

  it('as a command: prints the error with file and line and exits 1', async () => {
    const input = file('bad2.csv', 't,value\n2024-01-01,1\n2024-01-01\n');
    const program = new Command().exitOverride();
    registerAnomaliesCommand(program);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await program.parseAsync([
        'node',
        'omnify',
        'anomalies',
        '--input',
        input,
        '--output',
        path.join(dir, 'x.csv'),
      ]);
      expect(process.exitCode).toBe(1);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain(
        `error: ${input}: line 3: expected 2 fields, found 1`,
      );
    } finally {
      stderr.mockRestore();
      process.exitCode = 0;
    }
  });
});
