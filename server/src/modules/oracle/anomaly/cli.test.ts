import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { registerAnomaliesCommand, runAnomalies } from './cli.ts';
import { createSeriesCsvReader, parseDateTime, parseTime, SeriesCsvError } from './series.csv.ts';

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

  it('reads dates strictly, with the wall-clock time as written beside the instant', () => {
    expect(parseDateTime('2024-03-11T00:00:00-04:00')).toEqual({
      instant: Date.UTC(2024, 2, 11, 4),
      local: Date.UTC(2024, 2, 11),
    });
    expect(parseDateTime('2024-02-29')).toEqual({
      instant: Date.UTC(2024, 1, 29),
      local: Date.UTC(2024, 1, 29),
    });
    for (const bad of [
      '2024-02-30',
      '2023-02-29',
      '2024-04-31',
      '2024-01-01T24:00',
      '2024-01-01 10:60',
      '17',
      '',
    ])
      expect(parseDateTime(bad), bad).toBeNull();
  });

  it('reads a whole-number t as an index, not as epoch seconds, and errors name the index', () => {
    const rows = readAll('id,t,value\nu,1,5\nu,2,6\nv,1,7\n');
    expect(rows.map((r) => [r.id, r.kind, r.t])).toEqual([
      ['u', 'index', 1],
      ['u', 'index', 2],
      ['v', 'index', 1],
    ]);
    expect(errorOf('id,t,value\nu,3,1\nu,1,2\n')).toBe(
      'line 3: time goes backwards for id "u" (1 on line 3 after 3 on line 2)',
    );
    expect(errorOf('t,value\n1,1\n2024-01-02,1\n')).toBe(
      'line 3: the time "2024-01-02" is a date but earlier rows used indices',
    );
    expect(errorOf('t,value\n1.5,1\n')).toBe(
      'line 2: cannot read the time "1.5" (a date, or a whole-number index)',
    );
  });

  it('rejects a repeated t within a series with both line numbers', () => {
    expect(errorOf('id,t,value\nd,1,5\nd,2,6\nd,2,7\n')).toBe(
      'line 4: duplicate t "2" for id "d" (also on line 3)',
    );
    expect(errorOf('t,value\n2024-01-01,5\n2024-01-01T00:00:00Z,6\n')).toBe(
      'line 3: duplicate t "2024-01-01T00:00:00Z" (also on line 2)',
    );
    // The same t in two different series is fine.
    expect(readAll('id,t,value\na,1,5\nb,1,6\n')).toHaveLength(2);
  });

  it('accepts only plain decimal values, and needs at least one point after the header', () => {
    expect(errorOf('t,value\n1,0x10\n')).toBe('line 2: the value "0x10" is not a finite number');
    // A decimal beyond what a double holds is out of range, not "not a number".
    expect(errorOf('t,value\n1,1e400\n')).toBe('line 2: the value "1e400" is too large (beyond ±1.8e308)');
    expect(errorOf('t,value\n1,-1e400\n')).toBe('line 2: the value "-1e400" is too large (beyond ±1.8e308)');
    expect(errorOf('t,value\n1,1.7e308\n')).toBe('no error');
    expect(errorOf('t,value\n1, 1e3 \n2,-.5\n')).toBe('no error');
    expect(errorOf('t,value\n')).toBe('line 2: no data rows after the header');
    expect(errorOf('\nid,t,value\n\n')).toBe('line 3: no data rows after the header');
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
      'line 4: cannot read the time "not a time" (a date, or a whole-number index)',
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
        `error: ${input}:3: expected 2 fields, found 1`,
      );
    } finally {
      stderr.mockRestore();
      process.exitCode = 0;
    }
  });
});

describe('omnify anomalies --counts', () => {
  // Whole-dollar spend: 120 days of 1,000 ± a few dollars (sd ≈ 10), then 1,100. As counts, 100 more
  // on a rate of 1,000 is a move chance explains (3 Poisson sd); as money, far outside its own spread.
  let seed = 3;
  const u = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const values = Array.from({ length: 120 }, () => Math.round(1000 + 20 * (u() + u() + u() - 1.5)));
  const day = (i: number) => new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10);
  const input = file(
    'whole-spend.csv',
    ['t,value', ...values.map((v, i) => `${day(i)},${v}`), `${day(120)},1100`].join('\n'),
  );
  const lastFlag = async (counts: string) => {
    const output = path.join(dir, `whole-spend-${counts}.csv`);
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
        output,
        '--counts',
        counts,
      ]);
    } finally {
      stderr.mockRestore();
    }
    expect(process.exitCode ?? 0).toBe(0);
    return readFileSync(output, 'utf8').trim().split('\n').at(-1)!.split(',')[3];
  };

  it('no: whole numbers scored on their own spread flag the jump; yes: the Poisson test lets it pass', async () => {
    expect(await lastFlag('no')).toBe('1');
    expect(await lastFlag('yes')).toBe('0');
  });
});

