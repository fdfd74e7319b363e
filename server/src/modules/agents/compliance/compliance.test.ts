import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, type Signed, signUp, type TestApp } from '../../../../test/helpers/app.ts';
import { connectSimulator, type SyncedSimulator } from '../../../../test/helpers/simulator.ts';
import { testDialect } from '../../../storage/testing.ts';
import { systemCtx } from '../../auth/context.ts';
import { runDirect } from '../agent-kit/testing.ts';
import { compliance, complianceOutput } from './index.ts';

type Output = ReturnType<typeof complianceOutput.parse>;

describe(`compliance agent on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let other: Signed;
  let sim: SyncedSimulator;
  const agentOf = async (orgId: string) =>
    (await t.services.agents.list(systemCtx(orgId))).find((a) => a.kind === 'compliance')?.id as string;
  const run = async (who: Signed = owner) =>
    runDirect<Output>(
      compliance,
      {},
      {
        services: t.services,
        organizationId: who.organizationId,
        agentId: await agentOf(who.organizationId),
      },
    );
  const control = (o: Output, c: string) => o.controls.find((x) => x.control === c);

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'auditor');
    other = await signUp(t.app, 'intruder');
    sim = await connectSimulator(t, owner, 'compliance');
  }, 120_000);
  afterAll(() => t?.close());

  it('checks live ads, verifies the audit chain and gives evidence for five controls', async () => {
    await t.storage.db
      .updateTable('ads')
      .set({ headline: 'GUARANTEED Results!!' })
      .where('id', '=', sim.adId)
      .execute();
    const { output, steps } = await run();
    expect(complianceOutput.safeParse(output).success).toBe(true);
    expect(steps.map((s) => s.tool)).toEqual([
      'live_ad_policy',
      'audit_review',
      'retention_status',
      'access_review',
      'change_review',
      'connection_health',
    ]);
    const live = await t.services.catalog.listAds(systemCtx(owner.organizationId), {
      status: 'active',
      limit: 200,
    });
    expect(output.adPolicy.checked).toBe(live.items.length);
    const flagged = output.adPolicy.items.find((i) => i.adId === sim.adId);
    expect(flagged?.policy.map((p) => p.rule)).toEqual(
      expect.arrayContaining(['prohibited_claim', 'all_caps', 'excessive_punctuation']),
    );
    expect(output.audit.chain.ok).toBe(true);
    expect(output.audit.byActor.user).toBeGreaterThan(0);
    expect(output.controls.map((c) => c.control)).toEqual(['CC6.1', 'CC6.3', 'CC7.2', 'CC8.1', 'C1.2']);
    // The owner has no MFA and the organization does not require it.
    expect(control(output, 'CC6.1')).toMatchObject({ status: 'attention' });
    expect(control(output, 'CC6.1')?.evidence[0]).toContain('0 of 1 member(s) enrolled');
    expect(control(output, 'CC7.2')?.status).toBe('pass');
    expect(output.summary).toContain('Audit chain verified');
  });

  it('counts a change approved by a person as change-management evidence', async () => {
    const res = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: '/api/v1/actions',
        payload: { kind: 'budget_change', campaignId: sim.campaignId, percent: 60 },
      }),
    );
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().proposal.status).toBe('pending_approval');
    const ok = await t.app.inject(
      as(owner, { method: 'POST', url: `/api/v1/actions/${res.json().proposal.id}/approve`, payload: {} }),
    );
    expect(ok.statusCode, ok.body).toBe(200);
    const { output } = await run();
    expect(control(output, 'CC8.1')).toMatchObject({ status: 'pass' });
    expect(control(output, 'CC8.1')?.evidence[0]).toBe(
      '1 change(s) applied: 1 approved by a person, 0 within guardrails',
    );
  });

  it('a tampered audit entry fails CC7.2', async () => {
    const entry = await t.storage.db
      .selectFrom('audit_log')
      .select('id')
      .where('organization_id', '=', owner.organizationId)
      .orderBy('seq')
      .executeTakeFirstOrThrow();
    await t.storage.db
      .updateTable('audit_log')
      .set({ action: 'auth.tampered' })
      .where('id', '=', entry.id)
      .execute();
    const { output } = await run();
    expect(output.audit.chain.ok).toBe(false);
    expect(control(output, 'CC7.2')?.status).toBe('fail');
    expect(output.summary).toContain('Audit chain BROKEN');
  });

  it("another organization's run sees none of this organization's ads, changes or audit entries", async () => {
    const { output } = await run(other);
    expect(output.adPolicy.checked).toBe(0);
    expect(output.audit.chain.ok).toBe(true);
    expect(control(output, 'CC8.1')?.evidence[0]).toBe(
      '0 change(s) applied: 0 approved by a person, 0 within guardrails',
    );
  });
});
