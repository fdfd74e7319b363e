/**
 * Issue 5, end to end through the public API: a 60% budget increase proposed at POST /api/v1/actions
 * under the default 20% guardrail is not applied (the simulated platform still holds the old budget),
 * waits for approval; approval applies it on the platform; revert restores the snapshot on the
 * platform; and the audit trail (GET /api/v1/audit) holds all four steps with the people who took them.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  as,
  createTestApp,
  joinOrganization,
  type Signed,
  signUp,
  type TestApp,
} from '../../../test/helpers/app.ts';
import { connectSimulator, type SyncedSimulator } from '../../../test/helpers/simulator.ts';
import { testDialect } from '../../storage/testing.ts';

describe(`a 60% budget increase under the default guardrail, end to end on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let manager: Signed;
  let member: Signed;
  let sim: SyncedSimulator;

  const req = (who: Signed, opts: InjectOptions) => t.app.inject(as(who, opts));

  const join = (role: string) => joinOrganization(t.app, owner, role);

  /** The campaign's daily budget as the simulated platform itself holds it (no sync in between). */
  async function platformBudget(campaignId: string): Promise<number | null> {
    const row = await t.storage.db
      .selectFrom('campaigns')
      .innerJoin('ad_accounts', 'ad_accounts.id', 'campaigns.ad_account_id')
      .select(['campaigns.external_id as campaign', 'ad_accounts.external_id as account'])
      .where('campaigns.id', '=', campaignId)
      .executeTakeFirstOrThrow();
    const { ctx, definition } = await t.services.connections.contextFor(
      owner.organizationId,
      sim.connectionId,
    );
    const structure = await definition.ads!.fetchStructure(ctx, row.account);
    const found = structure.campaigns.find((c) => c.externalId === row.campaign);
    if (!found) throw new Error(`campaign ${row.campaign} is not on the platform`);
    return found.dailyBudgetMicros;
  }

  beforeAll(async () => {
    t = await createTestApp({ env: { OMNIFY_ACCESS_TOKEN_TTL_SECONDS: '86400' } });
    owner = await signUp(t.app, 'e2e-owner');
    sim = await connectSimulator(t, owner, 'actions_e2e');
    manager = await join('manager');
    member = await join('member');
  });
  afterAll(() => t.close());

  it('waits for approval, approval applies it, revert restores it, and the audit trail names who did each step', async () => {
    const campaign = await t.storage.db
      .selectFrom('campaigns')
      .select(['id', 'daily_budget_micros'])
      .where('organization_id', '=', owner.organizationId)
      .where('status', '=', 'active')
      .where('daily_budget_micros', '>', 1_000_000)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const before = Number(campaign.daily_budget_micros);
    expect(await platformBudget(campaign.id)).toBe(before);

    // 1. Proposed by a member: over the 20% a day allowed without approval, so nothing is applied.
    const proposed = await req(member, {
      method: 'POST',
      url: '/api/v1/actions',
      payload: { kind: 'budget_change', campaignId: campaign.id, percent: 60 },
    });
    expect(proposed.statusCode, proposed.body).toBe(201);
    const action = proposed.json().proposal;
    expect(action).toMatchObject({
      status: 'pending_approval',
      kind: 'budget_change',
      before: { dailyBudgetMicros: before },
      after: { dailyBudgetMicros: Math.round(before * 1.6) },
      appliedActionId: null,
    });
    expect(action.checks).toContainEqual(
      expect.objectContaining({ check: 'budget_change_per_day', outcome: 'needs_approval' }),
    );
    expect(await platformBudget(campaign.id)).toBe(before);
    const waiting = await req(owner, { method: 'GET', url: '/api/v1/actions?status=pending_approval' });
    expect(waiting.json().items.map((a: { id: string }) => a.id)).toContain(action.id);
    // The member who proposed cannot approve it.
    expect(
      (await req(member, { method: 'POST', url: `/api/v1/actions/${action.id}/approve`, payload: {} }))
        .statusCode,
    ).toBe(403);
    expect(await platformBudget(campaign.id)).toBe(before);

    // 2. Approved by a manager: applied on the platform.
    const approved = await req(manager, {
      method: 'POST',
      url: `/api/v1/actions/${action.id}/approve`,
      payload: { comment: 'Launch week' },
    });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'applied', decidedBy: manager.userId });
    expect(await platformBudget(campaign.id)).toBe(Math.round(before * 1.6));
    const writeBack = await req(owner, {
      method: 'GET',
      url: `/api/v1/write-backs/${approved.json().appliedActionId}`,
    });
    expect(writeBack.json()).toMatchObject({
      status: 'applied',
      before: { dailyBudgetMicros: before },
      after: { dailyBudgetMicros: Math.round(before * 1.6) },
    });

    // 3. Reverted by the owner: the snapshot is back on the platform.
    const reverted = await req(owner, {
      method: 'POST',
      url: `/api/v1/actions/${action.id}/revert`,
      payload: { comment: 'The client asked to keep last month’s budget' },
    });
    expect(reverted.statusCode, reverted.body).toBe(200);
    expect(reverted.json()).toMatchObject({ status: 'reverted', revertedBy: owner.userId });
    expect(await platformBudget(campaign.id)).toBe(before);
    expect((await req(owner, { method: 'GET', url: `/api/v1/actions/${action.id}` })).json().status).toBe(
      'reverted',
    );

    // 4. The audit trail, oldest first: every step with its actor.
    const trail = await req(owner, {
      method: 'GET',
      url: `/api/v1/audit?targetType=proposal&targetId=${action.id}`,
    });
    expect(trail.statusCode, trail.body).toBe(200);
    const steps = trail
      .json()
      .items.reverse()
      .map((e: { action: string; actor: { type: string; id: string } }) => [e.action, e.actor.id]);
    expect(steps).toEqual([
      ['proposals.created', member.userId],
      ['proposals.approved', manager.userId],
      ['proposals.applied', manager.userId],
      ['proposals.reverted', owner.userId],
    ]);
    // The reason given for the revert is read there.
    expect(trail.json().items[0].metadata.comment).toBe('The client asked to keep last month’s budget');
    // The two platform writes are audited on the campaign too, each with the before/after it saw.
    const writes = await req(owner, {
      method: 'GET',
      url: `/api/v1/audit?action=actions.applied&targetId=${campaign.id}`,
    });
    expect(
      writes
        .json()
        .items.reverse()
        .map((e: { actor: { id: string }; metadata: { after: unknown } }) => [e.actor.id, e.metadata.after]),
    ).toEqual([
      [manager.userId, { dailyBudgetMicros: Math.round(before * 1.6) }],
      [owner.userId, { dailyBudgetMicros: before }],
    ]);
  });
});
