/** Issue 5: "a rule backtest on the demo agency lists the actions it would have taken". */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { seedDemo } from '../../main/demo.ts';
import { testDialect } from '../../storage/testing.ts';
import { systemCtx } from '../auth/context.ts';
import { demoRules } from './rules.demo.ts';

describe(`the demo agency's rules on ${testDialect()}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ clockStart: new Date('2026-11-20T12:00:00Z') });
  }, 60_000);
  afterAll(() => t.close());

  it('are created with the demo, and their backtests list the actions they would have taken', async () => {
    const demo = await seedDemo(t.services, { days: 45, quiet: true });
    const ctx = systemCtx(demo.organizationId);
    const rules = (await t.services.rules.list(ctx, { limit: 10 })).items;
    expect(rules.map((r) => r.name).sort()).toEqual(demoRules.map((r) => r.name).sort());
    for (const rule of rules) {
      const bt = await t.services.rules.backtest(ctx, rule.id, 30);
      expect(bt.days).toHaveLength(30);
      expect(bt.to).toBe('2026-11-20');
      expect(bt.totals.matches, rule.name).toBeGreaterThan(0);
      const first = bt.days.flatMap((d) => d.matched)[0];
      expect(first?.wouldDo.length).toBeGreaterThan(0);
      expect(first?.conditions.every((c) => c.matched)).toBe(true);
    }
    const pauses = await t.services.rules.backtest(ctx, rules.find((r) => r.scope.level === 'ad')!.id, 30);
    expect(pauses.totals.actions.pause).toBeGreaterThan(0);
    // Seeding 45 days of three simulated clients is the slow part.
  }, 300_000);
});
