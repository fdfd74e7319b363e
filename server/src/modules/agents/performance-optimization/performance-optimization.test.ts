import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp } from '../../../../test/helpers/app.ts';
import { connectSimulator, type SyncedSimulator } from '../../../../test/helpers/simulator.ts';
import { testDialect } from '../../../storage/testing.ts';
import { systemCtx } from '../../auth/context.ts';
import { runDirect } from '../agent-kit/testing.ts';
import { performanceOptimization, performanceOutput } from './index.ts';

type Output = ReturnType<typeof performanceOutput.parse>;

describe(`performance optimization agent on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let other: Signed;
  let sim: SyncedSimulator;
  const run = async (who: Signed = owner, input: unknown = {}) =>
    runDirect<Output>(performanceOptimization, input, {
      services: t.services,
      organizationId: who.organizationId,
      agentId: (await t.services.agents.list(systemCtx(who.organizationId))).find(
        (a) => a.kind === 'performance_optimization',
      )?.id as string,
    });

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'ops');
    other = await signUp(t.app, 'intruder');
    sim = await connectSimulator(t, owner, 'perf');
  }, 120_000);
  afterAll(() => t?.close());

  it('reports a fresh connection, the queue and plan use, validated by the schema', async () => {
    const { output, steps } = await run();
    expect(performanceOutput.safeParse(output).success).toBe(true);
    expect(steps.map((s) => s.tool)).toEqual(['queue_health', 'sync_freshness', 'plan_usage']);
    const c = output.connections.find((x) => x.connectionId === sim.connectionId);
    expect(c).toMatchObject({ stale: false, recentFailures: 0, status: 'active' });
    expect(c?.recentRuns).toBe(1);
    expect(c?.lastSuccessAt).not.toBeNull();
    expect(output.quota.usage.map((u) => u.limit)).toContain('clients');
  });

  it('a sync that waits in the queue shows as lag and a stale connection with a recommendation', async () => {
    // A sync requested now and never picked up (no worker runs in this test), then two hours pass.
    const started = await t.services.sync.start(systemCtx(owner.organizationId), sim.connectionId, {
      kind: 'incremental',
    });
    expect(started.status).toBe('queued');
    t.clock.advance(2 * 3_600_000 + 10 * 60_000);
    const { output } = await run(owner, { lagWarnSeconds: 300 });
    expect(output.queue.queued).toBeGreaterThan(0);
    expect(output.queue.lagSeconds).toBeGreaterThanOrEqual(2 * 3600);
    expect(output.status).not.toBe('healthy');
    expect(output.findings.map((f) => f.area)).toContain('queue');
    const c = output.connections.find((x) => x.connectionId === sim.connectionId);
    expect(c?.queuedRuns).toBe(1);
    expect(output.summary).toMatch(/lag \d+ s/);
  });

  it('another organization sees only its own queue and connections', async () => {
    const { output } = await run(other);
    expect(output.connections).toEqual([]);
    expect(output.queue.queued).toBe(0);
    expect(output.status).toBe('healthy');
  });
});
