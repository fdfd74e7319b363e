import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp, uniqueEmail } from '../../../test/helpers/app.ts';
import { connectSimulator } from '../../../test/helpers/simulator.ts';
import { testDialect } from '../../storage/testing.ts';
import { retentionDefaults } from './retention.service.ts';

const DAY = 86_400_000;

describe(`retention on ${testDialect()}`, () => {
  let t: TestApp;
  const send = (who: Signed, opts: InjectOptions) =>
    t.app.inject({ ...opts, headers: { ...who.headers, ...(opts.headers as Record<string, string>) } });
  /** A fresh access token: moving the clock by months expires the one from sign-up. */
  async function signIn(u: Signed): Promise<Signed> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: u.email, password: u.password },
    });
    expect(res.statusCode).toBe(200);
    return { ...u, headers: { authorization: `Bearer ${res.json().tokens.accessToken}` } };
  }
  const addClient = async (who: Signed) =>
    expect(
      (
        await send(who, {
          method: 'POST',
          url: '/api/v1/clients',
          payload: { name: 'R', email: uniqueEmail('r') },
        })
      ).statusCode,
    ).toBe(201);
  const entries = async (u: Signed) =>
    (await t.services.audit.list(u.organizationId, { limit: 200 })).items.map((e) => ({
      seq: e.seq,
      action: e.action,
      createdAt: e.createdAt,
    }));
  const setPolicy = (u: Signed, policy: Record<string, unknown>) =>
    send(u, { method: 'PUT', url: '/api/v1/retention', payload: policy });

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('a new organization keeps audit entries 7 years, executions 90 days and metrics 2 years', async () => {
    const owner = await signUp(t.app, 'retention-defaults');
    const res = await send(owner, { method: 'GET', url: '/api/v1/retention' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(retentionDefaults);
    expect(res.json().auditDays).toBeGreaterThanOrEqual(7 * 365);
    expect(res.json().executionsDays).toBe(90);
    expect(res.json().metricsDays).toBeGreaterThanOrEqual(2 * 365);
  });

  it('refuses a policy keeping audit entries under a year, or with a field missing, and changes nothing', async () => {
    const owner = await signUp(t.app, 'retention-validation');
    const before = await entries(owner);
    for (const bad of [
      { auditDays: 364, executionsDays: 90, metricsDays: 731 },
      { auditDays: 400, executionsDays: 0, metricsDays: 731 },
      { auditDays: 400, executionsDays: 90, metricsDays: 29 },
      { auditDays: 400, executionsDays: 90 },
      { auditDays: 400.5, executionsDays: 90, metricsDays: 731 },
      { auditDays: '400', executionsDays: 90, metricsDays: 731 },
    ]) {
      const res = await setPolicy(owner, bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().error.code).toBe('invalid_input');
    }
    expect((await send(owner, { method: 'GET', url: '/api/v1/retention' })).json()).toEqual(
      retentionDefaults,
    );
    expect(await entries(owner)).toEqual(before);

    const policy = { auditDays: 365, executionsDays: 30, metricsDays: 400 };
    const ok = await setPolicy(owner, policy);
    expect(ok.statusCode).toBe(200);
    expect((await send(owner, { method: 'GET', url: '/api/v1/retention' })).json()).toEqual(policy);
    const entry = (await t.services.audit.list(owner.organizationId, { limit: 1 })).items[0];
    expect(entry).toMatchObject({
      action: 'retention.policy_updated',
      metadata: { before: retentionDefaults, after: policy },
    });
  });

  it('purges audit entries older than the policy, records retention.purged, and the chain still verifies', async () => {
    let owner = await signUp(t.app, 'retention-purge');
    expect(
      (await setPolicy(owner, { auditDays: 365, executionsDays: 90, metricsDays: 731 })).statusCode,
    ).toBe(200);
    await addClient(owner);
    await addClient(owner);
    const old = await entries(owner); // 2 from sign-up, the policy change, 2 clients
    expect(old).toHaveLength(5);

    t.clock.advance(200 * DAY);
    owner = await signIn(owner);
    await addClient(owner);
    const recent = (await entries(owner)).filter((e) => !old.some((o) => o.seq === e.seq));
    expect(recent.map((e) => e.action)).toEqual(['clients.created', 'auth.logged_in']);

    t.clock.advance(200 * DAY); // the first five are now 400 days old, the recent ones 200
    const result = await t.services.retention.purge(owner.organizationId);
    expect(result.deleted.audit_log).toBe(5);
    const after = await entries(owner);
    expect(after.map((e) => e.seq)).toEqual([8, 7, 6]);
    expect(after[0]).toMatchObject({ action: 'retention.purged' });
    const purged = (await t.services.audit.list(owner.organizationId, { limit: 1 })).items[0];
    expect(purged).toMatchObject({
      actor: { type: 'system', id: null },
      metadata: { deleted: { audit_log: 5 } },
    });

    const verified = await t.services.audit.verify(owner.organizationId);
    expect(verified).toMatchObject({ ok: true, checked: 3, firstProblem: null });
    owner = await signIn(owner);
    const viaHttp = await send(owner, { method: 'GET', url: '/api/v1/audit/verify' });
    expect(viaHttp.json()).toMatchObject({ ok: true, firstProblem: null });

    // Activity after a purge keeps chaining, and a purge with nothing old removes nothing.
    await addClient(owner);
    const again = await t.services.retention.purge(owner.organizationId);
    expect(again.deleted.audit_log).toBe(0);
    expect((await t.services.audit.verify(owner.organizationId)).ok).toBe(true);
  });

  it('after a purge, deleting the oldest kept entry is still detected', async () => {
    let owner = await signUp(t.app, 'retention-tamper');
    await setPolicy(owner, { auditDays: 365, executionsDays: 90, metricsDays: 731 });
    t.clock.advance(400 * DAY);
    owner = await signIn(owner);
    await addClient(owner);
    await t.services.retention.purge(owner.organizationId);
    const kept = await entries(owner);
    const oldest = kept[kept.length - 1];
    expect(oldest?.action).toBe('auth.logged_in');
    await t.storage.db
      .deleteFrom('audit_log')
      .where('organization_id', '=', owner.organizationId)
      .where('seq', '=', oldest?.seq as number)
      .execute();
    expect((await t.services.audit.verify(owner.organizationId)).firstProblem).toMatchObject({
      seq: oldest?.seq,
      problem: 'deleted',
    });
  });

  it("purging one organization leaves another organization's entries alone", async () => {
    const a = await signUp(t.app, 'retention-a');
    const b = await signUp(t.app, 'retention-b');
    await setPolicy(a, { auditDays: 365, executionsDays: 90, metricsDays: 731 });
    await setPolicy(b, { auditDays: 365, executionsDays: 90, metricsDays: 731 });
    const bBefore = await entries(b);
    t.clock.advance(400 * DAY);
    await t.services.retention.purge(a.organizationId);
    expect(await entries(b)).toEqual(bBefore);
    expect((await t.services.audit.verify(b.organizationId)).ok).toBe(true);
    expect((await t.services.audit.verify(a.organizationId)).ok).toBe(true);
    // purgeAll covers every organization, each with its own entry.
    const all = await t.services.retention.purgeAll();
    expect(all.find((r) => r.organizationId === b.organizationId)?.deleted.audit_log).toBe(bBefore.length);
    expect((await t.services.audit.verify(b.organizationId)).ok).toBe(true);
  });
});

