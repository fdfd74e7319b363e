import { describe, expect, it } from 'vitest';
import { capture, tempFiles } from './cli.testing.ts';
import { runForecastCommand } from './cli.ts';

const files = tempFiles('omnify-forecast-gaps-');
const day = (i: number) => new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10);

async function run(rows: string[], opts: { frequency?: 'hourly'; allowGaps?: boolean } = {}) {
  const input = files.file(
    `in-${Math.random().toString(36).slice(2)}.csv`,
    `id,t,value\n${rows.join('\n')}\n`,
  );
  const out = capture();
  const code = await runForecastCommand({ input, horizon: 3, ...opts }, out.io);
  return { code, stdout: out.stdout(), stderr: out.stderr().split('\n'), input };
}

/** Daily rows of series `id` over `n` days, skipping the days in `skip`. */
const daily = (id: string, n: number, skip: (i: number) => boolean = () => false) =>
  Array.from({ length: n }, (_, i) => i)
    .filter((i) => !skip(i))
    .map((i) => `${id},${day(i)},${100 + (i % 7)}`);

describe('omnify forecast: missing steps', () => {
  it('refuses a series whose steps would mostly be invented (daily dates read as hourly), naming it and its counts', async () => {
    const r = await run([...daily('a', 120), ...daily('b', 60)], { frequency: 'hourly' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    // 120 days as hours: 119 × 24 + 1 = 2,857 steps, 120 of them with a row.
    expect(r.stderr).toContain(
      'error: series "a": 2,737 of 2,857 hourly steps are missing (2,737 with no row): more than half of the series would be invented by interpolation, so it is not forecast; is --frequency hourly right for this file? pass --allow-gaps to forecast it anyway',
    );
    expect(
      r.stderr.some((l) => l.startsWith('error: series "b": 1,357 of 1,417 hourly steps are missing')),
    ).toBe(true);
    expect(r.stderr.at(-2)).toMatch(/^forecast: 0 of 2 series, .*nothing written$/);
  });

  it('with --allow-gaps forecasts it, and says on stderr per series how much was filled in', async () => {
    const r = await run([...daily('a', 120), ...daily('b', 60)], { frequency: 'hourly', allowGaps: true });
    expect(r.code).toBe(0);
    const warnings = r.stderr.filter((l) => l.startsWith('warning:'));
    expect(warnings).toEqual([
      `warning: ${r.input}: series "a": 2,737 of 2,857 hourly steps have no row (t skips them): 2737 missing values filled by interpolation; more than half of the series was missing: treat the forecast with care`,
      `warning: ${r.input}: series "b": 1,357 of 1,417 hourly steps have no row (t skips them): 1357 missing values filled by interpolation; more than half of the series was missing: treat the forecast with care`,
    ]);
  });

  it('names a few skipped days per series, one line each, at most 10 lines then "and N more"', async () => {
    const rows = Array.from({ length: 12 }, (_, k) => daily(`s${k}`, 30, (i) => i === 10)).flat();
    const r = await run(rows);
    expect(r.code).toBe(0);
    const warnings = r.stderr.filter((l) => l.startsWith('warning:'));
    expect(warnings.length).toBe(11);
    expect(warnings[0]).toBe(
      `warning: ${r.input}: series "s0": 1 of 30 daily steps have no row (t skips them): 1 missing value filled by interpolation`,
    );
    expect(warnings[10]).toBe(
      "warning: and 2 more series with missing values filled in (--models <file> lists each series' warnings)",
    );
  });
});
