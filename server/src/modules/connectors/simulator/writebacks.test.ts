import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConnectorError, type DailyMetricRecord } from '../connector.port.ts';
import { createFileStore, createMemoryStore, createSimulator, type SimulatorStateStore } from './index.ts';
import { addDays, collect, simContext } from './testing.ts';

const E0 = '2026-10-01';
const LATER = '2026-10-31';
const ACCOUNT = 'sim-42-1-meta';
const everything = { from: '2026-01-01', to: '2026-12-31' };

function connection(stateKey: string, store: SimulatorStateStore = createMemoryStore()) {
  const definition = createSimulator({ store });
  const ctx = (endDate: string) => simContext(definition, { seed: '42', endDate, stateKey });
  const rows = (endDate: string) =>
    collect(definition.ads!.fetchDailyMetrics(ctx(endDate), ACCOUNT, everything));
  return { ads: definition.ads!, ctx, rows };
}

const sum = (rows: DailyMetricRecord[], f: (r: DailyMetricRecord) => number) =>
  rows.reduce((s, r) => s + f(r), 0);
const baseline = connection('baseline');

describe('simulator write-backs', () => {
  it('a paused ad spends nothing from the day after the action; earlier days are unchanged', async () => {
    const before = await baseline.rows(LATER);
    const { ads, ctx, rows } = connection('pause-ad');
    const structure = await ads.fetchStructure(ctx(E0), ACCOUNT);
    const runs = (id: string, date: string) => before.some((r) => r.adExternalId === id && r.date === date);
    const ad = structure.ads.find(
      (a) =>
        runs(a.externalId, E0) &&
        runs(a.externalId, LATER) &&
        structure.ads.some(
          (s) => s.adGroupExternalId === a.adGroupExternalId && s.externalId !== a.externalId,
        ),
    )!;
    const result = await ads.apply(ctx(E0), ACCOUNT, {
      type: 'set_status',
      level: 'ad',
      externalId: ad.externalId,
      status: 'paused',
    });
    expect(result).toEqual({
      externalId: ad.externalId,
      before: { status: 'active' },
      after: { status: 'paused' },
    });
    const now = await ads.fetchStructure(ctx(E0), ACCOUNT);
    expect(now.ads.find((a) => a.externalId === ad.externalId)?.status).toBe('paused');

    const after = await rows(LATER);
    const mine = after.filter((r) => r.adExternalId === ad.externalId);
    expect(mine.filter((r) => r.date > E0)).toEqual([]);
    expect(after.filter((r) => r.date <= E0)).toEqual(before.filter((r) => r.date <= E0));
    // Its ad group's budget now goes to the siblings.
    const siblings = new Set(
      structure.ads.filter((a) => a.adGroupExternalId === ad.adGroupExternalId).map((a) => a.externalId),
    );
    siblings.delete(ad.externalId);
    const spendOfSiblings = (xs: DailyMetricRecord[]) =>
      sum(
        xs.filter((r) => siblings.has(r.adExternalId) && r.date > E0),
        (r) => r.spendMicros,
      );
    expect(spendOfSiblings(after)).toBeGreaterThan(spendOfSiblings(before));
  });

  it('a paused campaign stops all its ads until it is enabled again', async () => {
    const { ads, ctx, rows } = connection('pause-campaign');
    const campaign = 'sim-42-1-meta-c1';
    await ads.apply(ctx(E0), ACCOUNT, {
      type: 'set_status',
      level: 'campaign',
      externalId: campaign,
      status: 'paused',
    });
    const resume = addDays(E0, 10);
    const r = await ads.apply(ctx(resume), ACCOUNT, {
      type: 'set_status',
      level: 'campaign',
      externalId: campaign,
      status: 'active',
    });
    expect(r.before.status).toBe('paused');
    const structure = await ads.fetchStructure(ctx(LATER), ACCOUNT);
    const mine = new Set(
      structure.ads.filter((a) => a.campaignExternalId === campaign).map((a) => a.externalId),
    );
    const after = (await rows(LATER)).filter((x) => mine.has(x.adExternalId));
    expect(after.filter((x) => x.date > E0 && x.date <= resume)).toEqual([]);
    expect(after.filter((x) => x.date > resume).length).toBeGreaterThan(0);
    expect(after.filter((x) => x.date === E0).length).toBeGreaterThan(0);
  });

  it('doubling a budget doubles spend but buys less than twice the conversions', async () => {
    const campaign = 'sim-42-1-meta-c1';
    const measured = async (factor: number) => {
      const { ads, ctx, rows } = connection(`budget-${factor}`);
      const current = (await ads.fetchStructure(ctx(E0), ACCOUNT)).campaigns.find(
        (c) => c.externalId === campaign,
      )!;
      const budget = current.dailyBudgetMicros! * factor;
      const result = await ads.apply(ctx(E0), ACCOUNT, {
        type: 'set_daily_budget',
        level: 'campaign',
        externalId: campaign,
        dailyBudgetMicros: budget,
      });
      expect(result.after.dailyBudgetMicros).toBe(budget);
      const structure = await ads.fetchStructure(ctx(LATER), ACCOUNT);
      expect(structure.campaigns.find((c) => c.externalId === campaign)?.dailyBudgetMicros).toBe(budget);
      const mine = new Set(
        structure.ads.filter((a) => a.campaignExternalId === campaign).map((a) => a.externalId),
      );
      const xs = (await rows(addDays(LATER, 20))).filter(
        (r) => mine.has(r.adExternalId) && r.date > E0 && r.date <= LATER,
      );
      return { spend: sum(xs, (r) => r.spendMicros), conversions: sum(xs, (r) => r.conversions) };
    };
    const same = await measured(1);
    const double = await measured(2);
    const spendRatio = double.spend / same.spend;
    const conversionRatio = double.conversions / same.conversions;
    expect(spendRatio).toBeGreaterThan(1.9);
    expect(spendRatio).toBeLessThan(2.05);
    expect(conversionRatio).toBeGreaterThan(1);
    expect(conversionRatio).toBeLessThan(0.85 * spendRatio);
  });

  it('refuses unknown entities, ad-group budgets and bad amounts as invalid input', async () => {
    const { ads, ctx } = connection('refusals');
    const refused = async (p: Promise<unknown>) => {
      const e = await p.catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ConnectorError);
      expect((e as ConnectorError).kind).toBe('invalid');
    };
    await refused(
      ads.apply(ctx(E0), ACCOUNT, { type: 'set_status', level: 'ad', externalId: 'nope', status: 'paused' }),
    );
    await refused(
      ads.apply(ctx(E0), ACCOUNT, {
        type: 'set_status',
        level: 'ad',
        externalId: 'sim-42-1-meta-c1',
        status: 'paused',
      }),
    );
    await refused(
      ads.apply(ctx(E0), ACCOUNT, {
        type: 'set_daily_budget',
        level: 'ad_group',
        externalId: 'sim-42-1-meta-c1-g1',
        dailyBudgetMicros: 50_000_000,
      }),
    );
    await refused(
      ads.apply(ctx(E0), ACCOUNT, {
        type: 'set_daily_budget',
        level: 'campaign',
        externalId: 'sim-42-1-meta-c1',
        dailyBudgetMicros: -5,
      }),
    );
    await refused(ads.fetchStructure(ctx(E0), 'sim-42-9-meta'));
    await refused(ads.listAccounts(simContext(createSimulator(), { seed: 'no spaces allowed' })));
  });

  it('keeps write-backs in a JSON file that another simulator instance reads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'omnify-sim-'));
    try {
      const first = connection('file', createFileStore(dir));
      await first.ads.apply(first.ctx(E0), ACCOUNT, {
        type: 'set_status',
        level: 'ad_group',
        externalId: 'sim-42-1-meta-c1-g1',
        status: 'paused',
      });
      expect(await readdir(dir)).toEqual(['file.json']);
      const saved = JSON.parse(await readFile(join(dir, 'file.json'), 'utf8'));
      expect(saved.actions[0]).toMatchObject({ date: E0, effectiveDate: addDays(E0, 1) });
      const second = connection('file', createFileStore(dir));
      const groups = (await second.ads.fetchStructure(second.ctx(E0), ACCOUNT)).adGroups;
      expect(groups.find((g) => g.externalId === 'sim-42-1-meta-c1-g1')?.status).toBe('paused');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
