import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  as,
  createTestApp,
  joinOrganization,
  type Signed,
  signUp,
  type TestApp,
  uniqueEmail,
} from '../../../test/helpers/app.ts';
import { connectSimulator, type SyncedSimulator } from '../../../test/helpers/simulator.ts';
import { testDialect } from '../../storage/testing.ts';
import { type Ctx, systemCtx } from '../auth/context.ts';

const policyBase = { minHoursBetweenChanges: 0 };

describe(`proposed actions, guardrails, approvals and revert on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let manager: Signed;
  let member: Signed;
  let viewer: Signed;
  let sim: SyncedSimulator;
  /**
   * Campaigns with a daily budget, taken in turn (three in the small simulator account): tests that
   * share one see each other's changes of the day, so each reads its own before and the traces in the
   * comments follow the order.
   */
  let campaigns: string[];
  let next = 0;
  const campaign = () => campaigns[next++ % campaigns.length] as string;

  const req = (who: Signed, opts: InjectOptions) => t.app.inject(as(who, opts));
  const propose = (who: Signed, payload: Record<string, unknown>) =>
    req(who, { method: 'POST', url: '/api/v1/actions', payload });
  const decide = (who: Signed, id: string, verb: 'approve' | 'reject' | 'revert', payload: object = {}) =>
    req(who, { method: 'POST', url: `/api/v1/actions/${id}/${verb}`, payload });
  const budgetOf = async (id: string) =>
    Number(
      (
        await t.storage.db
          .selectFrom('campaigns')
          .select('daily_budget_micros')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).daily_budget_micros,
    );
  /** The budget as the platform reports it: a fresh sync from the simulator, then the synced row. */
  const platformBudget = async (id: string) => {
    const sync = await req(owner, {
      method: 'POST',
      url: `/api/v1/connections/${sim.connectionId}/sync`,
      payload: { kind: 'incremental' },
    });
    expect(sync.statusCode, sync.body).toBe(202);
    const run = await t.services.sync.execute(owner.organizationId, sync.json().id);
    expect(run.status).toBe('succeeded');
    return budgetOf(id);
  };
  const auditFor = async (proposalId: string) =>
    (
      await t.storage.db
        .selectFrom('audit_log')
        .select(['action', 'actor_type', 'actor_id'])
        .where('target_id', '=', proposalId)
        .orderBy('seq')
        .execute()
    ).map((r) => r.action);

  const join = (role: string) => joinOrganization(t.app, owner, role);

  beforeAll(async () => {
    t = await createTestApp({ env: { OMNIFY_ACCESS_TOKEN_TTL_SECONDS: '86400' } });
    owner = await signUp(t.app, 'proposals-owner');
    sim = await connectSimulator(t, owner, 'proposals');
    manager = await join('manager');
    member = await join('member');
    viewer = await join('viewer');
    campaigns = (
      await t.storage.db
        .selectFrom('campaigns')
        .select('id')
        .where('organization_id', '=', owner.organizationId)
        .where('daily_budget_micros', '>', 1_000_000)
        .where('status', '=', 'active')
        .orderBy('id')
        .execute()
    ).map((r) => r.id);
    expect(campaigns.length).toBeGreaterThanOrEqual(3);
    // Reuse of a campaign within the hour would otherwise need approval (proposals.policy.test.ts covers it).
    await t.services.proposals.policies.put(systemCtx(owner.organizationId), null, policyBase);
  });
  afterAll(() => t.close());

  it('a budget change within the guardrails is applied at once on the platform and audited', async () => {
    const id = campaign();
    const before = await budgetOf(id);
    const res = await propose(owner, {
      kind: 'budget_change',
      campaignId: id,
      percent: 10,
      reason: 'ROAS is up',
    });
    expect(res.statusCode, res.body).toBe(201);
    const p = res.json().proposal;
    expect(p.status).toBe('applied');
    // A person's proposal names the person, and can be listed by them.
    expect(p.source).toEqual({ type: 'user', id: owner.userId });
    const mine = await req(owner, {
      method: 'GET',
      url: `/api/v1/actions?sourceType=user&sourceId=${owner.userId}`,
    });
    expect(mine.json().items.map((x: { id: string }) => x.id)).toContain(p.id);
    expect(p.before.dailyBudgetMicros).toBe(before);
    expect(p.after.dailyBudgetMicros).toBe(Math.round(before * 1.1));
    expect(p.risk).toBe('low');
    expect(p.checks.every((c: { outcome: string }) => c.outcome === 'pass')).toBe(true);
    expect(await budgetOf(id)).toBe(Math.round(before * 1.1));
    const action = await req(owner, { method: 'GET', url: `/api/v1/write-backs/${p.appliedActionId}` });
    expect(action.json()).toMatchObject({
      status: 'applied',
      before: { dailyBudgetMicros: before },
      requested: { dailyBudgetMicros: Math.round(before * 1.1) },
      proposal: { id: p.id, role: 'apply' },
      ledgerEntryId: null,
    });
    // Once the ledger has recorded the change, the write-back names its entry.
    await t.services.ledger.record(owner.organizationId);
    const entry = (await req(owner, { method: 'GET', url: `/api/v1/ledger?entityId=${id}` }))
      .json()
      .items.find((e: { writeActionId: string }) => e.writeActionId === p.appliedActionId);
    expect(entry).toBeDefined();
    const listed = await req(owner, { method: 'GET', url: `/api/v1/write-backs?entityId=${id}` });
    expect(listed.json().items.find((w: { id: string }) => w.id === p.appliedActionId).ledgerEntryId).toBe(
      entry.id,
    );
    expect(await auditFor(p.id)).toEqual(['proposals.created', 'proposals.applied']);
  });

  it('a budget cut to 0 is refused when proposed (no platform takes it: a pause is the way), not at the platform', async () => {
    const id = campaign();
    for (const body of [{ percent: -100 }, { dailyBudgetMicros: 0 }]) {
      const res = await propose(owner, { kind: 'budget_change', campaignId: id, ...body });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.message).toMatch(/propose a pause instead/);
    }
    const direct = await req(owner, {
      method: 'POST',
      url: '/api/v1/write-backs',
      payload: {
        type: 'set_daily_budget',
        level: 'campaign',
        entityId: id,
        dailyBudgetMicros: 0,
        idempotencyKey: 'zero-budget-1',
      },
    });
    expect(direct.statusCode).toBe(400);
  });

  it('concurrent proposals for one entity are decided one at a time: one applies, the others wait for approval', async () => {
    const ctx = systemCtx(owner.organizationId);
    await t.services.proposals.policies.put(ctx, null, { minHoursBetweenChanges: 1 });
    try {
      const id = campaign();
      const before = await budgetOf(id);
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          propose(owner, { kind: 'budget_change', campaignId: id, percent: 5 }),
        ),
      );
      const statuses = results.map((r) => {
        expect(r.statusCode, r.body).toBe(201);
        return r.json().proposal.status as string;
      });
      expect(statuses.filter((x) => x === 'applied')).toHaveLength(1);
      expect(statuses.filter((x) => x === 'pending_approval')).toHaveLength(5);
      // The platform saw one change.
      expect(await budgetOf(id)).toBe(Math.round(before * 1.05));
    } finally {
      await t.services.proposals.policies.put(ctx, null, policyBase);
    }
  });

  it('a 60% increase under the 20% guardrail waits; approval applies it; revert restores it; all audited', async () => {
    const id = campaign();
    const before = await budgetOf(id);
    const res = await propose(member, { kind: 'budget_change', campaignId: id, percent: 60 });
    expect(res.statusCode, res.body).toBe(201);
    const p = res.json().proposal;
    expect(p.status).toBe('pending_approval');
    expect(p.checks).toContainEqual(
      expect.objectContaining({ check: 'budget_change_per_day', outcome: 'needs_approval' }),
    );
    expect(p.risk).toBe('high');
    expect(await budgetOf(id)).toBe(before);

    for (const who of [member, viewer]) {
      const refused = await decide(who, p.id, 'approve');
      expect(refused.statusCode).toBe(403);
    }
    expect(await budgetOf(id)).toBe(before);

    const approved = await decide(manager, p.id, 'approve', { comment: 'Launch week' });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({
      status: 'applied',
      decidedBy: manager.userId,
      decisionComment: 'Launch week',
    });
    expect(await budgetOf(id)).toBe(Math.round(before * 1.6));
    const campaignNow = await req(owner, { method: 'GET', url: `/api/v1/campaigns/${id}` });
    expect(campaignNow.json().dailyBudgetMicros).toBe(Math.round(before * 1.6));
    expect(await platformBudget(id)).toBe(Math.round(before * 1.6));

    const reverted = await decide(owner, p.id, 'revert');
    expect(reverted.statusCode, reverted.body).toBe(200);
    expect(reverted.json()).toMatchObject({ status: 'reverted', revertedBy: owner.userId });
    expect(await budgetOf(id)).toBe(before);
    const revertAction = await req(owner, {
      method: 'GET',
      url: `/api/v1/write-backs/${reverted.json().revertActionId}`,
    });
    expect(revertAction.json().after).toEqual({ dailyBudgetMicros: before });
    expect(revertAction.json().proposal).toEqual({ id: p.id, role: 'revert' });
    expect(await platformBudget(id)).toBe(before);

    expect(await auditFor(p.id)).toEqual([
      'proposals.created',
      'proposals.approved',
      'proposals.applied',
      'proposals.reverted',
    ]);
    const again = await decide(owner, p.id, 'revert');
    expect(again.statusCode).toBe(409);
    expect(await budgetOf(id)).toBe(before);
  });

  it('a rejected proposal is never applied and cannot be approved afterwards', async () => {
    const id = campaign();
    const before = await budgetOf(id);
    const p = (await propose(owner, { kind: 'budget_change', campaignId: id, amountMicros: before })).json()
      .proposal;
    expect(p.status).toBe('pending_approval');
    const rejected = await decide(manager, p.id, 'reject', { comment: 'Not this month' });
    expect(rejected.json()).toMatchObject({ status: 'rejected', decisionComment: 'Not this month' });
    expect((await decide(owner, p.id, 'approve')).statusCode).toBe(409);
    expect(await budgetOf(id)).toBe(before);
    expect(await auditFor(p.id)).toEqual(['proposals.created', 'proposals.rejected']);
  });

  it("a manager below the policy's approverRole gets 403 forbidden naming the role needed; an admin approves", async () => {
    const ctx = systemCtx(owner.organizationId);
    await t.services.proposals.policies.put(ctx, null, { ...policyBase, approverRole: 'admin' });
    try {
      const id = campaign();
      const before = await budgetOf(id);
      const p = (await propose(owner, { kind: 'budget_change', campaignId: id, percent: 30 })).json()
        .proposal;
      expect(p.status).toBe('pending_approval');
      for (const verb of ['approve', 'reject'] as const) {
        const refused = await decide(manager, p.id, verb);
        expect(refused.statusCode).toBe(403);
        expect(refused.json().error).toMatchObject({
          code: 'forbidden',
          details: { requiredRole: 'admin', role: 'manager' },
        });
      }
      expect(await budgetOf(id)).toBe(before);
      const admin = await join('admin');
      const approved = await decide(admin, p.id, 'approve');
      expect(approved.statusCode, approved.body).toBe(200);
      expect(approved.json().status).toBe('applied');
    } finally {
      await t.services.proposals.policies.put(ctx, null, policyBase);
    }
  });

  it('revert after a newer change to the entity answers 409 naming it, and force reverts anyway', async () => {
    const id = campaign();
    const original = await budgetOf(id);
    const p = (await propose(owner, { kind: 'budget_change', campaignId: id, percent: -10 })).json().proposal;
    expect(p.status).toBe('applied');
    const newer = await req(owner, {
      method: 'POST',
      url: '/api/v1/write-backs',
      payload: {
        type: 'set_daily_budget',
        level: 'campaign',
        entityId: id,
        dailyBudgetMicros: original + 5_000_000,
        idempotencyKey: `newer-${id}`,
      },
    });
    expect(newer.statusCode, newer.body).toBe(200);
    const refused = await decide(owner, p.id, 'revert');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.details.newerActionId).toBe(newer.json().action.id);
    expect(refused.json().error.message).toContain(newer.json().action.id);
    expect(await budgetOf(id)).toBe(original + 5_000_000);
    const forced = await decide(owner, p.id, 'revert', { force: true });
    expect(forced.statusCode, forced.body).toBe(200);
    expect(await budgetOf(id)).toBe(original);
  });

  it('a proposal above two-approver threshold needs two different approvers', async () => {
    const id = campaign();
    const before = await budgetOf(id);
    const p = (await propose(owner, { kind: 'budget_change', campaignId: id, percent: 150 })).json().proposal;
    expect(p).toMatchObject({ status: 'pending_approval', requiredApprovals: 2 });
    const first = await decide(owner, p.id, 'approve');
    expect(first.json()).toMatchObject({ status: 'pending_approval', approvals: [{ by: owner.userId }] });
    expect((await decide(owner, p.id, 'approve')).statusCode).toBe(409);
    expect(await budgetOf(id)).toBe(before);
    const second = await decide(manager, p.id, 'approve');
    expect(second.json().status).toBe('applied');
    expect(await budgetOf(id)).toBe(Math.round(before * 2.5));
    expect(await auditFor(p.id)).toEqual([
      'proposals.created',
      'proposals.approval_recorded',
      'proposals.approved',
      'proposals.applied',
    ]);
  });

  it("an agent's own stricter limit sends its change to approval, with the agent as the audited actor", async () => {
    const id = campaign();
    const agent = (await req(owner, { method: 'GET', url: '/api/v1/agents' }))
      .json()
      .items.find((a: { kind: string }) => a.kind === 'marketing_automation');
    const ctx: Ctx = {
      organizationId: owner.organizationId,
      actor: { type: 'agent', id: agent.id },
      userId: null,
      role: 'manager',
    };
    const { proposal } = await t.services.proposals.propose(
      ctx,
      { kind: 'budget_change', campaignId: id, percent: 15 },
      { type: 'agent', agentId: agent.id },
    );
    expect(proposal).toMatchObject({
      status: 'pending_approval',
      source: { type: 'agent', id: 'marketing_automation' },
    });
    const created = await t.storage.db
      .selectFrom('audit_log')
      .select(['actor_type', 'actor_id'])
      .where('target_id', '=', proposal.id)
      .executeTakeFirstOrThrow();
    expect(created).toEqual({ actor_type: 'agent', actor_id: agent.id });
    await expect(t.services.proposals.approve(ctx, proposal.id, null)).rejects.toThrow(/people/);
    await t.services.agents.update(systemCtx(owner.organizationId), agent.id, { enabled: false });
    await expect(
      t.services.proposals.propose(
        ctx,
        { kind: 'budget_change', campaignId: id, percent: 5 },
        { type: 'agent', agentId: agent.id },
      ),
    ).rejects.toThrow(/disabled/);
  });

  it('guardrail policy: readable by the organization, changed only by owners and admins, audited', async () => {
    const got = await req(viewer, { method: 'GET', url: '/api/v1/guardrails' });
    expect(got.json().policy).toMatchObject({ autoApproveBudgetChangePct: 20, approverRole: 'manager' });
    const put = { settings: { ...policyBase, lockedEntityIds: [sim.adId], maxBudgetChangePct: 100 } };
    expect((await req(manager, { method: 'PUT', url: '/api/v1/guardrails', payload: put })).statusCode).toBe(
      403,
    );
    const saved = await req(owner, { method: 'PUT', url: '/api/v1/guardrails', payload: put });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().policy).toMatchObject({
      lockedEntityIds: [sim.adId],
      maxBudgetChangePct: 100,
      autoApproveBudgetChangePct: 20,
    });
    const audited = await t.storage.db
      .selectFrom('audit_log')
      .select('action')
      .where('organization_id', '=', owner.organizationId)
      .where('action', '=', 'guardrails.updated')
      .where('actor_id', '=', owner.userId)
      .execute();
    expect(audited).toHaveLength(1);
  });

  it('locked entity ids must name campaigns, ad groups, ads or contacts of the organization: unknown ones are 404 and nothing is stored', async () => {
    const before = (await req(owner, { method: 'GET', url: '/api/v1/guardrails' })).json();
    const other = await signUp(t.app, 'proposals-other-locks');
    const foreignSim = await connectSimulator(t, other, 'foreign_locks');
    const typo = 'cmp_00000000000000000000000000';
    for (const [ids, unknown] of [
      [[sim.campaignId, typo], [typo]],
      [[sim.adGroupId, foreignSim.campaignId, sim.adId], [foreignSim.campaignId]],
    ] as const) {
      const res = await req(owner, {
        method: 'PUT',
        url: '/api/v1/guardrails',
        payload: { settings: { ...policyBase, lockedEntityIds: ids } },
      });
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json().error).toMatchObject({
        code: 'not_found',
        details: { field: 'settings.lockedEntityIds', ids: unknown },
      });
      expect(res.json().error.message).toContain(unknown[0]);
    }
    // Another organization's campaign and a made-up id read alike.
    const shape = async (id: string) => {
      const res = await req(owner, {
        method: 'PUT',
        url: '/api/v1/guardrails',
        payload: { settings: { lockedEntityIds: [id] } },
      });
      const { requestId: _, ...error } = res.json().error;
      return JSON.parse(JSON.stringify(error).replaceAll(id, '<id>'));
    };
    expect(await shape(foreignSim.campaignId)).toEqual(await shape(typo));
    expect((await req(owner, { method: 'GET', url: '/api/v1/guardrails' })).json()).toEqual(before);
    // The organization's own entities of every kind are accepted.
    const own = [sim.campaignId, sim.adGroupId, sim.adId];
    const saved = await req(owner, {
      method: 'PUT',
      url: '/api/v1/guardrails',
      payload: { settings: { ...before.settings, lockedEntityIds: own } },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().policy.lockedEntityIds).toEqual(own);
    const restored = await req(owner, {
      method: 'PUT',
      url: '/api/v1/guardrails',
      payload: { settings: before.settings },
    });
    expect(restored.statusCode, restored.body).toBe(200);
  });

  it('a proposal blocked by guardrails (protected entity, too large a change) is stored with its checks and cannot be approved', async () => {
    const locked = (await propose(owner, { kind: 'pause', adId: sim.adId })).json().proposal;
    expect(locked.status).toBe('blocked');
    expect(locked.checks).toContainEqual(
      expect.objectContaining({ check: 'locked_entity', outcome: 'blocked' }),
    );
    const refused = await decide(owner, locked.id, 'approve');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toContain('locked_entity');
    const ad = await t.storage.db
      .selectFrom('ads')
      .select('status')
      .where('id', '=', sim.adId)
      .executeTakeFirstOrThrow();
    expect(ad.status).toBe('active');

    const id = campaign();
    const before = await budgetOf(id);
    const tooLarge = (await propose(owner, { kind: 'budget_change', campaignId: id, percent: 300 })).json()
      .proposal;
    expect(tooLarge.status).toBe('blocked');
    expect(tooLarge.checks).toContainEqual(
      expect.objectContaining({ check: 'max_budget_change_pct', outcome: 'blocked' }),
    );
    expect((await decide(owner, tooLarge.id, 'approve')).statusCode).toBe(409);
    expect(await budgetOf(id)).toBe(before);
    const blocked = await req(owner, { method: 'GET', url: '/api/v1/actions?status=blocked' });
    expect(
      blocked
        .json()
        .items.map((x: { id: string }) => x.id)
        .sort(),
    ).toEqual([locked.id, tooLarge.id].sort());
  });

  it('another organization gets 404 for a proposal and cannot decide on it', async () => {
    const other = await signUp(t.app, 'proposals-other');
    const p = (await req(owner, { method: 'GET', url: '/api/v1/actions?limit=1' })).json().items[0];
    expect((await req(other, { method: 'GET', url: `/api/v1/actions/${p.id}` })).statusCode).toBe(404);
    for (const verb of ['approve', 'reject', 'revert'] as const)
      expect((await decide(other, p.id, verb)).statusCode).toBe(404);
    const list = await req(other, { method: 'GET', url: '/api/v1/actions' });
    expect(list.json().items).toEqual([]);
    expect((await propose(other, { kind: 'pause', campaignId: campaigns[0] })).statusCode).toBe(404);
  });

  it('a proposal past its expiry reads as expired and cannot be approved', async () => {
    await t.services.proposals.policies.put(systemCtx(owner.organizationId), null, {
      ...policyBase,
      proposalTtlHours: 1,
    });
    const id = campaign();
    const before = await budgetOf(id);
    const p = (await propose(owner, { kind: 'budget_change', campaignId: id, percent: 50 })).json().proposal;
    expect(p.status).toBe('pending_approval');
    t.clock.advance(2 * 3_600_000);
    expect((await req(owner, { method: 'GET', url: `/api/v1/actions/${p.id}` })).json().status).toBe(
      'expired',
    );
    const refused = await decide(owner, p.id, 'approve');
    expect(refused.statusCode).toBe(409);
    expect(await budgetOf(id)).toBe(before);
    const row = await t.storage.db
      .selectFrom('proposals')
      .select('status')
      .where('id', '=', p.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('expired');
    expect(await auditFor(p.id)).toEqual(['proposals.created', 'proposals.expired']);
  });
  it("a client's guardrail overrides apply to that client's entities only; another organization's client is 404", async () => {
    const client = await req(owner, {
      method: 'POST',
      url: '/api/v1/clients',
      payload: { name: 'Strict client', email: uniqueEmail('strict') },
    });
    const clientId = client.json().id;
    const id = campaign();
    // As a sync of a connection assigned to the client would.
    await t.storage.db.updateTable('campaigns').set({ client_id: clientId }).where('id', '=', id).execute();
    const put = await req(owner, {
      method: 'PUT',
      url: '/api/v1/guardrails',
      payload: { clientId, settings: { autoApproveBudgetChangePct: 5 } },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ clientId, settings: { autoApproveBudgetChangePct: 5 } });
    const read = await req(viewer, { method: 'GET', url: `/api/v1/guardrails?clientId=${clientId}` });
    expect(read.json().policy).toMatchObject({ autoApproveBudgetChangePct: 5, minHoursBetweenChanges: 0 });
    expect(
      (await req(viewer, { method: 'GET', url: '/api/v1/guardrails' })).json().policy
        .autoApproveBudgetChangePct,
    ).toBe(20);

    const p = (await propose(owner, { kind: 'budget_change', campaignId: id, percent: 8 })).json().proposal;
    expect(p).toMatchObject({ status: 'pending_approval', clientId });
    expect(p.checks.find((c: { check: string }) => c.check === 'budget_change_per_day').message).toContain(
      'against 5%',
    );

    const other = await signUp(t.app, 'proposals-other-client');
    const foreign = await req(other, { method: 'GET', url: `/api/v1/guardrails?clientId=${clientId}` });
    expect(foreign.statusCode).toBe(404);
    const foreignPut = await req(other, {
      method: 'PUT',
      url: '/api/v1/guardrails',
      payload: { clientId, settings: { autoApproveBudgetChangePct: 100 } },
    });
    expect(foreignPut.statusCode).toBe(404);
  });
  it('pauses count the live ads left in the ad group, and increases the projected month spend, from the stored data', async () => {
    await t.services.proposals.policies.put(systemCtx(owner.organizationId), null, {
      ...policyBase,
      minLiveAdsPerAdGroup: 100,
      monthlySpendCeilingMicros: 1_000_000,
    });
    const ad = await t.storage.db
      .selectFrom('ads')
      .select(['id', 'ad_group_id'])
      .where('organization_id', '=', owner.organizationId)
      .where('status', '=', 'active')
      .where('id', '!=', sim.adId)
      .executeTakeFirstOrThrow();
    const live = await t.storage.db
      .selectFrom('ads')
      .select('id')
      .where('ad_group_id', '=', ad.ad_group_id)
      .where('status', '=', 'active')
      .execute();
    const paused = (await propose(owner, { kind: 'pause', adId: ad.id })).json().proposal;
    expect(paused.status).toBe('pending_approval');
    const check = paused.checks.find((c: { check: string }) => c.check === 'min_live_ads_per_ad_group');
    expect(check).toMatchObject({ outcome: 'needs_approval' });
    expect(check.message).toContain(`${live.length - 1} active ads would remain`);

    const increase = (
      await propose(owner, { kind: 'budget_change', campaignId: campaign(), percent: 1 })
    ).json().proposal;
    expect(increase.checks).toContainEqual(
      expect.objectContaining({ check: 'monthly_spend_ceiling', outcome: 'needs_approval' }),
    );
    expect(increase.expectedImpact.dailyBudgetDeltaMicros).toBe(
      increase.after.dailyBudgetMicros - increase.before.dailyBudgetMicros,
    );
  });
  it('a repeated idempotency key returns the first proposal and applies nothing twice', async () => {
    const id = campaign();
    const body = { kind: 'budget_change', campaignId: id, percent: 2, idempotencyKey: `retry-${id}` };
    const first = await propose(owner, body);
    const again = await propose(owner, body);
    expect(again.json()).toMatchObject({ replayed: true, proposal: { id: first.json().proposal.id } });
    const rows = await t.storage.db
      .selectFrom('proposals')
      .select('id')
      .where('idempotency_key', '=', `retry-${id}`)
      .execute();
    expect(rows).toHaveLength(1);
    const other = await propose(owner, { ...body, kind: 'pause' });
    expect(other.statusCode).toBe(409);
  });
  it('approval is refused when the entity changed after the proposal was made, and nothing is recorded', async () => {
    const id = campaign();
    const p = (await propose(owner, { kind: 'budget_change', campaignId: id, percent: 40 })).json().proposal;
    expect(p.status).toBe('pending_approval');
    const changed = await req(owner, {
      method: 'POST',
      url: '/api/v1/write-backs',
      payload: {
        type: 'set_daily_budget',
        level: 'campaign',
        entityId: id,
        dailyBudgetMicros: p.before.dailyBudgetMicros + 1_000_000,
        idempotencyKey: `meanwhile-${p.id}`,
      },
    });
    expect(changed.statusCode).toBe(200);
    const refused = await decide(owner, p.id, 'approve');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toContain('changed since');
    expect((await req(owner, { method: 'GET', url: `/api/v1/actions/${p.id}` })).json()).toMatchObject({
      status: 'pending_approval',
      approvals: [],
    });
    expect(await budgetOf(id)).toBe(p.before.dailyBudgetMicros + 1_000_000);
  });

  it('a revert whose earlier attempt failed takes a new idempotency key and restores the snapshot', async () => {
    await t.services.proposals.policies.put(systemCtx(owner.organizationId), null, policyBase);
    const id = campaign();
    const original = await budgetOf(id);
    const p = (await propose(owner, { kind: 'budget_change', campaignId: id, percent: 3 })).json().proposal;
    expect(p.status).toBe('applied');
    const applied = await t.storage.db
      .selectFrom('write_actions')
      .selectAll()
      .where('id', '=', p.appliedActionId)
      .executeTakeFirstOrThrow();
    // What a revert that the platform refused leaves behind: its key claimed, the action failed.
    await t.storage.db
      .insertInto('write_actions')
      .values({
        ...applied,
        id: `act_${'0'.repeat(25)}1`,
        idempotency_key: `revert:${p.id}`,
        status: 'failed',
        error: 'platform down',
        before: null,
        after: null,
        applied_at: null,
      })
      .execute();
    const reverted = await decide(owner, p.id, 'revert');
    expect(reverted.statusCode, reverted.body).toBe(200);
    expect(await budgetOf(id)).toBe(original);
    const key = await t.storage.db
      .selectFrom('write_actions')
      .select('idempotency_key')
      .where('id', '=', reverted.json().revertActionId)
      .executeTakeFirstOrThrow();
    expect(key.idempotency_key).toBe(`revert:${p.id}:1`);
  });
});
