import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createMemoryStore,
  createSimulator,
  type SimulatorGroundTruth,
  simulatorGroundTruth,
  writeGroundTruth,
} from './index.ts';
import { hill, trendAt } from './model.ts';
import { dayOf, weekday } from './random.ts';
import { type AgencySnapshot, addDays, fetchAgency, simContext } from './testing.ts';

const END = '2026-11-20';
const extra = { seed: '42', endDate: END };
let agency: AgencySnapshot;
let truth: SimulatorGroundTruth;

beforeAll(async () => {
  agency = await fetchAgency(createSimulator(), extra);
  truth = simulatorGroundTruth(extra);
});

describe('simulator ground truth', () => {
  it('covers every listed ad, campaign and account of the window', () => {
    const ads = [...agency.structure.values()].flatMap((s) => s.ads.map((a) => a.externalId)).sort();
    const campaigns = [...agency.structure.values()]
      .flatMap((s) => s.campaigns.map((c) => c.externalId))
      .sort();
    expect(Object.keys(truth.fatigueOnset).sort()).toEqual(ads);
    expect(Object.keys(truth.responseCurves).sort()).toEqual(campaigns);
    expect(Object.keys(truth.conversionDelay).sort()).toEqual(
      agency.accounts.map((a) => a.externalId).sort(),
    );
    expect(truth.window).toEqual({ from: addDays(END, -149), to: END });
    const onsets = Object.values(truth.fatigueOnset);
    expect(onsets.filter((d) => d !== null).length).toBeGreaterThan(0.2 * onsets.length);
    expect(onsets.filter((d) => d === null).length).toBeGreaterThan(0.1 * onsets.length);
    for (const a of truth.anomalies) {
      expect(a.from >= truth.window.from && a.to <= truth.window.to && a.from <= a.to).toBe(true);
      expect(a.adExternalId === null || ads.includes(a.adExternalId)).toBe(true);
    }
    for (const s of Object.values(truth.weeklySeasonality))
      expect(s.conversion.reduce((t, x) => t + x, 0) / 7).toBeCloseTo(1, 3);
  });

  it('has response curves with diminishing returns that reproduce each day of the data exactly', () => {
    const campaignOf = new Map(
      [...agency.structure.values()].flatMap((s) => s.ads.map((a) => [a.externalId, a.campaignExternalId])),
    );
    const spend = new Map<string, number>();
    for (const r of [...agency.rows.values()].flat()) {
      const key = `${campaignOf.get(r.adExternalId)}|${r.date}`;
      spend.set(key, (spend.get(key) ?? 0) + r.spendMicros);
    }
    let checked = 0;
    for (const [id, curve] of Object.entries(truth.responseCurves)) {
      expect(hill(curve, 2 * curve.baseBudgetMicros)).toBeLessThan(2 * hill(curve, curve.baseBudgetMicros));
      const days = truth.campaignDays[id]!;
      const surges = truth.anomalies.filter(
        (a) => a.kind === 'cost_surge' && a.accountExternalId === curve.accountExternalId,
      );
      for (let i = 0; i < days.expectedConversions.length; i++) {
        const date = addDays(truth.window.from, i);
        const s = spend.get(`${id}|${date}`) ?? 0;
        const surge = surges.find((a) => date >= a.from && date <= a.to)?.magnitude ?? 1;
        const day = dayOf(date);
        const expected =
          hill(curve, s / surge) *
          truth.weeklySeasonality[curve.accountExternalId]!.conversion[weekday(day)]! *
          trendAt(curve.trend, day) *
          days.creativeHealth[i]!;
        expect(days.expectedConversions[i]!).toBeCloseTo(expected, 4);
        checked++;
      }
    }
    expect(checked).toBe(Object.keys(truth.responseCurves).length * 150);
  });

  it('writes ground-truth.json including the write-backs in the store', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'omnify-truth-'));
    try {
      const store = createMemoryStore();
      const sim = createSimulator({ store });
      const ctx = simContext(sim, { ...extra, endDate: '2026-10-01' });
      await sim.ads!.apply(ctx, 'sim-42-1-meta', {
        type: 'set_status',
        level: 'campaign',
        externalId: 'sim-42-1-meta-c1',
        status: 'paused',
      });
      const path = await writeGroundTruth(dir, extra, { store });
      const written = JSON.parse(await readFile(path, 'utf8')) as SimulatorGroundTruth;
      expect(written).toEqual(simulatorGroundTruth(extra, { actions: store.peek('sim-42')!.actions }));
      expect(written).not.toEqual(truth);
      const paused = written.campaignDays['sim-42-1-meta-c1']!.expectedConversions;
      expect(paused.slice(dayOf('2026-10-02') - dayOf(written.window.from)).every((x) => x === 0)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
