/**
 * The ledger on constructed data whose true effects are known: twelve campaigns of one platform with
 * flat, noisy performance; four get a +50% budget through proposals (approved, applied on the
 * simulator) on 2026-10-30, and their later days are rewritten with a known effect on conversions per
 * unit of spend: +40% (helped), none (inconclusive), −33% (hurt), and one reverted two days later.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { testDialect } from '../../storage/testing.ts';
import type { Ctx } from '../auth/context.ts';
import { runLedger } from './ledger.jobs.ts';
import type { LedgerEntry } from './ledger.model.ts';

const END = '2026-11-20';
const APPLIED = '2026-10-30';
const DAYS = 60;
const DAY_MS = 86_400_000;
const dayOf = (i: number) =>
  new Date(Date.parse(`${END}T00:00:00Z`) - (DAYS - 1 - i) * DAY_MS).toISOString().slice(0, 10);

/** Deterministic noise (mulberry32), roughly normal: the mean of three uniforms, scaled to sd 1. */
function noise(seed: number) {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => ((u() + u() + u()) / 3 - 0.5) * Math.sqrt(36);
}

describe(`change ledger on ${testDialect()}`, () => {
  let t: TestApp;
  let a: Signed;
  let b: Signed;
  let ctx: Ctx;
  const treated: Record<'helped' | 'null' | 'hurt' | 'reverted', string> = {
    helped: '',
    null: '',
    hurt: '',
    reverted: '',
  };
  const proposalOf: Record<string, string> = {};

  const get = async (who: Signed, url: string) => t.app.inject({ method: 'GET', url, headers: who.headers });
  const entries = async (qs = '') => {
    const res = await get(a, `/api/v1/ledger${qs}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items as LedgerEntry[];
  };
  const entryOf = async (campaignId: string) => {
    const e = (await entries(`?entityId=${campaignId}`))[0];
    if (!e) throw new Error(`no entry for ${campaignId}`);
    return e;
  };

  /** Rewrites every day's metrics: one row per campaign, flat but noisy, times the effect after the change. */
  async function writeMetrics(
    campaigns: Array<{ id: string; adId: string; adGroupId: string; accountId: string }>,
    upTo: string,
  ) {
    const org = a.organizationId;
    await t.storage.db.deleteFrom('daily_metric_revisions').where('organization_id', '=', org).execute();
    await t.storage.db.deleteFrom('daily_metrics').where('organization_id', '=', org).execute();
    const effect = (id: string): { spend: number; conversions: number } =>
      id === treated.helped
        ? { spend: 1.5, conversions: 1.5 * 1.4 }
        : id === treated.null
          ? { spend: 1.5, conversions: 1.5 }
          : id === treated.hurt
            ? { spend: 1.5, conversions: 1 }
            : { spend: 1, conversions: 1 };
    const rows = [];
    for (const [i, c] of campaigns.entries()) {
      const z = noise(1000 + i);
      const base = 150e6 + i * 12e6;
      const cpa = 3e6 + (i % 4) * 0.4e6;
      for (let d = 0; d < DAYS; d++) {
        const date = dayOf(d);
        if (date > upTo) break;
        const e = date > APPLIED ? effect(c.id) : { spend: 1, conversions: 1 };
        const spend = Math.round(base * e.spend * (1 + 0.06 * z()));
        const conversions = Math.max(0, Math.round((base / cpa) * e.conversions * (1 + 0.06 * z())));
        rows.push({
          organization_id: org,
          ad_id: c.adId,
          date,
          ad_account_id: c.accountId,
          campaign_id: c.id,
          ad_group_id: c.adGroupId,
          client_id: null,
          platform: 'google_ads',
          currency: 'USD',
          impressions: Math.round(spend / 5000),
          clicks: Math.round(spend / 1e6),
          spend_micros: spend,
          conversions,
          conversion_value_micros: 0,
          reach: null,
          frequency: null,
          video_views: null,
          synced_at: `${date}T23:00:00.000Z`,
        });
      }
    }
    for (let i = 0; i < rows.length; i += 200)
      await t.storage.db
        .insertInto('daily_metrics')
        .values(rows.slice(i, i + 200))
        .execute();
  }

  let campaigns: Array<{ id: string; adId: string; adGroupId: string; accountId: string }> = [];

  beforeAll(async () => {
    t = await createTestApp({ clockStart: new Date(`${END}T12:00:00.000Z`) });
    a = await signUp(t.app, 'ledger-a');
    b = await signUp(t.app, 'ledger-b');
    ctx = {
      organizationId: a.organizationId,
      actor: { type: 'user', id: a.userId },
      userId: a.userId,
      role: 'owner',
    };
    const conn = await t.app.inject({
      method: 'POST',
      url: '/api/v1/connections',
      headers: a.headers,
      payload: {
        platform: 'simulator',
        settings: { seed: 'ledger', clients: '1', days: String(DAYS), endDate: END, scale: '3' },
      },
    });
    expect(conn.statusCode, conn.body).toBe(201);
    const sync = await t.app.inject({
      method: 'POST',
      url: `/api/v1/connections/${conn.json().connection.id}/sync`,
      headers: a.headers,
      payload: { kind: 'backfill', days: DAYS },
    });
    expect((await t.services.sync.execute(a.organizationId, sync.json().id)).status).toBe('succeeded');
    const ads = await t.storage.db
      .selectFrom('ads')
      .innerJoin('campaigns', 'campaigns.id', 'ads.campaign_id')
      .select([
        'ads.id as adId',
        'ads.ad_group_id as adGroupId',
        'campaigns.id as id',
        'campaigns.ad_account_id as accountId',
      ])
      .where('ads.organization_id', '=', a.organizationId)
      .where('campaigns.platform', '=', 'google_ads')
      .orderBy('campaigns.external_id')
      .orderBy('ads.id')
      .execute();
    const seen = new Set<string>();
    campaigns = ads.filter((r) => !seen.has(r.id) && seen.add(r.id));
    expect(campaigns.length).toBeGreaterThanOrEqual(10);
    [treated.helped, treated.null, treated.hurt, treated.reverted] = campaigns
      .slice(0, 4)
      .map((c) => c.id) as [string, string, string, string];
    // Data up to 2026-11-10 only: the 7-day scores are due, the 14-day ones not yet.
    await writeMetrics(campaigns, '2026-11-10');

    t.clock.set(new Date(`${APPLIED}T10:00:00.000Z`));
    const sources = {
      helped: { type: 'user' },
      null: { type: 'rule', ruleId: 'rul_budget_up' },
      hurt: { type: 'rule', ruleId: 'rul_budget_up' },
      reverted: { type: 'agent', agentId: (await t.services.agents.list(ctx))[0]?.id ?? '' },
    } as const;
    for (const key of ['helped', 'null', 'hurt', 'reverted'] as const) {
      const { proposal } = await t.services.proposals.propose(
        ctx,
        { kind: 'budget_change', campaignId: treated[key], percent: 50 },
        sources[key],
      );
      expect(proposal.status).toBe('pending_approval');
      const applied = await t.services.proposals.approve(ctx, proposal.id, 'ledger test');
      expect(applied.status).toBe('applied');
      proposalOf[key] = proposal.id;
    }
    t.clock.set(new Date('2026-11-01T09:00:00.000Z'));
    expect((await t.services.proposals.revert(ctx, proposalOf.reverted as string, false)).status).toBe(
      'reverted',
    );
    t.clock.set(new Date(`${END}T12:00:00.000Z`));
  });
  afterAll(() => t.close());

  it('records every applied change as pending before its data exists, and reverts are not changes of their own', async () => {
    // The ledger learns of changes when its job runs; before that it is empty.
    expect(await entries()).toEqual([]);
    const data = await t.storage.db
      .selectFrom('daily_metrics')
      .select('date')
      .where('organization_id', '=', a.organizationId)
      .where('date', '>', '2026-11-05')
      .execute();
    // Hide the days after the 7-day post-period to see pending entries first.
    await t.storage.db
      .deleteFrom('daily_metrics')
      .where('organization_id', '=', a.organizationId)
      .where('date', '>', '2026-11-05')
      .execute();
    const first = await runLedger({ storage: t.storage, ledger: t.services.ledger }, a.organizationId);
    expect(first).toMatchObject({ recorded: 4, scored: 0 });
    expect(data.length).toBeGreaterThan(0);
    const list = await entries();
    expect(list).toHaveLength(4);
    for (const e of list) {
      expect(e.verdict).toBe('pending');
      expect(e.kind).toBe('budget_change');
      expect(e.changePct).toBeCloseTo(50, 0);
      expect(e.pending.map((p) => p.horizonDays)).toEqual([7, 14]);
      expect(e.appliedAt.slice(0, 10)).toBe(APPLIED);
    }
    const reverted = await entryOf(treated.reverted);
    expect(reverted).toMatchObject({
      reverted: true,
      source: { type: 'agent' },
      proposalId: proposalOf.reverted,
    });
    await writeMetrics(campaigns, '2026-11-10');
  });

  it('a +50% budget whose conversions rise 40% more than its spend, against flat controls, helped', async () => {
    const r = await runLedger({ storage: t.storage, ledger: t.services.ledger }, a.organizationId);
    expect(r).toMatchObject({ recorded: 0, scored: 4 });
    const e = await entryOf(treated.helped);
    expect(e.verdict).toBe('helped');
    expect(e.verdictHorizon).toBe(7);
    // Named as the campaign is named now, in the list and on its own.
    const { name } = await t.storage.db
      .selectFrom('campaigns')
      .select('name')
      .where('id', '=', treated.helped)
      .executeTakeFirstOrThrow();
    expect(e.entityName).toBe(name);
    const one = await t.app.inject(as(a, { method: 'GET', url: `/api/v1/ledger/${e.id}` }));
    expect(one.json().entityName).toBe(name);
    const s = e.scores[0];
    expect(s?.metric).toBe('cpa');
    expect(s?.controls).toBeGreaterThanOrEqual(5);
    // True effect on conversions per unit of spend: +40%, inside the interval, which excludes zero.
    expect(s?.loPct).toBeGreaterThan(0);
    expect(s?.loPct).toBeLessThan(40);
    expect(s?.hiPct).toBeGreaterThan(40);
    expect(s?.details.windows).toMatchObject({
      pre: ['2026-10-16', '2026-10-29'],
      post: ['2026-10-31', '2026-11-06'],
    });
    // The changed campaigns are never their own or each other's controls.
    const controlIds = s?.details.controls.map((c) => c.unitId) ?? [];
    for (const id of Object.values(treated)) expect(controlIds).not.toContain(id);
    // In units: CPA fell from about 3.6 USD to about 2.6 against an expected ~3.6; conversions added.
    expect(s?.details.effect?.unit).toBe('micros');
    expect(s?.details.effect?.after).toBeLessThan(s?.details.effect?.expected ?? 0);
    expect(s?.details.effect?.incremental).toBeGreaterThan(0);
    // Spend rose by half relative to the controls.
    expect(s?.details.volume.spendPct).toBeGreaterThan(35);
    expect(s?.details.volume.spendPct).toBeLessThan(65);
  });

  it('the same +50% with conversions rising only as much as spend is inconclusive; with flat conversions it hurt', async () => {
    const none = await entryOf(treated.null);
    expect(none.verdict).toBe('inconclusive');
    expect(none.scores[0]?.loPct).toBeLessThan(0);
    expect(none.scores[0]?.hiPct).toBeGreaterThan(0);
    expect(none.scores[0]?.reason).toMatch(/includes no effect/);
    const hurt = await entryOf(treated.hurt);
    expect(hurt.verdict).toBe('hurt');
    // True effect: 1 / 1.5 − 1 = −33%, inside the interval, which is all below zero.
    expect(hurt.scores[0]?.loPct).toBeLessThan(-100 / 3);
    expect(hurt.scores[0]?.hiPct).toBeGreaterThan(-100 / 3);
    expect(hurt.scores[0]?.hiPct).toBeLessThan(0);
  });

  it('a change reverted two days later is marked and too short to score', async () => {
    const e = await entryOf(treated.reverted);
    expect(e.reverted).toBe(true);
    expect(e.verdict).toBe('inconclusive');
    expect(e.scores[0]?.reason).toMatch(/Reverted or changed again 1 day/);
    expect(e.scores[0]?.details.windows.cutBy).toMatch(/^act_/);
  });

  it('scores the 14-day horizon once its data exists and never rescores the 7-day one', async () => {
    const before = await entryOf(treated.helped);
    await writeMetrics(campaigns, END);
    const r = await runLedger({ storage: t.storage, ledger: t.services.ledger }, a.organizationId);
    expect(r.scored).toBe(4);
    const after = await entryOf(treated.helped);
    expect(after.scores.map((s) => s.horizonDays)).toEqual([7, 14]);
    expect(after.scores[0]).toEqual(before.scores[0]);
    expect(after.verdictHorizon).toBe(14);
    expect(after.verdict).toBe('helped');
    expect(after.pending).toEqual([]);
    expect((await entryOf(treated.hurt)).verdict).toBe('hurt');
    expect(
      await runLedger({ storage: t.storage, ledger: t.services.ledger }, a.organizationId),
    ).toMatchObject({
      recorded: 0,
      scored: 0,
    });
  });

  it('filters by source and verdict, pages with a cursor, and shows a rule’s record', async () => {
    const ruled = await entries('?sourceType=rule&sourceId=rul_budget_up');
    expect(ruled.map((e) => e.entityId).sort()).toEqual([treated.null, treated.hurt].sort());
    expect((await entries('?verdict=helped')).map((e) => e.entityId)).toEqual([treated.helped]);
    const page1 = (await get(a, '/api/v1/ledger?limit=3')).json();
    expect(page1.items).toHaveLength(3);
    const page2 = (await get(a, `/api/v1/ledger?limit=3&cursor=${page1.nextCursor}`)).json();
    expect(page2.items).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();
    const summary = (await get(a, '/api/v1/ledger/summary?sourceType=rule&sourceId=rul_budget_up')).json();
    expect(summary).toMatchObject({
      total: 2,
      helped: 0,
      hurt: 1,
      inconclusive: 1,
      pending: 0,
      withEstimate: 2,
    });
    expect(summary.averageEffectPct).toBeLessThan(0);
    const all = (await get(a, '/api/v1/ledger/summary')).json();
    expect(all).toMatchObject({ total: 4, helped: 1, hurt: 1, inconclusive: 2, reverted: 1 });
    const one = await get(a, `/api/v1/ledger/${ruled[0]?.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json().scores).toHaveLength(2);
    const bad = await get(a, '/api/v1/ledger?sourceId=rul_budget_up');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_input');
  });

  it("another organization's entry is 404 and its lists are empty", async () => {
    const id = (await entries())[0]?.id;
    const res = await get(b, `/api/v1/ledger/${id}`);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    expect((await get(b, '/api/v1/ledger')).json().items).toEqual([]);
    expect((await get(b, '/api/v1/ledger/summary')).json()).toMatchObject({
      total: 0,
      averageEffectPct: null,
    });
  });
});
