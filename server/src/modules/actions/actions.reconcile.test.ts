/**
 * Interrupted write-backs, settled by the reconciler. The crash is real code stopped in its tracks:
 * the simulator's connector is wrapped so that a write-back's platform call never returns, either
 * after the platform took the change or before it was sent — what the database holds after a process
 * is killed there (the proposal `approved`, its write-back `pending`). The sweep then reads the
 * platform through the connector and settles both, audited with the system actor; revert works
 * afterwards.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { connectSimulator, type SyncedSimulator } from '../../../test/helpers/simulator.ts';
import { testDialect } from '../../storage/testing.ts';
import type { ConnectorDefinition } from '../connectors/connector.port.ts';
import { createConnectorRegistry } from '../connectors/registry.ts';
import { createMemoryStore, createSimulator } from '../connectors/simulator/index.ts';

type Crash = 'none' | 'after_call' | 'before_call' | 'slow';

describe(`reconciling interrupted write-backs on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let sim: SyncedSimulator;
  let crash: Crash = 'none';
  let failReads = false;
  /** Resolves when a write-back's platform call got stuck (the "process" is dead from then on). */
  let stuck: () => void = () => undefined;
  /** Lets a 'slow' platform call go on. */
  let release: () => void = () => undefined;
  const hang = () =>
    new Promise<never>(() => {
      stuck();
    });

  const base = createSimulator({
    store: createMemoryStore(),
    faults: { next: (c) => (failReads && c.method === 'GET' ? 'expired_token' : undefined) },
  });
  const simulator: ConnectorDefinition = {
    ...base,
    ads: {
      ...base.ads!,
      async apply(ctx, account, action) {
        if (crash === 'before_call') return hang();
        if (crash === 'slow') {
          // A call that is still under way when the sweep runs, then reaches the platform.
          await new Promise<void>((resolve) => {
            release = resolve;
            stuck();
          });
          return base.ads!.apply(ctx, account, action);
        }
        const result = await base.ads!.apply(ctx, account, action);
        if (crash === 'after_call') return hang();
        return result;
      },
    },
    crm: {
      ...base.crm!,
      async sendMessage(ctx, p) {
        const result = await base.crm!.sendMessage(ctx, p);
        if (crash === 'after_call') return hang();
        return result;
      },
    },
  };

  const req = (who: Signed, opts: InjectOptions) => t.app.inject(as(who, opts));
  const MINUTE = 60_000;

  /** The entity as the platform itself shows it now (no sync in between). */
  async function onPlatform(campaignId: string) {
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
    const found = (await definition.ads!.fetchStructure(ctx, row.account)).campaigns.find(
      (c) => c.externalId === row.campaign,
    );
    if (!found) throw new Error(`campaign ${row.campaign} is not on the platform`);
    return { status: found.status, dailyBudgetMicros: found.dailyBudgetMicros };
  }

  /** Sends the request with the platform call set to get stuck, and returns once it has. */
  async function interrupted(mode: Crash, opts: InjectOptions) {
    crash = mode;
    const reached = new Promise<void>((resolve) => {
      stuck = resolve;
    });
    // Never answered: the process "died" during the platform call.
    void req(owner, opts);
    await reached;
    crash = 'none';
  }

  const writeBack = (key: string) =>
    t.storage.db
      .selectFrom('write_actions')
      .selectAll()
      .where('organization_id', '=', owner.organizationId)
      .where('idempotency_key', '=', key)
      .executeTakeFirstOrThrow();
  const proposal = async (id: string) =>
    (await req(owner, { method: 'GET', url: `/api/v1/actions/${id}` })).json();
  const auditOf = async (targetId: string, action: string) =>
    t.storage.db
      .selectFrom('audit_log')
      .select(['actor_type', 'actor_id', 'metadata'])
      .where('organization_id', '=', owner.organizationId)
      .where('target_id', '=', targetId)
      .where('action', '=', action)
      .execute();

  /** A write-back's claim as if made `days` ago (the clock stays: sessions and tokens would expire). */
  const ageClaim = (key: string, days: number) =>
    t.storage.db
      .updateTable('write_actions')
      .set({ created_at: new Date(t.clock.now().getTime() - days * 24 * 60 * MINUTE).toISOString() })
      .where('organization_id', '=', owner.organizationId)
      .where('idempotency_key', '=', key)
      .execute();
  /** The simulator connection back to active (a failed read marks it needs_reconnect). */
  const reactivate = () =>
    t.storage.db
      .updateTable('connections')
      .set({ status: 'active', last_error: null })
      .where('id', '=', sim.connectionId)
      .execute();

  let campaigns: string[];
  let next = 0;
  const campaign = () => campaigns[next++ % campaigns.length] as string;

  /** A budget change that waits for approval (over the default 20% a day). */
  async function pendingBudgetChange(campaignId: string, percent: number) {
    const res = await req(owner, {
      method: 'POST',
      url: '/api/v1/actions',
      payload: { kind: 'budget_change', campaignId, percent },
    });
    expect(res.statusCode, res.body).toBe(201);
    const p = res.json().proposal;
    expect(p.status).toBe('pending_approval');
    return p as { id: string; before: { dailyBudgetMicros: number }; after: { dailyBudgetMicros: number } };
  }

  beforeAll(async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'omnify-reconcile-'));
    // The tests move the clock 12 × 91 minutes and the guardrails count budget changes per UTC day:
    // started at the real time of day, a late-evening run crossed midnight and a 50% change made
    // after it was measured against a new day's budget (auto-applied, not pending). Start early today.
    const clockStart = new Date();
    clockStart.setUTCHours(0, 30, 0, 0);
    t = await createTestApp({
      clockStart,
      env: { OMNIFY_ACCESS_TOKEN_TTL_SECONDS: '86400' },
      services: { registry: { ...createConnectorRegistry({ dataDir }), simulator } },
    });
    owner = await signUp(t.app, 'reconcile-owner');
    sim = await connectSimulator(t, owner, 'reconcile');
    // Back-to-back changes of one campaign are fine here; the day's 20% still needs approval.
    const policy = await req(owner, {
      method: 'PUT',
      url: '/api/v1/guardrails',
      payload: { settings: { minHoursBetweenChanges: 0 } },
    });
    expect(policy.statusCode, policy.body).toBe(200);
    campaigns = (
      await t.storage.db
        .selectFrom('campaigns')
        .select('id')
        .where('organization_id', '=', owner.organizationId)
        .where('daily_budget_micros', 'is not', null)
        .orderBy('id')
        .execute()
    ).map((c) => c.id);
    expect(campaigns.length).toBeGreaterThanOrEqual(3);
  });
  afterAll(async () => {
    await t.close();
  });

  it('the platform took the change: applied with its earlier value, the proposal applied, and revert restores it', async () => {
    const id = campaign();
    const p = await pendingBudgetChange(id, 60);
    await interrupted('after_call', { method: 'POST', url: `/api/v1/actions/${p.id}/approve`, payload: {} });
    expect((await onPlatform(id)).dailyBudgetMicros).toBe(p.after.dailyBudgetMicros);
    expect((await writeBack(`proposal:${p.id}`)).status).toBe('pending');
    expect((await proposal(p.id)).status).toBe('approved');
    // Stuck: approving again replays the pending claim, and there is nothing to revert yet.
    const early = await req(owner, { method: 'POST', url: `/api/v1/actions/${p.id}/revert`, payload: {} });
    expect(early.statusCode).toBe(409);

    // Within the timeout the sweep leaves it alone (the call may still be under way).
    expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 0 });
    t.clock.advance(91 * MINUTE);
    // Another organization's sweep does not see it.
    const other = await signUp(t.app, 'reconcile-other');
    expect(await t.services.writeBacks.reconcile({ organizationId: other.organizationId })).toMatchObject({
      checked: 0,
    });
    expect(await t.services.writeBacks.reconcile()).toEqual({
      checked: 1,
      applied: 1,
      failed: 0,
      unknown: 0,
      deferred: 0,
      proposals: 0,
    });

    const action = await writeBack(`proposal:${p.id}`);
    expect(action).toMatchObject({ status: 'applied', error: null, applied_at: action.created_at });
    expect(JSON.parse(action.before ?? 'null')).toEqual({ dailyBudgetMicros: p.before.dailyBudgetMicros });
    expect(JSON.parse(action.after ?? 'null')).toEqual({ dailyBudgetMicros: p.after.dailyBudgetMicros });
    const http = await req(owner, { method: 'GET', url: `/api/v1/write-backs/${action.id}` });
    expect(http.json()).toMatchObject({
      status: 'applied',
      before: { dailyBudgetMicros: p.before.dailyBudgetMicros },
    });
    expect(await proposal(p.id)).toMatchObject({
      status: 'applied',
      appliedActionId: action.id,
      error: null,
    });
    // The local copy follows, as after an uninterrupted apply.
    const local = await t.storage.db
      .selectFrom('campaigns')
      .select('daily_budget_micros')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(Number(local.daily_budget_micros)).toBe(p.after.dailyBudgetMicros);

    const reconciled = await auditOf(id, 'actions.reconciled');
    expect(reconciled).toHaveLength(1);
    expect(reconciled[0]).toMatchObject({ actor_type: 'system', actor_id: 'write-backs.reconcile' });
    expect(JSON.parse(reconciled[0]?.metadata ?? '{}')).toMatchObject({
      actionId: action.id,
      outcome: 'applied',
      platformShows: p.after.dailyBudgetMicros,
    });
    expect(await auditOf(p.id, 'proposals.applied')).toEqual([
      expect.objectContaining({ actor_type: 'system', actor_id: 'write-backs.reconcile' }),
    ]);
    // A second sweep finds nothing left.
    expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 0 });

    const reverted = await req(owner, { method: 'POST', url: `/api/v1/actions/${p.id}/revert`, payload: {} });
    expect(reverted.statusCode, reverted.body).toBe(200);
    expect(reverted.json().status).toBe('reverted');
    expect((await onPlatform(id)).dailyBudgetMicros).toBe(p.before.dailyBudgetMicros);
  });

  it('the call never reached the platform: failed, the proposal failed and final, the platform unchanged', async () => {
    const id = campaign();
    const p = await pendingBudgetChange(id, 70);
    await interrupted('before_call', { method: 'POST', url: `/api/v1/actions/${p.id}/approve`, payload: {} });
    expect((await writeBack(`proposal:${p.id}`)).status).toBe('pending');
    t.clock.advance(91 * MINUTE);
    expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 1, failed: 1 });

    const action = await writeBack(`proposal:${p.id}`);
    expect(action).toMatchObject({ status: 'failed', applied_at: null, before: null });
    expect(action.error).toContain('still shows dailyBudgetMicros');
    const after = await proposal(p.id);
    expect(after).toMatchObject({ status: 'failed', appliedActionId: action.id });
    expect(after.error).toContain('Interrupted before the platform took it');
    expect((await onPlatform(id)).dailyBudgetMicros).toBe(p.before.dailyBudgetMicros);
    expect(await auditOf(p.id, 'proposals.failed')).toEqual([
      expect.objectContaining({ actor_type: 'system', actor_id: 'write-backs.reconcile' }),
    ]);
    expect(JSON.parse((await auditOf(id, 'actions.reconciled')).at(-1)?.metadata ?? '{}')).toMatchObject({
      actionId: action.id,
      outcome: 'failed',
    });
    // Failed is final, as when the platform refuses: approving again is refused, propose anew.
    const again = await req(owner, { method: 'POST', url: `/api/v1/actions/${p.id}/approve`, payload: {} });
    expect(again.statusCode).toBe(409);
  });

  it('a platform that cannot be read leaves it pending with the error, and the next sweep settles it', async () => {
    const id = campaign();
    const p = await pendingBudgetChange(id, 80);
    await interrupted('after_call', { method: 'POST', url: `/api/v1/actions/${p.id}/approve`, payload: {} });
    t.clock.advance(91 * MINUTE);
    failReads = true;
    try {
      expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 1, deferred: 1, applied: 0 });
    } finally {
      failReads = false;
    }
    const waiting = await writeBack(`proposal:${p.id}`);
    expect(waiting.status).toBe('pending');
    expect(waiting.error).toContain('Reconciliation could not read the platform: Access token expired');
    expect((await proposal(p.id)).status).toBe('approved');
    // Not a resolution: nothing audited yet.
    expect(await auditOf(id, 'actions.reconciled')).toHaveLength(0);
    // An expired token marks the connection for reconnection, as a sync does; reconnected, it settles.
    const conn = await req(owner, { method: 'GET', url: `/api/v1/connections/${sim.connectionId}` });
    expect(conn.json().status).toBe('needs_reconnect');
    await t.storage.db
      .updateTable('connections')
      .set({ status: 'active', last_error: null })
      .where('id', '=', sim.connectionId)
      .execute();
    expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 1, applied: 1 });
    expect(await writeBack(`proposal:${p.id}`)).toMatchObject({ status: 'applied', error: null });
    expect((await proposal(p.id)).status).toBe('applied');
  });

  it('an interrupted revert: the proposal ends reverted, by the person who asked', async () => {
    const id = campaign();
    const p = await pendingBudgetChange(id, 50);
    const approved = await req(owner, {
      method: 'POST',
      url: `/api/v1/actions/${p.id}/approve`,
      payload: {},
    });
    expect(approved.json().status).toBe('applied');
    await interrupted('after_call', { method: 'POST', url: `/api/v1/actions/${p.id}/revert`, payload: {} });
    expect((await onPlatform(id)).dailyBudgetMicros).toBe(p.before.dailyBudgetMicros);
    const inProgress = await req(owner, {
      method: 'POST',
      url: `/api/v1/actions/${p.id}/revert`,
      payload: {},
    });
    expect(inProgress.statusCode).toBe(409);
    expect(inProgress.json().error.message).toContain('in progress');

    t.clock.advance(91 * MINUTE);
    expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 1, applied: 1 });
    const revert = await writeBack(`revert:${p.id}`);
    expect(revert.status).toBe('applied');
    expect(JSON.parse(revert.before ?? 'null')).toEqual({ dailyBudgetMicros: p.after.dailyBudgetMicros });
    expect(await proposal(p.id)).toMatchObject({
      status: 'reverted',
      revertActionId: revert.id,
      revertedBy: owner.userId,
    });
    expect(await auditOf(p.id, 'proposals.reverted')).toEqual([
      expect.objectContaining({ actor_type: 'system', actor_id: 'write-backs.reconcile' }),
    ]);
  });

  it('an interrupted revert the platform shows a third value for: unknown, the proposal stays applied, a new revert takes a fresh key', async () => {
    const id = campaign();
    const p = await pendingBudgetChange(id, 45);
    const approved = await req(owner, {
      method: 'POST',
      url: `/api/v1/actions/${p.id}/approve`,
      payload: {},
    });
    expect(approved.json().status).toBe('applied');
    await interrupted('before_call', { method: 'POST', url: `/api/v1/actions/${p.id}/revert`, payload: {} });
    // Meanwhile someone sets another budget on the platform itself.
    const row = await t.storage.db
      .selectFrom('campaigns')
      .innerJoin('ad_accounts', 'ad_accounts.id', 'campaigns.ad_account_id')
      .select(['campaigns.external_id as campaign', 'ad_accounts.external_id as account'])
      .where('campaigns.id', '=', id)
      .executeTakeFirstOrThrow();
    const { ctx } = await t.services.connections.contextFor(owner.organizationId, sim.connectionId);
    const elsewhere = p.before.dailyBudgetMicros + 7_000_000;
    await base.ads!.apply(ctx, row.account, {
      type: 'set_daily_budget',
      level: 'campaign',
      externalId: row.campaign,
      dailyBudgetMicros: elsewhere,
    });
    t.clock.advance(91 * MINUTE);
    expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 1, unknown: 1 });
    const revert = await writeBack(`revert:${p.id}`);
    expect(revert.status).toBe('unknown');
    expect(revert.error).toContain(`now shows dailyBudgetMicros ${elsewhere}`);
    expect((await proposal(p.id)).status).toBe('applied');
    expect(await auditOf(p.id, 'proposals.revert_failed')).toEqual([
      expect.objectContaining({ actor_type: 'system', actor_id: 'write-backs.reconcile' }),
    ]);
    const again = await req(owner, {
      method: 'POST',
      url: `/api/v1/actions/${p.id}/revert`,
      payload: {},
    });
    expect(again.statusCode, again.body).toBe(200);
    expect((await writeBack(`revert:${p.id}:1`)).status).toBe('applied');
    expect((await onPlatform(id)).dailyBudgetMicros).toBe(p.before.dailyBudgetMicros);
  });

  it('killed after the write-back was recorded but before the proposal was: the proposal is settled from it', async () => {
    const id = campaign();
    const p = await pendingBudgetChange(id, 40);
    const approved = await req(owner, {
      method: 'POST',
      url: `/api/v1/actions/${p.id}/approve`,
      payload: {},
    });
    expect(approved.json().status).toBe('applied');
    // What that crash leaves: the write-back applied, the proposal as the approval committed it.
    await t.storage.db
      .updateTable('proposals')
      .set({ status: 'approved', applied_action_id: null, applied_at: null })
      .where('id', '=', p.id)
      .execute();
    expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 0, proposals: 0 });
    t.clock.advance(91 * MINUTE);
    expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 0, proposals: 1 });
    const action = await writeBack(`proposal:${p.id}`);
    expect(await proposal(p.id)).toMatchObject({
      status: 'applied',
      appliedActionId: action.id,
      appliedAt: action.applied_at,
    });
    expect(await auditOf(p.id, 'proposals.applied')).toEqual([
      expect.objectContaining({ actor_type: 'user' }),
      expect.objectContaining({ actor_type: 'system', actor_id: 'write-backs.reconcile' }),
    ]);
    const reverted = await req(owner, { method: 'POST', url: `/api/v1/actions/${p.id}/revert`, payload: {} });
    expect(reverted.statusCode, reverted.body).toBe(200);
    expect((await onPlatform(id)).dailyBudgetMicros).toBe(p.before.dailyBudgetMicros);
  });

  it('a direct write-back (no proposal) takes its earlier value from the local copy', async () => {
    const ad = await t.storage.db
      .selectFrom('ads')
      .select(['id', 'status'])
      .where('organization_id', '=', owner.organizationId)
      .where('status', '=', 'active')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const budgeted = campaign();
    const { dailyBudgetMicros } = await onPlatform(budgeted);
    await interrupted('after_call', {
      method: 'POST',
      url: '/api/v1/write-backs',
      payload: {
        type: 'set_status',
        level: 'ad',
        entityId: ad.id,
        status: 'paused',
        idempotencyKey: 'direct-pause-1',
      },
    });
    await interrupted('after_call', {
      method: 'POST',
      url: '/api/v1/write-backs',
      payload: {
        type: 'set_daily_budget',
        level: 'campaign',
        entityId: budgeted,
        dailyBudgetMicros: (dailyBudgetMicros ?? 0) + 3_000_000,
        idempotencyKey: 'direct-budget-1',
      },
    });
    t.clock.advance(91 * MINUTE);
    expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 2, applied: 2 });
    const paused = await writeBack('direct-pause-1');
    expect(paused.status).toBe('applied');
    expect(JSON.parse(paused.before ?? 'null')).toEqual({ status: 'active' });
    expect(JSON.parse(paused.after ?? 'null')).toEqual({ status: 'paused' });
    const local = await t.storage.db
      .selectFrom('ads')
      .select('status')
      .where('id', '=', ad.id)
      .executeTakeFirstOrThrow();
    expect(local.status).toBe('paused');
    const budget = await writeBack('direct-budget-1');
    expect(budget.status).toBe('applied');
    expect(JSON.parse(budget.before ?? 'null')).toEqual({ dailyBudgetMicros });
  });

  it('a call slower than the timeout: the sweep’s answer stands and the live answer is audited as a conflict', async () => {
    const id = campaign();
    const { dailyBudgetMicros } = await onPlatform(id);
    const appliedBefore = (await auditOf(id, 'actions.applied')).length;
    crash = 'slow';
    const reached = new Promise<void>((resolve) => {
      stuck = resolve;
    });
    const live = req(owner, {
      method: 'POST',
      url: '/api/v1/write-backs',
      payload: {
        type: 'set_daily_budget',
        level: 'campaign',
        entityId: id,
        dailyBudgetMicros: (dailyBudgetMicros ?? 0) + 5_000_000,
        idempotencyKey: 'slow-budget-1',
      },
    });
    await reached;
    crash = 'none';
    // The sweep reads the earlier budget: the change never arrived, as far as it can tell.
    t.clock.advance(91 * MINUTE);
    expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 1, failed: 1 });
    release();
    const res = await live;
    expect(res.statusCode, res.body).toBe(200);
    // Not overwritten: the row keeps the sweep's answer, the platform's later answer is on record.
    expect(res.json().action.status).toBe('failed');
    expect((await writeBack('slow-budget-1')).status).toBe('failed');
    expect((await onPlatform(id)).dailyBudgetMicros).toBe((dailyBudgetMicros ?? 0) + 5_000_000);
    const action = await writeBack('slow-budget-1');
    const conflict = await auditOf(id, 'actions.reconcile_conflict');
    expect(conflict).toHaveLength(1);
    const meta =
      typeof conflict[0]!.metadata === 'string' ? JSON.parse(conflict[0]!.metadata) : conflict[0]!.metadata;
    expect(meta).toMatchObject({
      actionId: action.id,
      settledAs: 'failed',
      live: { after: { dailyBudgetMicros: (dailyBudgetMicros ?? 0) + 5_000_000 } },
    });
    expect(await auditOf(id, 'actions.applied')).toHaveLength(appliedBefore);
  });

  it('a key used again with another value is a 409, not a replay of the first answer', async () => {
    const id = campaign();
    const { dailyBudgetMicros } = await onPlatform(id);
    const body = (micros: number) => ({
      type: 'set_daily_budget',
      level: 'campaign',
      entityId: id,
      dailyBudgetMicros: micros,
      idempotencyKey: 'same-key-other-value',
    });
    const first = await req(owner, {
      method: 'POST',
      url: '/api/v1/write-backs',
      payload: body((dailyBudgetMicros ?? 0) + 1_000_000),
    });
    expect(first.statusCode, first.body).toBe(200);
    const repeat = await req(owner, {
      method: 'POST',
      url: '/api/v1/write-backs',
      payload: body((dailyBudgetMicros ?? 0) + 1_000_000),
    });
    expect(repeat.json()).toMatchObject({ replayed: true, action: { id: first.json().action.id } });
    const other = await req(owner, {
      method: 'POST',
      url: '/api/v1/write-backs',
      payload: body((dailyBudgetMicros ?? 0) + 2_000_000),
    });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('conflict');
    expect((await onPlatform(id)).dailyBudgetMicros).toBe((dailyBudgetMicros ?? 0) + 1_000_000);
  });

  it('keys of the proposals’ namespace are refused on the write-back route', async () => {
    const res = await req(owner, {
      method: 'POST',
      url: '/api/v1/write-backs',
      payload: {
        type: 'set_daily_budget',
        level: 'campaign',
        entityId: campaign(),
        dailyBudgetMicros: 9_000_000,
        idempotencyKey: 'proposal:00000000-0000-0000-0000-000000000000',
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_input');
  });

  it('a CRM message cannot be read back: unknown, for a person to check, never guessed', async () => {
    const contact = await t.storage.db
      .selectFrom('crm_contacts')
      .select('id')
      .where('organization_id', '=', owner.organizationId)
      .executeTakeFirstOrThrow();
    const res = await req(owner, {
      method: 'POST',
      url: '/api/v1/actions',
      payload: { kind: 'crm_send_message', contactId: contact.id, type: 'SMS', message: 'Hello again' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const p = res.json().proposal;
    expect(p.status).toBe('pending_approval');
    await interrupted('after_call', { method: 'POST', url: `/api/v1/actions/${p.id}/approve`, payload: {} });
    t.clock.advance(91 * MINUTE);
    expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 1, unknown: 1 });
    const action = await writeBack(`proposal:${p.id}`);
    expect(action.status).toBe('unknown');
    expect(action.error).toContain('cannot tell whether it happened');
    const http = await req(owner, { method: 'GET', url: `/api/v1/write-backs/${action.id}` });
    expect(http.statusCode).toBe(200);
    expect(http.json().status).toBe('unknown');
    // The message's text is the contact's business (clients:read), not the write-back list's.
    expect(http.json().requested).toEqual({ channel: 'SMS' });
    expect(http.body).not.toContain('Hello again');
    expect(await proposal(p.id)).toMatchObject({ status: 'unknown', appliedActionId: action.id });
    const listed = await req(owner, { method: 'GET', url: '/api/v1/actions?status=unknown' });
    expect(listed.json().items.map((x: { id: string }) => x.id)).toEqual([p.id]);
    expect(await auditOf(p.id, 'proposals.outcome_unknown')).toEqual([
      expect.objectContaining({ actor_type: 'system', actor_id: 'write-backs.reconcile' }),
    ]);
    const again = await req(owner, { method: 'POST', url: `/api/v1/actions/${p.id}/approve`, payload: {} });
    expect(again.statusCode).toBe(409);
  });

  it('a platform unreadable for 7 days: unknown with the last error, no longer retried on every sweep', async () => {
    const id = campaign();
    const p = await pendingBudgetChange(id, 80);
    await interrupted('after_call', { method: 'POST', url: `/api/v1/actions/${p.id}/approve`, payload: {} });
    t.clock.advance(91 * MINUTE);
    const claimedAt = (await writeBack(`proposal:${p.id}`)).created_at;
    const age = (days: number) => ageClaim(`proposal:${p.id}`, days);
    failReads = true;
    try {
      await age(6.9);
      expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 1, deferred: 1 });
      await reactivate();
      await age(7);
      expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 1, unknown: 1, deferred: 0 });
    } finally {
      failReads = false;
      await reactivate();
    }
    expect(claimedAt).toBeTruthy();
    const row = await writeBack(`proposal:${p.id}`);
    expect(row.status).toBe('unknown');
    expect(row.error).toContain('could not be read for 7 days (last error: Access token expired');
    const [audited] = await auditOf(id, 'actions.reconciled');
    expect(audited?.actor_type).toBe('system');
    expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 0 });
  });

  it('a first failed read after 7 days (a long reconcile delay, a long outage) is retried once more, not given up', async () => {
    const id = campaign();
    const p = await pendingBudgetChange(id, 80);
    await interrupted('after_call', { method: 'POST', url: `/api/v1/actions/${p.id}/approve`, payload: {} });
    t.clock.advance(91 * MINUTE);
    await ageClaim(`proposal:${p.id}`, 8);
    failReads = true;
    try {
      expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 1, deferred: 1, unknown: 0 });
    } finally {
      failReads = false;
      await reactivate();
    }
    // The platform answers again: the next sweep reads it and settles it for what it is.
    expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 1, applied: 1 });
    expect((await writeBack(`proposal:${p.id}`)).status).toBe('applied');
    expect((await proposal(p.id)).status).toBe('applied');
  });

  it('a connection disconnected since: unknown at once, naming the entity to check', async () => {
    const id = campaign();
    const p = await pendingBudgetChange(id, 80);
    await interrupted('after_call', { method: 'POST', url: `/api/v1/actions/${p.id}/approve`, payload: {} });
    t.clock.advance(91 * MINUTE);
    // Disconnected (the tokens are kept here only so that the later tests can go on with it).
    await t.storage.db
      .updateTable('connections')
      .set({ status: 'disconnected' })
      .where('id', '=', sim.connectionId)
      .execute();
    try {
      expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 1, unknown: 1, deferred: 0 });
    } finally {
      await t.storage.db
        .updateTable('connections')
        .set({ status: 'active' })
        .where('id', '=', sim.connectionId)
        .execute();
    }
    const row = await writeBack(`proposal:${p.id}`);
    expect(row.status).toBe('unknown');
    expect(row.error).toContain('the connection has since been disconnected');
    expect(row.error).toContain(row.external_id);
  });

  it('GET /api/v1/write-backs lists them newest first, by status, page by page, for this organization only', async () => {
    const all = await t.storage.db
      .selectFrom('write_actions')
      .select(['id', 'status'])
      .where('organization_id', '=', owner.organizationId)
      .orderBy('id', 'desc')
      .execute();
    const unknown = all.filter((w) => w.status === 'unknown').map((w) => w.id);
    expect(unknown.length).toBeGreaterThanOrEqual(2);
    const listed = await req(owner, { method: 'GET', url: '/api/v1/write-backs?status=unknown' });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().items.map((w: { id: string }) => w.id)).toEqual(unknown);
    expect(listed.json().items.every((w: { error: string | null }) => w.error)).toBe(true);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ id: string }>; nextCursor: string | null } = (
        await req(owner, {
          method: 'GET',
          url: `/api/v1/write-backs?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        })
      ).json();
      seen.push(...page.items.map((w) => w.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((w) => w.id));

    const other = await signUp(t.app, 'reconcile-other');
    const theirs = await req(other, { method: 'GET', url: '/api/v1/write-backs' });
    expect(theirs.json().items).toEqual([]);
    expect((await req(other, { method: 'GET', url: `/api/v1/write-backs/${unknown[0]}` })).statusCode).toBe(
      404,
    );
    expect((await req(owner, { method: 'GET', url: '/api/v1/write-backs?status=lost' })).statusCode).toBe(
      400,
    );
  });
});
