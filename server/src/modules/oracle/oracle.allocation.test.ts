import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp, uniqueEmail } from '../../../test/helpers/app.ts';
import { connectSimulator, connectSimulatorDays } from '../../../test/helpers/simulator.ts';
import { testDialect } from '../../storage/testing.ts';
import { addDays } from '../analytics/periods.ts';
import { WEEKS } from './oracle.allocation.store.ts';

interface Allocation {
  entityId: string;
  currentDailyMicros: number;
  recommendedDailyMicros: number;
  binding: 'locked' | 'min' | 'max' | null;
  fitted: boolean;
}

describe(`ORACLE budget allocation API on ${testDialect()}`, () => {
  let t: TestApp;
  let a: Signed;
  let b: Signed;
  let demo: Signed;
  let clientB: string;

  const post = (who: Signed, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/api/v1/oracle/allocations', headers: who.headers, payload });
  const sum = (xs: Allocation[], f: (x: Allocation) => number) => xs.reduce((s, x) => s + f(x), 0);

  beforeAll(async () => {
    t = await createTestApp();
    a = await signUp(t.app, 'alloc-a');
    b = await signUp(t.app, 'alloc-b');
    await connectSimulatorDays(t, a, { seed: 'alloca', days: 120, endDate: '2026-11-20' });
    await connectSimulator(t, b, 'allocb');
    // The demo's first client (`npx omnify demo`: Bright Smile Dental, seed demo1, 150 days).
    demo = await signUp(t.app, 'alloc-demo');
    const conn = await t.app.inject({
      method: 'POST',
      url: '/api/v1/connections',
      headers: demo.headers,
      payload: {
        platform: 'simulator',
        settings: { seed: 'demo1', clients: '1', industry: 'dental', days: '150', endDate: '2026-11-20' },
      },
    });
    expect(conn.statusCode, conn.body).toBe(201);
    const sync = await t.app.inject({
      method: 'POST',
      url: `/api/v1/connections/${conn.json().connection.id}/sync`,
      headers: demo.headers,
      // Back from the clock's today to the simulator's first day, whatever day the tests run on.
      payload: {
        kind: 'backfill',
        days:
          150 +
          Math.max(0, Math.round((t.services.clock.now().getTime() - Date.parse('2026-11-20')) / 864e5)),
      },
    });
    expect(sync.statusCode, sync.body).toBe(202);
    expect((await t.services.sync.execute(demo.organizationId, sync.json().id)).status).toBe('succeeded');
    const client = await t.app.inject({
      method: 'POST',
      url: '/api/v1/clients',
      headers: b.headers,
      payload: { name: 'B client', email: uniqueEmail('allocb'), company: 'B corp' },
    });
    expect(client.statusCode).toBe(201);
    clientB = client.json().id;
  }, 120_000);
  afterAll(async () => t?.close());

  it('splits the current budget within ±30% per campaign, reports what binds and stores the run', async () => {
    const res = await post(a, { objective: 'conversions' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    const xs: Allocation[] = body.allocations;
    expect(xs.length).toBeGreaterThan(1);
    expect(xs.some((x) => x.fitted)).toBe(true);
    // The recommendation spends the total (default: the last 28 days' average), to rounding.
    expect(
      Math.abs(sum(xs, (x) => x.recommendedDailyMicros) - body.totals.currentDailyMicros),
    ).toBeLessThanOrEqual(xs.length);
    for (const x of xs) {
      expect(x.recommendedDailyMicros).toBeGreaterThanOrEqual(Math.floor(x.currentDailyMicros * 0.7) - 1);
      expect(x.recommendedDailyMicros).toBeLessThanOrEqual(Math.ceil(x.currentDailyMicros * 1.3) + 1);
      if (!x.fitted) expect(x.binding).toBe('locked');
    }
    // Under the curves it was chosen on, the split never loses (the current split is feasible).
    expect(body.totals.fittedGain).toBeGreaterThanOrEqual(-1e-6);
    const bound = xs.filter((x) => x.binding === 'min' || x.binding === 'max').length;
    expect(body.totals.bindingCount.min + body.totals.bindingCount.max).toBe(bound);
    const rows = await t.storage.db
      .selectFrom('predictions')
      .select(['run_id', 'entity_id', 'value'])
      .where('organization_id', '=', a.organizationId)
      .where('type', '=', 'allocation')
      .execute();
    expect(rows.length).toBe(xs.length);
    expect(rows.every((r) => r.run_id === body.predictionId)).toBe(true);
  });

  /** Per fitted campaign, reported outcome and spend per day over the weeks its curve is fitted on. */
  async function reported(who: Signed, objective: 'conversions' | 'revenue', from: string, to: string) {
    const rows = await t.storage.db
      .selectFrom('daily_metrics')
      .select((eb) => [
        'campaign_id',
        'date',
        eb.fn.sum<number>('spend_micros').as('spend'),
        eb.fn.sum<number>(objective === 'revenue' ? 'conversion_value_micros' : 'conversions').as('y'),
      ])
      .where('organization_id', '=', who.organizationId)
      .where('date', '>=', from)
      .where('date', '<=', to)
      .groupBy(['campaign_id', 'date'])
      .execute();
    const day = (d: string) => Date.parse(`${d}T00:00:00Z`) / 86_400_000;
    const out = new Map<string, { perDay: number; spendPerDay: number; y: number; spend: number }>();
    for (const id of new Set(rows.map((r) => r.campaign_id))) {
      const mine = rows.filter((r) => r.campaign_id === id);
      // From the campaign's first week with data, as the curve is fitted.
      const first = Math.min(
        ...mine.filter((r) => Number(r.spend) > 0 || Number(r.y) > 0).map((r) => day(r.date)),
      );
      const start = day(from) + 7 * Math.floor((first - day(from)) / 7);
      const days = day(to) - start + 1;
      const y = mine.reduce((s, r) => s + Number(r.y), 0);
      const spend = mine.reduce((s, r) => s + Number(r.spend), 0);
      out.set(id, { perDay: y / days, spendPerDay: spend / days, y, spend });
    }
    return out;
  }

  type Fitted = Allocation & { currentResponse: number | null; observedResponse: number | null };

  it('credits no campaign with more than it reported, and its gain lies within its own interval', async () => {
    for (const [who, objective] of [
      [a, 'conversions'],
      [a, 'revenue'],
      [demo, 'conversions'],
      [demo, 'revenue'],
    ] as const) {
      const res = await post(who, { objective });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      // Weeks are counted from the start of the 26 weeks read (body.from is the first day with data).
      const seen = await reported(who, objective, addDays(body.to, -(WEEKS * 7 - 1)), body.to);
      let observedTotal = 0;
      // What any ±30 % move of one campaign can change: 30 % of what its curve gives now.
      let swing = 0;
      for (const x of body.allocations as Fitted[]) {
        const r = seen.get(x.entityId);
        expect(r).toBeDefined();
        const { perDay, spendPerDay } = r as { perDay: number; spendPerDay: number };
        observedTotal += perDay;
        if (!x.fitted) continue;
        // A concave curve through 0 credits spend d with at most (contribution per day) × d ÷ (the
        // weeks' spend per day) above that spend, and the contribution is at most what was reported.
        const bound = perDay * Math.max(1, x.currentDailyMicros / spendPerDay);
        swing += 0.3 * bound;
        const label = `${objective}: ${x.entityId}`;
        expect(x.currentResponse, label).toBeLessThanOrEqual(bound * 1.01 + 1e-9);
        expect(Math.abs((x.observedResponse as number) / perDay - 1), label).toBeLessThan(1e-9);
      }
      expect(body.totals.currentResponse).toBeGreaterThan(0);
      expect(body.totals.currentResponse).toBeLessThanOrEqual(1.5 * observedTotal);
      // The headline gain is the median over the refits, inside their 90 % interval, and no refit's
      // gain is beyond what a ±30 % reshuffle of curves credited with what was reported can move
      // (1.5 × for the bootstrap's resampled outcomes).
      const { gainInterval: g, expectedGain } = body.totals;
      expect(g).not.toBeNull();
      expect(expectedGain).toBeGreaterThanOrEqual(g.p05);
      expect(expectedGain).toBeLessThanOrEqual(g.p95);
      expect(Math.max(-g.p05, g.p95), objective).toBeLessThanOrEqual(1.5 * swing);
      if (who !== demo) continue;
      // The demo's campaigns mostly move in proportion to their spend: fits held at a zero baseline
      // and nearly straight curves are named, each by a campaign of the answer.
      const names = new Set((body.allocations as Array<{ name: string }>).map((x) => x.name));
      const named = (re: RegExp) =>
        (body.warnings as string[]).filter((w) => re.test(w)).map((w) => w.slice(0, w.indexOf(':')));
      for (const re of [/baseline below zero/, /nearly straight/]) {
        expect(named(re).length, String(re)).toBeGreaterThan(0);
        for (const n of named(re)) expect(names.has(n), n).toBe(true);
      }
    }
  });

  type Explained = Fitted & {
    name: string;
    expectedResponse: number | null;
    marginalResponse: number | null;
    currentMarginalResponse: number | null;
    fittedRoas: number | null;
    fittedRoasAtCurrent: number | null;
    fittedRoasAtRecommended: number | null;
    marginalRoasAtCurrent: number | null;
    marginalRoasAtRecommended: number | null;
    marginalCpaAtCurrentMicros: number | null;
    marginalCpaAtRecommendedMicros: number | null;
  };

  it('explains each recommendation by its fitted and marginal ROAS, and says when the last unit of spend loses money', async () => {
    const res = await post(demo, { objective: 'revenue' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    const xs: Explained[] = body.allocations;
    const lambda: number | null = body.totals.marginalRoas;
    expect(lambda, 'some campaign is free to move').not.toBeNull();
    const l = lambda as number;
    expect(Math.abs(l - body.totals.marginalResponse)).toBeLessThan(0.006);
    for (const x of xs) {
      const label = x.name;
      if (!x.fitted) {
        for (const k of [
          'fittedRoasAtCurrent',
          'marginalRoasAtCurrent',
          'marginalRoasAtRecommended',
        ] as const)
          expect(x[k], `${label} ${k}`).toBeNull();
        continue;
      }
      const now = x.marginalRoasAtCurrent as number;
      const then = x.marginalRoasAtRecommended as number;
      expect(typeof now, label).toBe('number');
      expect(typeof then, label).toBe('number');
      // The marginal ROAS is the curve's slope: the same as the marginal response, rounded.
      expect(Math.abs(then - (x.marginalResponse as number)), label).toBeLessThan(0.006);
      expect(Math.abs(now - (x.currentMarginalResponse as number)), label).toBeLessThan(0.006);
      // A concave curve through 0: the next unit returns at most the average, at either spend.
      expect(now, label).toBeLessThanOrEqual(x.fittedRoasAtCurrent as number);
      expect(then, label).toBeLessThanOrEqual(x.fittedRoasAtRecommended as number);
      // The averages are the curve's response over the spend.
      expect(
        Math.abs(
          (x.fittedRoasAtRecommended as number) - (x.expectedResponse as number) / x.recommendedDailyMicros,
        ),
        label,
      ).toBeLessThan(0.006);
      expect(
        Math.abs((x.fittedRoasAtCurrent as number) - (x.currentResponse as number) / x.currentDailyMicros),
        label,
      ).toBeLessThan(0.006);
      // Why each moved: the split raises what returns more than λ at the margin and cuts what returns
      // less, until those free to move return λ (or reach a bound).
      if (x.binding === null) expect(Math.abs(then - l), label).toBeLessThanOrEqual(0.011);
      if (x.binding === 'max') expect(then, label).toBeGreaterThanOrEqual(l - 0.011);
      if (x.binding === 'min') expect(then, label).toBeLessThanOrEqual(l + 0.011);
      if (x.binding !== 'locked' && x.recommendedDailyMicros > x.currentDailyMicros * 1.01)
        expect(now, label).toBeGreaterThanOrEqual(l - 0.011);
      if (x.binding !== 'locked' && x.recommendedDailyMicros < x.currentDailyMicros * 0.99)
        expect(now, label).toBeLessThanOrEqual(l + 0.011);
    }
    // Gain arithmetic: the fitted gain is the sum of the entities' changes; the net gain takes the
    // change of spend off the expected one.
    const fittedSum = xs
      .filter((x) => x.fitted)
      .reduce((s, x) => s + (x.expectedResponse as number) - (x.currentResponse as number), 0);
    expect(Math.abs(fittedSum - body.totals.fittedGain)).toBeLessThan(
      1e-6 * Math.max(1, Math.abs(fittedSum)) + 1,
    );
    expect(body.totals.spendChangeMicros).toBe(
      body.totals.recommendedDailyMicros - body.totals.currentDailyMicros,
    );
    expect(body.totals.expectedGainNetOfSpend).toBeCloseTo(
      body.totals.expectedGain - body.totals.spendChangeMicros,
      3,
    );
    // The summary says what is maximised and what the marginal return means.
    expect(body.summary.objective).toMatch(
      /^Maximises the revenue .* keeping the total daily spend at \$[\d,.]+\/day/,
    );
    expect(body.summary.objective).toMatch(/does not weigh revenue against spend/);
    expect(body.summary.marginalBelowBreakEven).toBe(l < 1);
    expect(body.summary.headline).toContain(`marginal ROAS ${l.toFixed(2)}×`);
    if (l < 1)
      expect(body.summary.headline).toMatch(/spending less in total would raise revenue minus ad spend/);
    else expect(body.summary.headline).toMatch(/more spend would still add more revenue than it costs/);
    expect(body.summary.headline).toMatch(/^At the same total spend \(\$[\d,.]+\/day\)/);

    // A larger total: the headline names the extra spend and the gain net of it.
    const more = await post(demo, {
      objective: 'revenue',
      totalDailyBudgetMicros: Math.round(body.totals.currentDailyMicros * 1.2),
    });
    expect(more.statusCode, more.body).toBe(200);
    const m = more.json();
    expect(m.totals.spendChangeMicros).toBeGreaterThan(0);
    expect(m.totals.expectedGainNetOfSpend).toBeCloseTo(
      m.totals.expectedGain - m.totals.spendChangeMicros,
      3,
    );
    expect(m.summary.headline).toMatch(/^Spending \$[\d,.]+ a day more .*revenue minus ad spend\./);
    expect(m.summary.objective).toMatch(/\(as asked\)/);
    // Spending more on concave curves lowers the shared marginal return.
    if (m.totals.marginalRoas !== null) expect(m.totals.marginalRoas).toBeLessThanOrEqual(l + 0.006);

    // Conversions: the marginal cost of a conversion, at least the average one.
    const conv = await post(demo, { objective: 'conversions' });
    expect(conv.statusCode, conv.body).toBe(200);
    const c = conv.json();
    expect(c.totals.marginalRoas).toBeNull();
    expect(c.summary.marginalBelowBreakEven).toBeNull();
    expect(c.totals.marginalCpaMicros).toBe(Math.round(1 / c.totals.marginalResponse));
    expect(c.summary.headline).toMatch(/next conversion costs about \$[\d,.]+ .*\(marginal CPA\)/);
    for (const x of c.allocations as Explained[]) {
      if (!x.fitted) continue;
      expect(x.marginalRoasAtCurrent).toBeNull();
      const average = x.recommendedDailyMicros / (x.expectedResponse as number);
      expect(x.marginalCpaAtRecommendedMicros as number, x.name).toBeGreaterThanOrEqual(
        Math.floor(average) - 1,
      );
    }

    // Another organization's user: the demo's client is not found, and nothing is explained.
    const demoClient = await t.storage.db
      .selectFrom('clients')
      .select('id')
      .where('organization_id', '=', demo.organizationId)
      .executeTakeFirst();
    if (demoClient) {
      const theirs = await post(b, { objective: 'revenue', clientId: demoClient.id });
      expect(theirs.statusCode, theirs.body).toBe(404);
      expect(theirs.json().error.code).toBe('not_found');
      expect(theirs.body).not.toContain('marginal');
    }
    const campaign = xs.find((x) => x.fitted) as Explained;
    const bounded = await post(b, {
      objective: 'revenue',
      bounds: [{ entityId: campaign.entityId, locked: true }],
    });
    expect(bounded.statusCode, bounded.body).toBe(404);
    expect(bounded.json().error.code).toBe('not_found');
  });

  it('meets a target ROAS or CPA at what the campaigns report, not at what inflated curves claim', async () => {
    const base = (await post(demo, { objective: 'revenue' })).json();
    const revenue = await reported(demo, 'revenue', base.from, base.to);
    const conversions = await reported(demo, 'conversions', base.from, base.to);
    const total = (m: Map<string, { y: number; spend: number }>, k: 'y' | 'spend') =>
      [...m.values()].reduce((s, v) => s + v[k], 0);
    const roas = total(revenue, 'y') / total(revenue, 'spend');
    const cpa = total(conversions, 'spend') / total(conversions, 'y');
    // A target just above what the account reports is met, if at all, at a ROAS near it.
    const r = await post(demo, { objective: 'revenue', target: { roas: roas * 1.05 } });
    if (r.statusCode === 200) expect(r.json().target.achieved).toBeLessThanOrEqual(roas * 1.5);
    else expect(r.json().error.details.best).toBeLessThanOrEqual(roas * 1.5);
    // Half the reported CPA is out of reach: the best the curves allow is near the reported CPA.
    const c = await post(demo, { objective: 'conversions', target: { cpaMicros: Math.round(cpa / 2) } });
    expect(c.statusCode, c.body).toBe(400);
    expect(c.json().error.details.best).toBeGreaterThanOrEqual(cpa / 1.5);
  });

  it("turns each spend recommendation into the campaign's budget change, and the proposal sets that budget", async () => {
    const res = await post(a, { objective: 'revenue' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    type Row = Allocation & {
      changePct: number | null;
      currentBudgetMicros: number | null;
      budgetChangePct: number | null;
      proposedBudgetMicros: number | null;
      observedRoas: number | null;
      fittedRoas: number | null;
    };
    const xs: Row[] = body.allocations;
    const budgets = new Map(
      (
        await t.storage.db
          .selectFrom('campaigns')
          .select(['id', 'daily_budget_micros'])
          .where('organization_id', '=', a.organizationId)
          .execute()
      ).map((c) => [c.id, c.daily_budget_micros == null ? null : Number(c.daily_budget_micros)]),
    );
    const metrics = await t.storage.db
      .selectFrom('daily_metrics')
      .select((eb) => [
        'campaign_id',
        eb.fn.sum<number>('spend_micros').as('spend'),
        eb.fn.sum<number>('conversion_value_micros').as('value'),
      ])
      .where('organization_id', '=', a.organizationId)
      .where('date', '>=', body.from)
      .where('date', '<=', body.to)
      .groupBy('campaign_id')
      .execute();
    const reported = new Map(metrics.map((m) => [m.campaign_id, Number(m.value) / Number(m.spend)]));
    // from is the first day with data in the 26 weeks read (what the page's "N weeks since" says).
    const windowStart = new Date(Date.parse(`${body.to}T00:00:00Z`) - 181 * 86_400_000)
      .toISOString()
      .slice(0, 10);
    const first = await t.storage.db
      .selectFrom('daily_metrics')
      .select((eb) => eb.fn.min<string>('date').as('first'))
      .where('organization_id', '=', a.organizationId)
      .where('date', '>=', windowStart)
      .where('date', '<=', body.to)
      .executeTakeFirst();
    expect(body.from).toBe(String(first?.first));
    for (const x of xs) {
      expect(x.currentBudgetMicros).toBe(budgets.get(x.entityId));
      // What the account reports, not the curve: revenue ÷ spend over the same weeks.
      expect(x.observedRoas).toBeCloseTo(reported.get(x.entityId) as number, 2);
      if (x.fitted) expect(x.fittedRoas).not.toBeNull();
      if (x.currentBudgetMicros === null) {
        expect(x.proposedBudgetMicros).toBeNull();
        continue;
      }
      // The budget moves by the spend's percent, even where the campaign spends below its budget.
      expect(x.budgetChangePct).toBe(x.changePct);
      expect(x.proposedBudgetMicros).toBe(
        Math.round((x.currentBudgetMicros as number) * (1 + (x.budgetChangePct as number) / 100)),
      );
    }
    const moved = xs.find(
      (x) =>
        x.proposedBudgetMicros !== null &&
        Math.abs(x.budgetChangePct as number) >= 1 &&
        Math.abs((x.currentBudgetMicros as number) - x.currentDailyMicros) > 0.05 * x.currentDailyMicros,
    );
    expect(moved, 'a campaign whose budget differs from its spend').toBeDefined();
    const m = moved as Row;
    // Setting the recommended spend as the budget would move the budget the wrong amount (or way).
    expect(m.proposedBudgetMicros).not.toBe(m.recommendedDailyMicros);
    const proposed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/actions',
      headers: a.headers,
      payload: { kind: 'budget_change', campaignId: m.entityId, percent: m.budgetChangePct },
    });
    expect(proposed.statusCode, proposed.body).toBe(201);
    const proposal = proposed.json().proposal;
    expect(proposal.after.dailyBudgetMicros).toBe(m.proposedBudgetMicros);

    // Asked again, the spend does not show the change yet: the campaign is held where it is and
    // says why, instead of recommending the same move on top of the new budget.
    const again = await post(a, { objective: 'revenue' });
    expect(again.statusCode, again.body).toBe(200);
    const held = (again.json().allocations as Array<Row & { recentChange: unknown }>).find(
      (x) => x.entityId === m.entityId,
    );
    expect(held?.recentChange).toMatchObject({ proposalId: proposal.id, status: proposal.status });
    expect(held?.binding).toBe('locked');
    expect(held?.recommendedDailyMicros).toBe(held?.currentDailyMicros);
    expect(again.json().warnings.some((w: string) => w.includes(proposal.id))).toBe(true);
    // Undone, it is free to move again (the other tests here expect it unheld).
    if (proposal.status === 'applied') {
      const undone = await t.app.inject({
        method: 'POST',
        url: `/api/v1/actions/${proposal.id}/revert`,
        headers: a.headers,
        payload: {},
      });
      expect(undone.statusCode, undone.body).toBe(200);
    } else {
      const rejected = await t.app.inject({
        method: 'POST',
        url: `/api/v1/actions/${proposal.id}/reject`,
        headers: a.headers,
        payload: {},
      });
      expect(rejected.statusCode, rejected.body).toBe(200);
    }
    const freed = (await post(a, { objective: 'revenue' })).json();
    expect(
      freed.allocations.find((x: { entityId: string }) => x.entityId === m.entityId)?.recentChange,
    ).toBeNull();
  });

  it('keeps a locked campaign at its budget and respects an explicit maximum', async () => {
    const first = (await post(a, { objective: 'revenue' })).json();
    const fitted: Allocation[] = first.allocations.filter((x: Allocation) => x.fitted);
    expect(fitted.length).toBeGreaterThan(1);
    const [locked, capped] = fitted as [Allocation, Allocation];
    const total = Math.round(first.totals.currentDailyMicros * 1.1);
    const cap = Math.round(capped.currentDailyMicros * 0.9);
    const res = await post(a, {
      objective: 'revenue',
      totalDailyBudgetMicros: total,
      maxChangePct: 100,
      bounds: [
        { entityId: locked.entityId, locked: true },
        { entityId: capped.entityId, maxDailyMicros: cap },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    const xs: Allocation[] = res.json().allocations;
    const l = xs.find((x) => x.entityId === locked.entityId) as Allocation;
    expect(l.binding).toBe('locked');
    expect(Math.abs(l.recommendedDailyMicros - l.currentDailyMicros)).toBeLessThanOrEqual(1);
    const c = xs.find((x) => x.entityId === capped.entityId) as Allocation;
    expect(c.recommendedDailyMicros).toBeLessThanOrEqual(cap);
    expect(Math.abs(sum(xs, (x) => x.recommendedDailyMicros) - total)).toBeLessThanOrEqual(xs.length);
  });

  it('lets one side of an entity’s bounds override the default band: a maximum of 0 pauses it', async () => {
    const first = (await post(a, { objective: 'conversions' })).json();
    const [paused, raised] = (first.allocations as Allocation[]).filter((x) => x.fitted) as [
      Allocation,
      Allocation,
    ];
    const floor = Math.round(raised.currentDailyMicros * 1.6);
    const res = await post(a, {
      objective: 'conversions',
      maxChangePct: 100,
      bounds: [
        { entityId: paused.entityId, maxDailyMicros: 0 },
        { entityId: raised.entityId, minDailyMicros: floor },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    const xs: Allocation[] = res.json().allocations;
    expect(xs.find((x) => x.entityId === paused.entityId)?.recommendedDailyMicros).toBe(0);
    expect(xs.find((x) => x.entityId === raised.entityId)?.recommendedDailyMicros).toBeGreaterThanOrEqual(
      floor - 1,
    );
  });

  it('refuses bounds naming an entity twice (400) and another organization’s or no campaign (404)', async () => {
    const [x] = (await post(a, { objective: 'conversions' })).json().allocations as Allocation[];
    const twice = await post(a, {
      objective: 'conversions',
      bounds: [
        { entityId: x!.entityId, locked: true },
        { entityId: x!.entityId, minDailyMicros: 1 },
      ],
    });
    expect(twice.statusCode).toBe(400);
    expect(twice.json().error.message).toMatch(/twice/);
    const theirs = await t.storage.db
      .selectFrom('campaigns')
      .select('id')
      .where('organization_id', '=', b.organizationId)
      .executeTakeFirstOrThrow();
    for (const entityId of [theirs.id, 'cmp_nope']) {
      const res = await post(a, { objective: 'conversions', bounds: [{ entityId, locked: true }] });
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    const platform = await post(a, {
      objective: 'conversions',
      level: 'platform',
      bounds: [{ entityId: 'tiktok', locked: true }],
    });
    expect(platform.statusCode).toBe(400);
    expect(platform.json().error.message).toMatch(/tiktok, which had no spend .*\(platforms allocated: \w+/);
  });

  it('answers a target CPA in micros per conversion, as asked', async () => {
    const res = await post(a, {
      objective: 'conversions',
      level: 'platform',
      target: { cpaMicros: 500_000_000 },
    });
    expect(res.statusCode, res.body).toBe(200);
    const { target } = res.json();
    expect(target.metric).toBe('cpaMicros');
    expect(target.required).toBe(500_000_000);
    expect(target.achieved).toBeGreaterThan(1_000);
    expect(target.achieved).toBeLessThanOrEqual(500_000_000);
    const never = await post(a, { objective: 'conversions', level: 'platform', target: { cpaMicros: 1 } });
    expect(never.statusCode).toBe(400);
    expect(never.json().error.message).toMatch(/CPA of 1 micros: the best is \d+/);
  });

  it('answers a target ROAS with the budget that meets it', async () => {
    const res = await post(a, { objective: 'revenue', level: 'platform', target: { roas: 0.01 } });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.target).toMatchObject({ metric: 'roas', required: 0.01 });
    expect(body.target.achieved).toBeGreaterThanOrEqual(0.01);
    expect(body.totals.recommendedDailyMicros).toBeLessThanOrEqual(body.totals.currentDailyMicros + 1);
  });

  it('locks entities with too little history at their current spend and says so', async () => {
    const res = await post(b, { objective: 'conversions' });
    expect(res.statusCode, res.body).toBe(200);
    const xs: Allocation[] = res.json().allocations;
    expect(xs.length).toBeGreaterThan(0);
    for (const x of xs) {
      expect(x.fitted).toBe(false);
      expect(x.binding).toBe('locked');
      expect(Math.abs(x.recommendedDailyMicros - x.currentDailyMicros)).toBeLessThanOrEqual(1);
    }
    expect(res.json().warnings.length).toBe(xs.length);
  });

  it('refuses bad input with 400 and another organization’s client with 404', async () => {
    expect((await post(a, { objective: 'conversions', totalDailyBudgetMicros: -5 })).statusCode).toBe(400);
    const minMax = await post(a, {
      objective: 'conversions',
      bounds: [{ entityId: 'cmp_x', minDailyMicros: 10, maxDailyMicros: 5 }],
    });
    expect(minMax.statusCode).toBe(400);
    expect((await post(a, { objective: 'conversions', target: { roas: 2 } })).statusCode).toBe(400);
    expect((await post(a, { objective: 'conversions', clientId: clientB })).statusCode).toBe(404);
  });

  it('reads complete days only: today (still filling in) counts neither in the current spend nor in `to`', async () => {
    const today = t.services.clock.now().toISOString().slice(0, 10);
    const yesterday = addDays(today, -1);
    const c = await signUp(t.app, 'alloc-today');
    // Data through today, as a reviewer early in the UTC day has it.
    await connectSimulatorDays(t, c, { seed: 'alloctoday', days: 70, endDate: today });
    // Today's partial rows: a few ad-days already reported, spend far below a full day.
    const ads = await t.storage.db
      .selectFrom('daily_metrics')
      .selectAll()
      .where('organization_id', '=', c.organizationId)
      .where('date', '=', yesterday)
      .execute();
    expect(ads.length).toBeGreaterThan(0);
    await t.storage.db
      .deleteFrom('daily_metrics')
      .where('organization_id', '=', c.organizationId)
      .where('date', '>=', today)
      .execute();
    await t.storage.db
      .insertInto('daily_metrics')
      .values(ads.map((r) => ({ ...r, date: today, spend_micros: 1_000_000 })))
      .execute();
    const res = await post(c, { objective: 'conversions' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.to).toBe(yesterday);
    const spend = await t.storage.db
      .selectFrom('daily_metrics')
      .select((eb) => ['campaign_id', eb.fn.sum<number>('spend_micros').as('spend')])
      .where('organization_id', '=', c.organizationId)
      .where('date', '>=', addDays(yesterday, -27))
      .where('date', '<=', yesterday)
      .groupBy('campaign_id')
      .execute();
    const expected = new Map(spend.map((r) => [r.campaign_id, Number(r.spend) / 28]));
    // Every campaign with spend in those 28 days is allocated, none other.
    expect((body.allocations as Allocation[]).map((x) => x.entityId).sort()).toEqual(
      [...expected.keys()].sort(),
    );
    for (const x of body.allocations as Allocation[])
      expect(Math.abs(x.currentDailyMicros - (expected.get(x.entityId) ?? Number.NaN))).toBeLessThanOrEqual(
        1,
      );
  }, 120_000);

  it('refuses a negative spend with 400 naming the day, the amount and the ad, as forecasts do', async () => {
    const c = await signUp(t.app, 'alloc-negative');
    await connectSimulatorDays(t, c, { seed: 'allocneg', days: 60, endDate: '2026-11-20' });
    const row = await t.storage.db
      .selectFrom('daily_metrics')
      .select(['ad_id', 'currency'])
      .where('organization_id', '=', c.organizationId)
      .where('date', '=', '2026-11-20')
      .orderBy('ad_id')
      .executeTakeFirstOrThrow();
    await t.storage.db
      .updateTable('daily_metrics')
      .set({ spend_micros: -5_000_000 })
      .where('organization_id', '=', c.organizationId)
      .where('ad_id', '=', row.ad_id)
      .where('date', '=', '2026-11-20')
      .execute();
    const res = await post(c, { objective: 'conversions' });
    expect(res.statusCode, res.body).toBe(400);
    const err = res.json().error;
    expect(err.code).toBe('invalid_input');
    expect(err.message).toContain(`spend on 2026-11-20 is \u22125.00 ${row.currency}`);
    expect(err.message).toContain(row.ad_id);
    expect(err.details).toMatchObject({
      reason: 'negative_value',
      metric: 'spend',
      date: '2026-11-20',
      value: -5,
      valueMicros: -5_000_000,
      adId: row.ad_id,
    });
  }, 120_000);
});