describe('omnify anomalies on an index t', () => {
  // 200 days with a weekly rhythm and a 4× spike on day 151 (t = 151), once dated, once indexed.
  const values = Array.from({ length: 200 }, (_, i) => {
    const v = 100 * Math.exp(0.3 * (i % 7 === 5 ? 1 : 0) + 0.02 * Math.sin(i * 7.3));
    return i + 1 === 151 ? 4 * v : v;
  });
  const day = (i: number) => new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10);
  const dated = file('dated.csv', ['id,t,value', ...values.map((v, i) => `a,${day(i)},${v}`)].join('\n'));
  const indexed = file('indexed.csv', ['id,t,value', ...values.map((v, i) => `a,${i + 1},${v}`)].join('\n'));
  const scores = (output: string) =>
    readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
  const flagged = (output: string) => scores(output).filter((c) => c[4] === '1');

  it('scores an index series (no calendar: no seasonality) and flags the spike', async () => {
    const output = path.join(dir, 'indexed-out.csv');
    // Without the weekly rhythm the detector cannot know that every 7th point is high: use a flat series.
    const flat = file(
      'flat-index.csv',
      [
        'id,t,value',
        ...values.map((_v, i) => `a,${i + 1},${i + 1 === 151 ? 400 : 100 + 3 * Math.sin(i * 7.3)}`),
      ].join('\n'),
    );
    const summary = await runAnomalies({ input: flat, output, progress: quiet() });
    expect(summary.points).toBe(200);
    expect(flagged(output).map((c) => c[1])).toEqual(['151']);
    // Scored from the 11th point on (read as epoch seconds, 1 s apart, every score was 0).
    expect(scores(output).filter((c) => Number(c[3]) > 0).length).toBeGreaterThan(150);
  });

  it('with --frequency daily, an index is read as days: the same flags as the dated file', async () => {
    const a = path.join(dir, 'dated-out.csv');
    const b = path.join(dir, 'indexed-daily-out.csv');
    await runAnomalies({ input: dated, output: a, progress: quiet() });
    await runAnomalies({ input: indexed, output: b, frequency: 'daily', progress: quiet() });
    const dayOf = new Map(values.map((_v, i) => [String(i + 1), day(i)]));
    expect(flagged(a).map((c) => c[1])).toContain(day(150));
    // Once the weekday rhythm is learnt (four weeks; before, the two files start on different
    // weekdays of their calendars and warm up differently).
    const learnt = (d: string | undefined) => (d ?? '') >= day(28);
    expect(
      flagged(b)
        .map((c) => dayOf.get(c[1]!))
        .filter(learnt),
    ).toEqual(
      flagged(a)
        .map((c) => c[1])
        .filter(learnt),
    );
    // The weekday rhythm is learnt: the high 6th day of each week is not flagged.
    expect(flagged(b).length).toBeLessThan(5);
  });

  it('refuses --frequency for dates and --cadence for an index, naming the line', async () => {
    await expect(
      runAnomalies({ input: dated, output: path.join(dir, 'x1.csv'), frequency: 'daily', progress: quiet() }),
    ).rejects.toThrow('line 2: --frequency gives the step of an index t, but t "2024-01-01" is a date');
    await expect(
      runAnomalies({ input: indexed, output: path.join(dir, 'x2.csv'), cadence: 'daily', progress: quiet() }),
    ).rejects.toThrow('line 2: t "1" is an index, which has no cadence to force');
  });

  it('reads stdin with --input -', async () => {
    const output = path.join(dir, 'stdin-out.csv');
    const progress = quiet();
    const summary = await runAnomalies({
      input: '-',
      output,
      frequency: 'daily',
      stdin: Readable.from([readFileSync(indexed, 'utf8')]),
      progress,
    });
    expect(summary).toMatchObject({ points: 200, series: 1 });
    expect(flagged(output).map((c) => c[1])).toContain('151');
  });

  it('as a command: a duplicate t or a header-only file is an error with file:line, exit 1', async () => {
    const dup = file('dup.csv', 'id,t,value\nd,1,5\nd,2,6\nd,2,7\n');
    const head = file('head.csv', 'id,t,value\n');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      for (const [input, expected] of [
        [dup, `error: ${dup}:4: duplicate t "2" for id "d" (also on line 3)`],
        [head, `error: ${head}:2: no data rows after the header`],
      ] as const) {
        process.exitCode = 0;
        const program = new Command().exitOverride();
        registerAnomaliesCommand(program);
        await program.parseAsync(['node', 'omnify', 'anomalies', '-i', input, '-o', path.join(dir, 'y.csv')]);
        expect(process.exitCode).toBe(1);
        expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain(expected);
        expect(existsSync(path.join(dir, 'y.csv'))).toBe(false);
      }
    } finally {
      stderr.mockRestore();
      process.exitCode = 0;
    }
  });
});

describe('omnify anomalies output', () => {
  it('answers an output path it cannot write with one line and exit 1, before reading the input', async () => {
    const input = file('fine.csv', 't,value\n1,2\n2,3\n');
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
        '/nonexistent/x.csv',
      ]);
      expect(process.exitCode).toBe(1);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toBe(
        'error: cannot write /nonexistent/x.csv: no such directory\n',
      );
    } finally {
      stderr.mockRestore();
      process.exitCode = 0;
    }
  });
});
