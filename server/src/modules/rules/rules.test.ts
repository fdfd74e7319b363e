/**
 * Automation rules through the API on simulator data: CRUD and validation, a run that turns matches
 * into proposals naming the rule (guardrails decide), cooldowns, new children picked up by the scope,
 * the scheduler's once-per-tick runs, a backtest checked against the stored metrics, and isolation.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { connectSimulator, type SyncedSimulator } from '../../../test/helpers/simulator.ts';
import { testDialect } from '../../storage/testing.ts';
import { systemCtx } from '../auth/context.ts';

describe(`automation rules on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let sim: SyncedSimulator;
  /** The median 3-day CPC of the ads as of the last day: about half of them are above it. */
  let medianCpc: number;
  let lastDay: string;

  const req = (who: Signed, opts: InjectOptions) => t.app.inject(as(who, opts));
  const cpcRule = (over: Record<string, unknown> = {}) => ({
    name: 'Pause expensive ads',
    scope: { level: 'ad' },
    conditions: {
      match: 'all',
      conditions: [
        { metric: 'cpc', window: { days: 3 }, op: '>', value: medianCpc, unit: 'currency_micros' },
        { metric: 'spend', window: { days: 3 }, op: '>', value: 0, unit: 'currency_micros' },
      ],
    },
    actions: [{ type: 'pause' }, { type: 'notify', emails: ['alerts@agency.example'] }],
    schedule: { cron: '0 * * * *' },
    cooldownHours: 24,
    ...over,
  });
  /** CPC of an ad over the 3 days ending `date`, straight from daily_metrics. */
  async function cpcOf(adId: string, date: string): Promise<number | null> {
    const from = new Date(Date.parse(`${date}T00:00:00Z`) - 2 * 86_400_000).toISOString().slice(0, 10);
    const rows = await t.storage.db
      .selectFrom('daily_metrics')
      .select(['spend_micros', 'clicks'])
      .where('ad_id', '=', adId)
      .where('date', '>=', from)
      .where('date', '<=', date)
      .execute();
    const spend = rows.reduce((s, r) => s + Number(r.spend_micros), 0);
    const clicks = rows.reduce((s, r) => s + Number(r.clicks), 0);
    return clicks > 0 ? spend / clicks : null;
  }

  beforeAll(async () => {
    // The simulated data ends on 2026-11-20: rules act only on fresh data.
    t = await createTestApp({
      clockStart: new Date('2026-11-21T09:00:00Z'),
      env: { OMNIFY_ACCESS_TOKEN_TTL_SECONDS: '86400' },
    });
    owner = await signUp(t.app, 'rules-owner');
    sim = await connectSimulator(t, owner, 'rules');
    const last = await t.storage.db
      .selectFrom('daily_metrics')
      .select((eb) => eb.fn.max('date').as('d'))
      .where('organization_id', '=', owner.organizationId)
      .executeTakeFirstOrThrow();
    lastDay = String(last.d);
    const groups = await t.storage.db
      .selectFrom('ads')
      .select('id')
      .where('organization_id', '=', owner.organizationId)
      .execute();
    const cpas = (await Promise.all(groups.map((g) => cpcOf(g.id, lastDay))))
      .filter((c): c is number => c !== null)
      .sort((a, b) => a - b);
    expect(cpas.length).toBeGreaterThanOrEqual(4);
    medianCpc = Math.round(cpas[Math.floor(cpas.length / 2)] as number);
  });
  afterAll(() => t.close());

  it('refuses bad rules with 400 naming the problem: cron, frequency, metric, unit, action', async () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ schedule: { cron: 'every hour' } }, /cron/],
      [{ schedule: { cron: '*/5 * * * *' } }, /15 minutes/],
      [
        {
          conditions: {
            match: 'all',
            conditions: [{ metric: 'ltv', window: { days: 3 }, op: '>', value: 1, unit: 'count' }],
          },
        },
        /./,
      ],
      [
        {
          conditions: {
            match: 'all',
            conditions: [{ metric: 'cpa', window: { days: 3 }, op: '>', value: 50, unit: 'count' }],
          },
        },
        /currency_micros/,
      ],
      [
        { scope: { level: 'ad' }, actions: [{ type: 'budget', direction: 'increase', percent: 10 }] },
        /budget/,
      ],
      [{ scope: { level: 'campaign', campaignId: sim.campaignId } }, /campaignId/],
    ];
    for (const [over, message] of bad) {
      const res = await req(owner, { method: 'POST', url: '/api/v1/rules', payload: cpcRule(over) });
      expect(res.statusCode, JSON.stringify(over)).toBe(400);
      expect(res.json().error.code).toBe('invalid_input');
      expect(JSON.stringify(res.json().error)).toMatch(message);
    }
    const list = await req(owner, { method: 'GET', url: '/api/v1/rules' });
    expect(list.json().items).toEqual([]);
  });

  it('a check beyond the schema (cron, actions, scope) answers the standard 400: details.issues at the body field', async () => {
    const bad: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ schedule: { cron: 'every hour' } }, 'body.schedule.cron', /five fields/],
      [{ schedule: { cron: '61 * * * *' } }, 'body.schedule.cron', /does not parse/],
      [{ schedule: { cron: '*/5 * * * *' } }, 'body.schedule.cron', /more often than every 15 minutes/],
      [{ actions: [{ type: 'pause' }, { type: 'enable' }] }, 'body.actions.1', /at most one of/],
      [
        { actions: [{ type: 'notify' }, { type: 'pause' }, { type: 'notify' }] },
        'body.actions.2',
        /One notify/,
      ],
      [
        {
          scope: { level: 'ad' },
          actions: [{ type: 'notify' }, { type: 'budget', direction: 'increase', percent: 5 }],
        },
        'body.actions.1',
        /Ads have no budget/,
      ],
      [
        {
          scope: { level: 'campaign' },
          actions: [{ type: 'budget', direction: 'increase', percent: 5, amountMicros: 1_000_000 }],
        },
        'body.actions.0.amountMicros',
        /exactly one of percent, amountMicros/,
      ],
      [
        { scope: { level: 'campaign' }, actions: [{ type: 'budget', direction: 'decrease' }] },
        'body.actions.0',
        /exactly one of percent, amountMicros/,
      ],
      [
        { scope: { level: 'ad', entityIds: [sim.adId], campaignId: sim.campaignId } },
        'body.scope.campaignId',
        /Scope by one of entityIds, clientId, campaignId/,
      ],
      [
        { scope: { level: 'campaign', campaignId: sim.campaignId } },
        'body.scope.campaignId',
        /use level ad_group or ad/,
      ],
    ];
    for (const [over, location, message] of bad) {
      const res = await req(owner, { method: 'POST', url: '/api/v1/rules', payload: cpcRule(over) });
      const label = JSON.stringify(over);
      expect(res.statusCode, label).toBe(400);
      const error = res.json().error;
      expect(error.code, label).toBe('invalid_input');
      expect(error.message, label).toMatch(new RegExp(`^${location.replaceAll('.', '\\.')}: `));
      expect(error.details.issues, label).toHaveLength(1);
      const [issue] = error.details.issues;
      expect(issue, label).toMatchObject({
        location,
        path: location
          .split('.')
          .slice(1)
          .map((k: string) => (/^\d+$/.test(k) ? Number(k) : k)),
      });
      expect(typeof issue.code, label).toBe('string');
      expect(issue.message, label).toMatch(message);
    }
    // Too frequent: the interval is on the issue and, as before, at the top of details.
    const often = await req(owner, {
      method: 'POST',
      url: '/api/v1/rules',
      payload: cpcRule({ schedule: { cron: '*/5 * * * *' } }),
    });
    expect(often.json().error.details).toMatchObject({ cron: '*/5 * * * *', minIntervalMinutes: 15 });
    expect(often.json().error.details.issues[0].minIntervalMinutes).toBe(15);
    // An unknown entity of the scope: a 404 naming it with the entity's label capitalised.
    const unknown = await req(owner, {
      method: 'POST',
      url: '/api/v1/rules',
      payload: cpcRule({ scope: { level: 'ad_group', entityIds: ['adg_nope'] } }),
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({
      code: 'not_found',
      message: 'Ad group adg_nope was not found',
    });
    expect((await req(owner, { method: 'GET', url: '/api/v1/rules' })).json().items).toEqual([]);
  });

  it('names the field and the allowed values of an unknown metric, operator, unit, window, action or level', async () => {
    const leaf = { metric: 'spend', window: { days: 3 }, op: '>', value: 0, unit: 'currency_micros' };
    const one = (c: Record<string, unknown>) => ({ conditions: { match: 'all', conditions: [c] } });
    const cases: Array<[Record<string, unknown>, string, string, unknown[] | undefined]> = [
      [
        one({ ...leaf, metric: 'ltv' }),
        'body.conditions.conditions.0.metric',
        'invalid_value',
        ['spend', 'cpa'],
      ],
      [
        one({ match: 'any', conditions: [leaf, { ...leaf, metric: 'ltv' }] }),
        'body.conditions.conditions.0.conditions.1.metric',
        'invalid_value',
        ['spend', 'cpa'],
      ],
      [one({ ...leaf, op: '!=' }), 'body.conditions.conditions.0.op', 'invalid_value', ['>', '<=']],
      [one({ ...leaf, unit: 'dollars' }), 'body.conditions.conditions.0.unit', 'invalid_value', ['percent']],
      [
        one({ ...leaf, unit: 'count' }),
        'body.conditions.conditions.0.unit',
        'invalid_value',
        ['currency_micros'],
      ],
      [
        one({ ...leaf, window: { days: 365 } }),
        'body.conditions.conditions.0.window.days',
        'too_big',
        undefined,
      ],
      [one({ ...leaf, window: '7d' }), 'body.conditions.conditions.0.window', 'invalid_type', undefined],
      [{ actions: [{ type: 'explode' }] }, 'body.actions.0.type', 'invalid_union', ['pause', 'notify']],
      [
        { actions: [{ type: 'budget', direction: 'up', percent: 5 }] },
        'body.actions.0.direction',
        'invalid_value',
        ['increase', 'decrease'],
      ],
      [{ scope: { level: 'account' } }, 'body.scope.level', 'invalid_value', ['campaign', 'ad_group', 'ad']],
    ];
    for (const [over, location, code, allowed] of cases) {
      const res = await req(owner, { method: 'POST', url: '/api/v1/rules', payload: cpcRule(over) });
      expect(res.statusCode, location).toBe(400);
      const error = res.json().error;
      expect(error.code).toBe('invalid_input');
      expect(error.message, location).toContain(location);
      expect(error.message, location).not.toMatch(/^Invalid input$/);
      const issue = error.details.issues[0];
      expect(issue, location).toMatchObject({ location, code });
      expect(issue.path.join('.'), location).toBe(location.replace(/^body\./, ''));
      if (allowed) {
        expect(issue.allowed, location).toEqual(expect.arrayContaining(allowed));
        for (const value of allowed) expect(issue.message, location).toContain(String(value));
      }
    }
    // The same on a patch.
    const rule = await req(owner, { method: 'POST', url: '/api/v1/rules', payload: cpcRule() });
    expect(rule.statusCode, rule.body).toBe(201);
    const patch = await req(owner, {
      method: 'PATCH',
      url: `/api/v1/rules/${rule.json().id}`,
      payload: one({ ...leaf, metric: 'ltv' }),
    });
    expect(patch.json().error.details.issues[0]).toMatchObject({
      location: 'body.conditions.conditions.0.metric',
      allowed: expect.arrayContaining(['roas']),
    });
    expect(
      (await req(owner, { method: 'DELETE', url: `/api/v1/rules/${rule.json().id}` })).statusCode,
    ).toBeLessThan(300);
  });

  it('keeps a description through a patch that does not name it, and removes it on null', async () => {
    const created = await req(owner, {
      method: 'POST',
      url: '/api/v1/rules',
      payload: cpcRule({ name: 'Described', description: 'Why this rule exists', enabled: false }),
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    const patch = (payload: Record<string, unknown>) =>
      req(owner, { method: 'PATCH', url: `/api/v1/rules/${id}`, payload });
    expect((await patch({ name: 'Described, renamed' })).json().description).toBe('Why this rule exists');
    const cleared = await patch({ description: null });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json().description).toBeNull();
    expect((await req(owner, { method: 'GET', url: `/api/v1/rules/${id}` })).json().description).toBeNull();
    expect((await patch({ description: '' })).statusCode).toBe(400);
    expect((await req(owner, { method: 'DELETE', url: `/api/v1/rules/${id}` })).statusCode).toBe(204);
    // Gone, the rule is still named in the audit log by the name it had last, on every entry.
    const log = await req(owner, { method: 'GET', url: `/api/v1/audit?targetType=rule&targetId=${id}` });
    const entries = log.json().items as Array<{ action: string; target: { name?: string } }>;
    expect(entries.map((e) => e.action)).toContain('rules.deleted');
    expect(new Set(entries.map((e) => e.target.name))).toEqual(new Set(['Described, renamed']));
  });

  it('a backtest lists, day by day, the entities that matched with their values and what it would have done, writing nothing', async () => {
    const created = await req(owner, { method: 'POST', url: '/api/v1/rules', payload: cpcRule() });
    expect(created.statusCode, created.body).toBe(201);
    const rule = created.json();
    const proposalsBefore = await t.storage.db.selectFrom('proposals').select('id').execute();
    const res = await req(owner, {
      method: 'POST',
      url: `/api/v1/rules/${rule.id}/backtest`,
      payload: { days: 7 },
    });
    expect(res.statusCode, res.body).toBe(200);
    const bt = res.json();
    expect(bt).toMatchObject({ ruleId: rule.id, to: lastDay });
    expect(bt.days).toHaveLength(7);
    expect(bt.nowcast.note).toMatch(/nowcast|as reported/);
    expect(bt.totals.matches).toBeGreaterThan(0);
    expect(bt.totals.matches).toBe(
      bt.days.reduce((s: number, d: { matched: unknown[] }) => s + d.matched.length, 0),
    );
    expect(bt.totals.actions.pause).toBeGreaterThan(0);
    // Every match is right against the stored metrics (this account has no nowcast adjustment).
    expect(bt.nowcast.used).toBe(false);
    for (const d of bt.days)
      for (const m of d.matched) {
        const cpc = await cpcOf(m.entityId, d.date);
        expect(cpc, `${m.entityId} on ${d.date}`).toBeGreaterThan(medianCpc);
        expect(m.conditions[0].value).toBeCloseTo(cpc as number, 0);
        expect(m.wouldDo.map((w: { type: string }) => w.type)).toContain('notify');
      }
    // An entity paused in the replay is not paused again on later days.
    const paused = bt.days.flatMap(
      (d: { matched: Array<{ entityId: string; wouldDo: Array<{ type: string }> }> }) =>
        d.matched.filter((m) => m.wouldDo.some((w) => w.type === 'pause')).map((m) => m.entityId),
    );
    expect(new Set(paused).size).toBe(paused.length);
    expect(await t.storage.db.selectFrom('proposals').select('id').execute()).toEqual(proposalsBefore);
    expect(await t.storage.db.selectFrom('rule_runs').select('id').execute()).toEqual([]);
  });

  it('a run proposes the actions of matching entities as proposals naming the rule, notifies, and respects the cooldown', async () => {
    const rule = (await req(owner, { method: 'GET', url: '/api/v1/rules' })).json().items[0];
    const res = await req(owner, { method: 'POST', url: `/api/v1/rules/${rule.id}/run` });
    expect(res.statusCode, res.body).toBe(200);
    const run = res.json();
    expect(run).toMatchObject({ ruleId: rule.id, trigger: 'manual', status: 'succeeded' });
    expect(run.nowcast.note).toBeTruthy();
    const hits = run.entities.filter((e: { matched: boolean }) => e.matched);
    expect(hits.length).toBeGreaterThan(0);
    expect(run.matched).toBe(hits.length);
    for (const e of run.entities) {
      const cpc = await cpcOf(e.entityId, lastDay);
      expect(e.matched, e.entityId).toBe(cpc !== null && cpc > medianCpc);
    }
    const proposalIds = hits.flatMap((e: { actions: Array<{ proposalId: string | null }> }) =>
      e.actions.map((a) => a.proposalId).filter(Boolean),
    );
    expect(proposalIds.length).toBe(run.proposed);
    const listed = await req(owner, {
      method: 'GET',
      url: `/api/v1/actions?sourceType=rule&sourceId=${rule.id}`,
    });
    const byRule = listed.json().items;
    expect(byRule.map((p: { id: string }) => p.id).sort()).toEqual([...proposalIds].sort());
    for (const p of byRule) {
      expect(p.source).toEqual({ type: 'rule', id: rule.id });
      expect(p.kind).toBe('pause');
      expect(p.reason).toContain('Pause expensive ads');
      expect(['applied', 'pending_approval']).toContain(p.status);
    }
    const mails = (t.mailer as unknown as { sent: Array<{ to: string; subject: string }> }).sent.filter(
      (m) => m.to === 'alerts@agency.example',
    );
    expect(mails).toHaveLength(1);
    expect(mails[0]?.subject).toContain(`${hits.length}`);

    // Within the cooldown the same entities are not acted on again.
    const again = (await req(owner, { method: 'POST', url: `/api/v1/rules/${rule.id}/run` })).json();
    expect(again.proposed).toBe(0);
    expect(
      again.entities.filter((e: { skipped: string | null }) => e.skipped === 'cooldown').length,
    ).toBeGreaterThan(0);
    const runs = await req(owner, { method: 'GET', url: `/api/v1/rules/${rule.id}/runs` });
    expect(runs.json().items.map((r: { id: string }) => r.id)).toEqual([again.id, run.id]);
  });

  it("another organization gets 404 for a rule and for scopes naming this organization's entities", async () => {
    const other = await signUp(t.app, 'rules-other');
    const rule = (await req(owner, { method: 'GET', url: '/api/v1/rules' })).json().items[0];
    for (const [method, url, payload] of [
      ['GET', `/api/v1/rules/${rule.id}`, undefined],
      ['PATCH', `/api/v1/rules/${rule.id}`, { name: 'mine now' }],
      ['POST', `/api/v1/rules/${rule.id}/run`, undefined],
      ['POST', `/api/v1/rules/${rule.id}/disable`, undefined],
      ['GET', `/api/v1/rules/${rule.id}/runs`, undefined],
      ['POST', `/api/v1/rules/${rule.id}/backtest`, { days: 3 }],
      ['DELETE', `/api/v1/rules/${rule.id}`, undefined],
    ] as const) {
      const res = await req(other, { method, url, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await req(other, { method: 'GET', url: '/api/v1/rules' })).json().items).toEqual([]);
    const foreign = await req(other, {
      method: 'POST',
      url: '/api/v1/rules',
      payload: cpcRule({ scope: { level: 'ad_group', campaignId: sim.campaignId } }),
    });
    expect(foreign.statusCode).toBe(404);
    expect((await req(owner, { method: 'GET', url: `/api/v1/rules/${rule.id}` })).json().name).toBe(
      rule.name,
    );
  });
  it('picks up ad groups created after the rule, and the scheduler runs a due tick once', async () => {
    const created = await req(owner, {
      method: 'POST',
      url: '/api/v1/rules',
      payload: cpcRule({
        name: 'Watch the campaign',
        scope: { level: 'ad_group', campaignId: sim.campaignId },
        actions: [{ type: 'notify' }],
        schedule: { cron: '30 9 * * *' },
      }),
    });
    expect(created.statusCode, created.body).toBe(201);
    const rule = created.json();
    expect(rule.nextRunAt).toBe('2026-11-21T09:30:00.000Z');
    // A new ad group of the campaign, as the next sync would bring it.
    const template = await t.storage.db
      .selectFrom('ad_groups')
      .selectAll()
      .where('id', '=', sim.adGroupId)
      .executeTakeFirstOrThrow();
    await t.storage.db
      .insertInto('ad_groups')
      .values({
        ...template,
        id: 'adg_newchildofcampaign000001',
        external_id: 'new-child',
        name: 'New child',
      })
      .execute();

    t.clock.advance(31 * 60_000);
    const first = await t.services.rules.runDue(owner.organizationId);
    const second = await t.services.rules.runDue(owner.organizationId);
    expect(first).toMatchObject({ rules: 1, succeeded: 1 });
    expect(second.rules).toBe(0);
    const runs = (await req(owner, { method: 'GET', url: `/api/v1/rules/${rule.id}/runs` })).json().items;
    expect(runs).toHaveLength(1);
    expect(runs[0].trigger).toBe('schedule');
    expect(runs[0].entities.map((e: { entityId: string }) => e.entityId)).toContain(
      'adg_newchildofcampaign000001',
    );
    const after = (await req(owner, { method: 'GET', url: `/api/v1/rules/${rule.id}` })).json();
    expect(after.nextRunAt).toBe('2026-11-22T09:30:00.000Z');

    // Disabled rules are not due; enabling schedules the next tick again.
    await req(owner, { method: 'POST', url: `/api/v1/rules/${rule.id}/disable` });
    t.clock.advance(86_400_000);
    // (The hourly rule of the earlier tests is due again; this one is not.)
    expect((await t.services.rules.runDue(owner.organizationId)).rules).toBe(1);
    const ctx = systemCtx(owner.organizationId);
    expect((await t.services.rules.runs(ctx, rule.id, { limit: 10 })).items).toHaveLength(1);
    // (A day later the test's access token has expired: straight to the service.)
    const enabled = await t.services.rules.setEnabled(systemCtx(owner.organizationId), rule.id, true);
    expect(enabled).toMatchObject({ enabled: true, nextRunAt: '2026-11-23T09:30:00.000Z' });
  });
});
