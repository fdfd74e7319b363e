import { beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorError, DailyMetricRecord } from '../connector.port.ts';
import { parseSimulatorConfig } from './config.ts';
import { createEngine } from './engine.ts';
import { createSimulator, type SimulatorGroundTruth, simulatorGroundTruth } from './index.ts';
import { conversionEvents, FATIGUE_THRESHOLD } from './model.ts';
import { dayOf, weekday } from './random.ts';
import { listedAds } from './reports.ts';
import { type AgencySnapshot, addDays, byDate, collect, fetchAgency, simContext } from './testing.ts';

const END = '2026-11-20';
const extra = { seed: '42', endDate: END };
let agency: AgencySnapshot;
let truth: SimulatorGroundTruth;
const allRows = () => [...agency.rows.values()].flat();
const rowsOf = (platform: string) =>
  [...agency.rows.entries()].filter(([id]) => id.endsWith(`-${platform}`)).flatMap(([, rows]) => rows);
const ctr = (rows: DailyMetricRecord[]) =>
  rows.reduce((s, r) => s + r.clicks, 0) /
  Math.max(
    1,
    rows.reduce((s, r) => s + r.impressions, 0),
  );

beforeAll(async () => {
  const t0 = performance.now();
  agency = await fetchAgency(createSimulator(), extra);
  const t1 = performance.now();
  truth = simulatorGroundTruth(extra);
  const ads = [...agency.structure.values()].reduce((s, x) => s + x.ads.length, 0);
  console.log(
    `default agency: ${agency.accounts.length} accounts, ${ads} ads, ${allRows().length} daily rows; ` +
      `full fetch ${Math.round(t1 - t0)} ms, ground truth ${Math.round(performance.now() - t1)} ms`,
  );
});

