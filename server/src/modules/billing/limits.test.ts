/**
 * Plan limits where additions happen, at the boundary: the last allowed addition works, the next is
 * refused with 402 `plan_limit` naming the limit, the usage, the allowance and the way up. Starter
 * here allows 2 users, 3 clients, 2 ad accounts, 3 agent runs and 5 API calls a month.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, type Signed, signUp, uniqueEmail } from '../../../test/helpers/app.ts';
import { connectSimulator } from '../../../test/helpers/simulator.ts';
import { AppError } from '../../platform/errors.ts';
import { testDialect } from '../../storage/testing.ts';
import { type BillingHarness, PRICES, SMALL_PLANS, startBillingHarness } from './billing.testing.ts';

const DAY = 86_400_000;

describe(`plan limits on ${testDialect()}`, () => {
  let h: BillingHarness;
  const send = (who: Signed, opts: InjectOptions) => h.t.app.inject(as(who, opts));
  const addClient = (who: Signed) =>
    send(who, {
      method: 'POST',
      url: '/api/v1/clients',
      payload: { name: 'Client', email: uniqueEmail('client') },
    });
  const count = async (table: 'clients' | 'memberships' | 'audit_log', who: Signed) =>
    Number(
      (
        await h.t.storage.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('organization_id', '=', who.organizationId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const usage = async (who: Signed) =>
    (await send(who, { method: 'GET', url: '/api/v1/billing/usage' })).json();

  beforeAll(async () => {
    h = await startBillingHarness({ env: { OMNIFY_PLANS_JSON: SMALL_PLANS } });
  });
  afterAll(() => h.close());

  it('clients: the third is created, the fourth is refused with the limit, usage, allowance and upgrade path', async () => {
    const owner = await signUp(h.t.app, 'clients-boundary');
    for (let i = 0; i < 3; i++) expect((await addClient(owner)).statusCode).toBe(201);
    const audited = await count('audit_log', owner);
    const refused = await addClient(owner);
    expect(refused.statusCode).toBe(402);
    expect(refused.json().error).toMatchObject({
      code: 'plan_limit',
      message: 'The Starter plan allows 3 clients and 3 are in use: upgrade to add more',
      details: {
        limit: 'clients',
        used: 3,
        allowed: 3,
        plan: 'starter',
        status: 'trialing',
        upgrade: { plans: ['professional', 'enterprise'], checkoutUrl: '/api/v1/billing/checkout' },
      },
    });
    expect(await count('clients', owner)).toBe(3);
    expect(await count('audit_log', owner)).toBe(audited);
    expect((await usage(owner)).usage.clients).toEqual({
      used: 3,
      allowed: 3,
      remaining: 0,
      overLimit: false,
    });
  });

  it('concurrent additions cannot both take the last place', async () => {
    const owner = await signUp(h.t.app, 'clients-race');
    for (let i = 0; i < 2; i++) expect((await addClient(owner)).statusCode).toBe(201);
    const codes = (await Promise.all([addClient(owner), addClient(owner), addClient(owner)])).map(
      (r) => r.statusCode,
    );
    expect(codes.sort()).toEqual([201, 402, 402]);
    expect(await count('clients', owner)).toBe(3);
  });

  it('users: the owner and one member fill the plan; a further invitation or acceptance is refused and nothing is added', async () => {
    const owner = await signUp(h.t.app, 'users-boundary');
    const invite = async (email: string) =>
      send(owner, { method: 'POST', url: '/api/v1/invitations', payload: { email, role: 'member' } });
    const first = await invite(uniqueEmail('first'));
    const second = await invite(uniqueEmail('second'));
    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    const joined = await h.t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: {
        email: first.json().email,
        password: 'member password',
        name: 'First',
        invitationToken: first.json().token,
      },
    });
    expect(joined.statusCode, joined.body).toBe(201);
    expect(await count('memberships', owner)).toBe(2);

    // The second invitee already has an account elsewhere and accepts while signed in: refused.
    const invitee = await h.t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: {
        email: second.json().email,
        password: 'invitee password',
        name: 'Second',
        organizationName: 'Second agency',
      },
    });
    const accept = await h.t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      headers: { authorization: `Bearer ${invitee.json().tokens.accessToken}` },
      payload: { token: second.json().token },
    });
    expect(accept.statusCode).toBe(402);
    expect(accept.json().error.details).toMatchObject({
      limit: 'users',
      used: 2,
      allowed: 2,
      plan: 'starter',
    });
    expect(await count('memberships', owner)).toBe(2);
    const pending = (await send(owner, { method: 'GET', url: '/api/v1/invitations' })).json().items;
    expect(pending.find((i: { id: string }) => i.id === second.json().id).status).toBe('pending');

    const third = await invite(uniqueEmail('third'));
    expect(third.statusCode).toBe(402);
    expect(third.json().error.details.limit).toBe('users');
  });

  it('agent runs: recordAgentRun counts in the run’s transaction; the third works, the fourth is refused', async () => {
    const owner = await signUp(h.t.app, 'agent-runs');
    const limits = h.t.services.billing.limits;
    const run = () =>
      h.t.storage.withTenant(owner.organizationId, (trx) => limits.recordAgentRun(trx, owner.organizationId));
    for (let i = 1; i <= 3; i++) {
      await expect(limits.assertCanRunAgent(owner.organizationId)).resolves.toBeUndefined();
      expect(await run()).toEqual({ used: i, allowed: 3 });
    }
    await expect(limits.assertCanRunAgent(owner.organizationId)).rejects.toMatchObject({
      code: 'plan_limit',
      details: { limit: 'agentRunsPerMonth', used: 3, allowed: 3 },
    });
    const refused = await run().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).details).toMatchObject({ limit: 'agentRunsPerMonth', used: 3, allowed: 3 });
    expect((await usage(owner)).usage.agentRunsPerMonth).toMatchObject({ used: 3, allowed: 3, remaining: 0 });
  });

  it('downgrade: nothing is deleted, additions wait until usage fits the new plan', async () => {
    const owner = await signUp(h.t.app, 'downgrade');
    const sub = await h.subscribe(owner, 'professional');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await addClient(owner)).json().id);
    expect((await addClient(owner)).statusCode).toBe(402);

    await h.deliverAll(h.fake.changePrice(sub, PRICES.starter));
    const u = await usage(owner);
    expect(u.plan.id).toBe('starter');
    expect(u.usage.clients).toEqual({ used: 5, allowed: 3, remaining: 0, overLimit: true });
    expect(await count('clients', owner)).toBe(5);
    const refused = await addClient(owner);
    expect(refused.json().error.details).toMatchObject({
      limit: 'clients',
      used: 5,
      allowed: 3,
      upgrade: { plans: ['enterprise'], portalUrl: '/api/v1/billing/portal' },
    });

    for (const id of ids.slice(0, 3))
      expect((await send(owner, { method: 'DELETE', url: `/api/v1/clients/${id}` })).statusCode).toBe(204);
    expect((await addClient(owner)).statusCode).toBe(201);
    expect((await addClient(owner)).statusCode).toBe(402);
  });

  it('ad accounts: a full plan holds new accounts (stored, not synced) and the sync goes on; an upgrade releases them', async () => {
    const owner = await signUp(h.t.app, 'ad-accounts');
    const sim = await connectSimulator(h.t, owner, 'adlimit');
    const accounts = () =>
      h.t.storage.db
        .selectFrom('ad_accounts')
        .select(['id', 'enabled'])
        .where('organization_id', '=', owner.organizationId)
        .execute();
    const campaignsOf = async (accountId: string) =>
      (
        await h.t.storage.db
          .selectFrom('campaigns')
          .select('id')
          .where('ad_account_id', '=', accountId)
          .execute()
      ).length;
    const all = await accounts();
    expect(all).toHaveLength(3);
    const held = all.filter((a) => Number(a.enabled) === 0);
    expect(held).toHaveLength(1);
    const heldId = held[0]?.id as string;
    expect(await campaignsOf(heldId)).toBe(0);
    for (const a of all.filter((x) => Number(x.enabled) === 1))
      expect(await campaignsOf(a.id)).toBeGreaterThan(0);
    const run = (await send(owner, { method: 'GET', url: `/api/v1/sync-runs/${sim.syncRunId}` })).json();
    expect(run.status).toBe('succeeded');
    expect(run.errors).toEqual([
      expect.objectContaining({
        kind: 'plan_limit',
        message: expect.stringContaining('connected ad accounts'),
      }),
    ]);
    expect((await usage(owner)).usage.adAccounts).toMatchObject({ used: 2, allowed: 2 });

    // Existing accounts keep syncing; the held one stays held while the plan is full.
    const resync = async () => {
      const started = await send(owner, {
        method: 'POST',
        url: `/api/v1/connections/${sim.connectionId}/sync`,
        payload: { kind: 'incremental' },
      });
      expect(started.statusCode, started.body).toBe(202);
      return h.t.services.sync.execute(owner.organizationId, started.json().id);
    };
    expect((await resync()).status).toBe('succeeded');
    expect((await accounts()).filter((a) => Number(a.enabled) === 1)).toHaveLength(2);

    await h.subscribe(owner, 'professional');
    expect((await resync()).errors).toEqual([]);
    expect((await accounts()).every((a) => Number(a.enabled) === 1)).toBe(true);
    expect(await campaignsOf(heldId)).toBeGreaterThan(0);
    const actions = (await h.t.services.audit.list(owner.organizationId, { limit: 200 })).items.map(
      (e) => e.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining(['billing.ad_account_held', 'billing.ad_account_released']),
    );
  });

  it('API calls: API-key requests are counted in batches; the fifth works, the sixth is refused; people and billing routes are not counted', async () => {
    const owner = await signUp(h.t.app, 'api-calls');
    // Subscribed, so that the plan still applies next month (the free trial would have ended).
    await h.subscribe(owner, 'starter');
    const key = (
      await send(owner, {
        method: 'POST',
        url: '/api/v1/api-keys',
        payload: { name: 'k', scopes: ['clients:read', 'billing:read'] },
      })
    ).json().secret as string;
    const withKey = (url: string) => h.t.app.inject({ method: 'GET', url, headers: { 'x-api-key': key } });
    const stored = async () =>
      Number(
        (
          await h.t.storage.db
            .selectFrom('billing_usage')
            .select('count')
            .where('organization_id', '=', owner.organizationId)
            .where('metric', '=', 'api_calls')
            .executeTakeFirst()
        )?.count ?? 0,
      );
    for (let i = 0; i < 5; i++) expect((await withKey('/api/v1/clients')).statusCode).toBe(200);
    for (let i = 0; i < 3; i++)
      expect((await send(owner, { method: 'GET', url: '/api/v1/clients' })).statusCode).toBe(200);
    const refused = await withKey('/api/v1/clients');
    expect(refused.statusCode).toBe(402);
    expect(refused.json().error.details).toMatchObject({
      limit: 'apiCallsPerMonth',
      used: 5,
      allowed: 5,
      plan: 'starter',
    });
    const shown = await withKey('/api/v1/billing/usage');
    expect(shown.statusCode).toBe(200);
    expect(shown.json().usage.apiCallsPerMonth).toEqual({
      used: 5,
      allowed: 5,
      remaining: 0,
      overLimit: false,
    });
    // Not yet written: counts go to the database once per flush interval.
    expect(await stored()).toBe(0);
    h.t.clock.advance(61_000);
    expect((await withKey('/api/v1/clients')).statusCode).toBe(402);
    expect(await stored()).toBe(5);

    // A new month starts from zero.
    h.t.clock.set(new Date('2026-12-01T00:00:30Z'));
    expect((await withKey('/api/v1/clients')).statusCode).toBe(200);
  });

  it('trial end: without a subscription nothing can be added once the trial is over, and nothing is deleted', async () => {
    const owner = await signUp(h.t.app, 'trial-end');
    expect((await addClient(owner)).statusCode).toBe(201);
    h.t.clock.advance(14 * DAY + 1000);
    await h.signInAgain(owner);
    expect((await send(owner, { method: 'GET', url: '/api/v1/billing' })).json()).toMatchObject({
      status: 'trial_expired',
      entitled: false,
      limits: { clients: 0 },
    });
    const refused = await addClient(owner);
    expect(refused.statusCode).toBe(402);
    expect(refused.json().error).toMatchObject({
      message: 'The free trial has ended: subscribe to a plan to add clients',
      details: {
        used: 1,
        allowed: 0,
        status: 'trial_expired',
        upgrade: { plans: ['starter', 'professional', 'enterprise'] },
      },
    });
    expect(await count('clients', owner)).toBe(1);
    // Subscribing (no trial left to carry over) lifts it at once.
    await h.subscribe(owner, 'starter');
    expect((await addClient(owner)).statusCode).toBe(201);
  });
});