describe(`retention of metrics on ${testDialect()}`, () => {
  it('purges daily metrics older than metricsDays, and only this organization’s', async () => {
    const t = await createTestApp();
    try {
      const mine = await signUp(t.app, 'retention-metrics');
      const theirs = await signUp(t.app, 'retention-metrics-other');
      await connectSimulator(t, mine, 'retmetrics');
      await connectSimulator(t, theirs, 'retmetrics2');
      const put = await t.app.inject({
        method: 'PUT',
        url: '/api/v1/retention',
        headers: mine.headers,
        payload: { ...retentionDefaults, metricsDays: 30 },
      });
      expect(put.statusCode, put.body).toBe(200);
      // One row of each organization moved to 2020; only the first organization is purged.
      const age = async (org: string) => {
        const row = await t.storage.db
          .selectFrom('daily_metrics')
          .select(['ad_id', 'date'])
          .where('organization_id', '=', org)
          .orderBy('ad_id')
          .executeTakeFirstOrThrow();
        await t.storage.db
          .updateTable('daily_metrics')
          .set({ date: '2020-01-01' })
          .where('organization_id', '=', org)
          .where('ad_id', '=', row.ad_id)
          .where('date', '=', row.date)
          .execute();
      };
      await age(mine.organizationId);
      await age(theirs.organizationId);
      const count = async (org: string, old: boolean) =>
        Number(
          (
            await t.storage.db
              .selectFrom('daily_metrics')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('organization_id', '=', org)
              .where('date', old ? '<' : '>=', '2021-01-01')
              .executeTakeFirstOrThrow()
          ).n,
        );
      const recent = await count(mine.organizationId, false);
      const result = await t.services.retention.purge(mine.organizationId);
      expect(result.deleted.daily_metrics).toBe(1);
      expect(await count(mine.organizationId, true)).toBe(0);
      expect(await count(mine.organizationId, false)).toBe(recent);
      // The other organization's old row is untouched by this organization's purge.
      expect(await count(theirs.organizationId, true)).toBe(1);
    } finally {
      await t.close();
    }
  });
});
