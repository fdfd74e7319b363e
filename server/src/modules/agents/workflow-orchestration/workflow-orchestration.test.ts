import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, type Signed, signUp, type TestApp } from '../../../../test/helpers/app.ts';
import { connectSimulator, type SyncedSimulator } from '../../../../test/helpers/simulator.ts';
import { testDialect } from '../../../storage/testing.ts';
import { systemCtx } from '../../auth/context.ts';
import { runDirect } from '../agent-kit/testing.ts';
import { designWorkflow, patternOf } from './design.ts';
import { levelsOf, workflowOrchestration, workflowOutput } from './index.ts';

type Output = ReturnType<typeof workflowOutput.parse>;

describe('workflow design (pure)', () => {
  it('maps goals to patterns and lays steps out in parallel stages', () => {
    expect(patternOf('Launch the spring campaign')).toBe('campaign_launch');
    expect(patternOf('Onboard our new client')).toBe('client_onboarding');
    expect(patternOf('Send the monthly report')).toBe('monthly_reporting');
    expect(patternOf('Reallocate budget to the best campaigns')).toBe('budget_optimization');
    expect(patternOf('Keep an eye on things')).toBe('health_check');
    const d = designWorkflow({
      goal: 'onboard',
      connectionId: 'con_1',
      clientId: 'cli_1',
      notifyEmail: 'a@b.example',
      agentIds: { client_management: 'agt_1' },
    });
    expect(levelsOf(d.steps)).toEqual([['sync'], ['fatigue', 'anomalies'], ['health'], ['welcome']]);
    expect(d.needs).toEqual([]);
  });
  it('says what is missing instead of inventing ids', () => {
    const d = designWorkflow({ goal: 'launch it', agentIds: {} });
    expect(d.needs).toEqual(
      expect.arrayContaining([
        'campaignId of the campaign to launch',
        'the creative_intelligence agent',
        'notifyEmail for the notification step',
      ]),
    );
  });
});

describe(`workflow orchestration agent on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let other: Signed;
  let sim: SyncedSimulator;
  const run = async (input: unknown, who: Signed = owner) =>
    runDirect<Output>(workflowOrchestration, input, {
      services: t.services,
      organizationId: who.organizationId,
      agentId: (await t.services.agents.list(systemCtx(who.organizationId))).find(
        (a) => a.kind === 'workflow_orchestration',
      )?.id as string,
      executionId: 'exe_wf_1',
    });

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'orchestrator');
    other = await signUp(t.app, 'intruder');
    sim = await connectSimulator(t, owner, 'workflows');
  }, 120_000);
  afterAll(() => t?.close());

  it('designs a valid DAG from a goal without saving it', async () => {
    const { output, steps } = await run({
      goal: 'Launch the new campaign',
      campaignId: sim.campaignId,
      notifyEmail: 'team@agency.example',
    });
    expect(workflowOutput.safeParse(output).success).toBe(true);
    expect(steps.map((s) => s.tool)).toEqual(['workflow_building_blocks', 'validate_workflow']);
    expect(output.validation).toEqual({ ok: true, problems: [] });
    expect(output.levels).toEqual([['forecast', 'creative_check'], ['approve'], ['enable'], ['announce']]);
    expect(output.workflowId).toBeNull();
  });

  it('saves and starts a workflow as the agent; another organization cannot read it', async () => {
    const { output, steps } = await run({
      goal: 'Weekly account health check',
      notifyEmail: 'team@agency.example',
      start: true,
    });
    expect(steps.map((s) => s.tool)).toEqual([
      'workflow_building_blocks',
      'validate_workflow',
      'create_workflow',
      'start_workflow',
    ]);
    expect(output.workflowId).toMatch(/^\w+_/);
    expect(output.workflowExecutionId).not.toBeNull();
    // The sync step uses the organization's only connection.
    expect(output.definition.steps[0]).toMatchObject({
      id: 'sync',
      config: { connectionId: sim.connectionId },
    });
    const mine = await t.app.inject(
      as(owner, { method: 'GET', url: `/api/v1/workflows/${output.workflowId}` }),
    );
    expect(mine.statusCode).toBe(200);
    const audit = await t.services.audit.list(owner.organizationId, { actorType: 'agent', limit: 50 });
    expect(audit.items.some((e) => e.target?.id === output.workflowId)).toBe(true);
    const theirs = await t.app.inject(
      as(other, { method: 'GET', url: `/api/v1/workflows/${output.workflowId}` }),
    );
    expect(theirs.statusCode).toBe(404);
    // The same run of the agent does not start the workflow twice.
    const again = await t.services.workflows.run(
      systemCtx(owner.organizationId),
      output.workflowId as string,
      { idempotencyKey: `agent:exe_wf_1:${output.workflowId}` },
    );
    expect(again.replayed).toBe(true);
  });
});