describe('simulator: the generated agency', () => {
  it('has at least 3 clients on 3 platforms, 150 days, hundreds of ads and at most ~100k rows', () => {
    const ids = agency.accounts.map((a) => a.externalId);
    expect(new Set(ids.map((id) => id.split('-')[2])).size).toBeGreaterThanOrEqual(3);
    for (const p of ['google_ads', 'meta', 'linkedin'])
      expect(ids.filter((id) => id.endsWith(`-${p}`))).toHaveLength(3);
    expect(new Set(agency.accounts.map((a) => a.currency))).toEqual(new Set(['USD', 'EUR', 'GBP']));
    expect(ids).toContain('sim-42-1-google_ads');
    const dates = new Set(allRows().map((r) => r.date));
    expect(dates.size).toBe(150);
    expect([...dates].sort()[0]).toBe(addDays(END, -149));
    expect([...agency.structure.values()].reduce((s, x) => s + x.ads.length, 0)).toBeGreaterThanOrEqual(200);
    expect(allRows().length).toBeLessThanOrEqual(100_000);
    const formats = new Set(
      [...agency.structure.values()].flatMap((s) => s.ads.map((a) => a.creative.format)),
    );
    for (const f of ['image', 'video', 'carousel', 'text']) expect(formats).toContain(f);
    const meta = rowsOf('meta');
    expect(meta.every((r) => r.reach !== null && r.frequency! >= 1)).toBe(true);
    expect(rowsOf('linkedin').every((r) => r.reach === null)).toBe(true);
    const video = new Set(
      [...agency.structure.values()].flatMap((s) =>
        s.ads.filter((a) => a.creative.format === 'video').map((a) => a.externalId),
      ),
    );
    expect(allRows().every((r) => (r.videoViews !== null) === video.has(r.adExternalId))).toBe(true);
  });

  it('is deterministic for a seed and different for another', async () => {
    const again = await fetchAgency(createSimulator(), extra);
    // A second instance with its own caches: rows are a function of the settings alone.
    expect(again.rows).toEqual(agency.rows);
    expect(again.structure).toEqual(agency.structure);
    const sim = createSimulator();
    const lastWeek = { from: addDays(END, -6), to: END };
    const other = await collect(
      sim.ads!.fetchDailyMetrics(simContext(sim, { ...extra, seed: '43' }), 'sim-43-1-meta', lastWeek),
    );
    const mine = agency.rows.get('sim-42-1-meta')!.filter((r) => r.date >= addDays(END, -6));
    expect(other.map((r) => r.spendMicros)).not.toEqual(mine.map((r) => r.spendMicros));
  });

  it('lets a connection pick its first client by industry, and refuses settings it cannot serve', async () => {
    const sim = createSimulator();
    const one = await sim.ads!.listAccounts(
      simContext(sim, { seed: 'x', clients: '1', industry: 'saas', endDate: END }),
    );
    // Each account names its platform (AdAccountRecord.platform), as a multi-platform connector must.
    expect(one).toEqual(
      ['google_ads', 'meta', 'linkedin'].map((platform) =>
        expect.objectContaining({ externalId: `sim-x-1-${platform}`, currency: 'GBP', platform }),
      ),
    );
    const bads: Array<Record<string, string>> = [
      { industry: 'mining' },
      { days: '0' },
      { endDate: '2026-02-30' },
      { scale: 'lots' },
    ];
    for (const bad of bads) {
      const e = await sim.ads!.listAccounts(simContext(sim, { seed: 'x', ...bad })).catch((x: unknown) => x);
      expect((e as ConnectorError).kind).toBe('invalid');
    }
  });

  it('has weekly seasonality: LinkedIn dips at weekends, Meta peaks', () => {
    const weekendRatio = (rows: DailyMetricRecord[]) => {
      const spend = byDate(rows, (r) => r.spendMicros);
      const mean = (weekend: boolean) => {
        const xs = [...spend].filter(([d]) => weekday(dayOf(d)) >= 5 === weekend).map(([, v]) => v);
        return xs.reduce((s, x) => s + x, 0) / xs.length;
      };
      return mean(true) / mean(false);
    };
    expect(weekendRatio(rowsOf('linkedin'))).toBeLessThan(0.85);
    expect(weekendRatio(rowsOf('meta'))).toBeGreaterThan(1.02);
    const li = truth.weeklySeasonality['sim-42-1-linkedin']!;
    expect(li.spend[5]!).toBeLessThan(li.spend[1]!);
  });

  it('wears creatives out: after the ground-truth onset CTR is below the threshold share of its first week', () => {
    const config = parseSimulatorConfig(extra);
    const engine = createEngine();
    const collapsed = new Set(truth.anomalies.map((a) => a.adExternalId));
    const ratios: number[] = [];
    const fresh: number[] = [];
    for (const account of engine.world(config).accounts) {
      const { sim, controls } = engine.simulate(config, account, []);
      const rows = agency.rows.get(account.externalId)!;
      for (const s of listedAds(sim, controls, config.windowStartDay)) {
        const id = s.ad.externalId;
        const onset = s.fatigueOnsetDay;
        expect(truth.fatigueOnset[id]).toBe(onset === null ? null : addDays('1970-01-01', onset));
        for (let d = s.ad.launchDay; d <= config.endDay; d++) {
          const m = s.multiplier[d - sim.firstDay]!;
          if (s.impressions[d - sim.firstDay]! > 0)
            expect(m < FATIGUE_THRESHOLD).toBe(onset !== null && d >= onset);
        }
        const launch = addDays('1970-01-01', s.ad.launchDay);
        if (launch < addDays(END, -149) || collapsed.has(id)) continue;
        const mine = rows.filter((r) => r.adExternalId === id);
        const early = mine.filter((r) => r.date < addDays(launch, 7));
        if (onset !== null && onset - s.ad.launchDay >= 14 && onset + 13 <= config.endDay) {
          const from = addDays('1970-01-01', onset);
          ratios.push(ctr(mine.filter((r) => r.date >= from && r.date <= addDays(from, 13))) / ctr(early));
        } else if (
          onset === null &&
          s.ad.retireDay - s.ad.launchDay >= 30 &&
          s.ad.launchDay + 30 <= config.endDay
        ) {
          fresh.push(
            ctr(mine.filter((r) => r.date >= addDays(launch, 14) && r.date < addDays(launch, 28))) /
              ctr(early),
          );
        }
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    expect(ratios.length).toBeGreaterThan(30);
    expect(median(ratios)).toBeLessThan(FATIGUE_THRESHOLD);
    expect(median(fresh)).toBeGreaterThan(0.9);
  });
});

describe('simulator: anomalies and restatement', () => {
  it('shows every ground-truth anomaly in the data inside its window', () => {
    expect(new Set(truth.anomalies.map((a) => a.kind))).toEqual(
      new Set(['spend_spike', 'ctr_collapse', 'tracking_break', 'cost_surge']),
    );
    const config = parseSimulatorConfig(extra);
    const engine = createEngine();
    for (const a of truth.anomalies) {
      const rows = agency.rows
        .get(a.accountExternalId)!
        .filter((r) => !a.adExternalId || r.adExternalId === a.adExternalId);
      const inside = (r: DailyMetricRecord) => r.date >= a.from && r.date <= a.to;
      let before = rows.filter((r) => r.date >= addDays(a.from, -14) && r.date < a.from);
      if (new Set(before.map((r) => r.date)).size < 5)
        before = rows.filter((r) => r.date > a.to && r.date <= addDays(a.to, 14));
      const days = (xs: DailyMetricRecord[]) => new Set(xs.map((r) => r.date)).size;
      const perDay = (xs: DailyMetricRecord[], f: (r: DailyMetricRecord) => number) =>
        xs.reduce((s, r) => s + f(r), 0) / days(xs);
      const cpm = (xs: DailyMetricRecord[]) =>
        perDay(xs, (r) => r.spendMicros) / perDay(xs, (r) => r.impressions);
      const during = rows.filter(inside);
      if (a.kind === 'spend_spike')
        expect(perDay(during, (r) => r.spendMicros) / perDay(before, (r) => r.spendMicros)).toBeGreaterThan(
          1.5,
        );
      if (a.kind === 'cost_surge') expect(cpm(during) / cpm(before)).toBeGreaterThan(1.3);
      if (a.kind === 'ctr_collapse') expect(ctr(during) / ctr(before)).toBeLessThan(0.6);
      if (a.kind === 'tracking_break' && a.to <= addDays(END, -15)) {
        // Platforms report by click day: the conversions that happened inside the window (from any
        // click day up to 14 days earlier) are missing from the settled rows, nearly all of them.
        const account = engine.account(config, a.accountExternalId)!;
        const { sim } = engine.simulate(config, account, []);
        const from = dayOf(a.from);
        const to = dayOf(a.to);
        let happenedInside = 0;
        let missing = 0;
        const breaks = sim.anomalies.filter((b) => b.kind === 'tracking_break');
        const listed = new Set(rows.map((r) => r.adExternalId));
        for (const s of sim.ads.filter((x) => listed.has(x.ad.externalId)))
          for (let d = Math.max(from - 14, config.windowStartDay); d <= to; d++) {
            const n = s.conversions[d - sim.firstDay]!;
            const events = conversionEvents(s.ad, d, n, account.conversionDelay);
            happenedInside += events.filter((e) =>
              breaks.some((b) => d + e.lag >= b.fromDay && d + e.lag <= b.toDay),
            ).length;
            missing += n;
          }
        missing -= rows
          .filter((r) => r.date >= addDays(a.from, -14) && r.date <= a.to)
          .reduce((t, r) => t + r.conversions, 0);
        expect(happenedInside).toBeGreaterThan(0);
        expect(missing).toBeGreaterThanOrEqual(Math.floor(0.75 * happenedInside));
        expect(missing).toBeLessThanOrEqual(happenedInside);
      }
    }
  });

  it('restates recent conversions as the end date moves on, and has no data after the end date', async () => {
    const earlier = addDays(END, -10);
    const def = createSimulator();
    const rows = await collect(
      def.ads!.fetchDailyMetrics(simContext(def, { ...extra, endDate: earlier }), 'sim-42-2-meta', {
        from: addDays(END, -149),
        to: END,
      }),
    );
    expect(rows.every((r) => r.date <= earlier)).toBe(true);
    const later = new Map(agency.rows.get('sim-42-2-meta')!.map((r) => [`${r.adExternalId}|${r.date}`, r]));
    let restated = 0;
    for (const r of rows) {
      const l = later.get(`${r.adExternalId}|${r.date}`)!;
      expect({ ...r, conversions: 0, conversionValueMicros: 0 }).toEqual({
        ...l,
        conversions: 0,
        conversionValueMicros: 0,
      });
      if (r.date <= addDays(earlier, -15)) expect(r.conversions).toBe(l.conversions);
      expect(r.conversions).toBeLessThanOrEqual(l.conversions);
      restated += l.conversions - r.conversions;
    }
    expect(restated).toBeGreaterThan(0);
    for (const delay of Object.values(truth.conversionDelay)) {
      expect(delay).toHaveLength(15);
      expect(delay.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 6);
    }
  });
});
