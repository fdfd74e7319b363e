import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { as, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { connectSimulator } from '../../../test/helpers/simulator.ts';
import { testDialect } from '../../storage/testing.ts';
import {
  createWorkflowTestApp,
  eventually,
  testQueueKind,
  type WorkflowTestApp,
} from './workflows.testing.ts';

type Step = { stepId: string; status: string; output: Record<string, unknown>; error: string | null };
type Execution = {
  id: string;
  status: string;
  error: string | null;
  finishedAt: string | null;
  steps: Step[];
};

/**
 * A workflow whose change the guardrails hold for approval has not succeeded: its step is
 * `proposed`, the run `proposed`, until the proposal is decided; then the run says what happened.
 */
describe(`workflow runs whose proposals wait for approval on ${testDialect()} + ${testQueueKind()}`, () => {
  let t: WorkflowTestApp;
  let owner: Signed;
  let campaignId: string;
  let workflowId: string;

  beforeEach(async () => {
    t = await createWorkflowTestApp();
    owner = await signUp(t.app, 'wf-proposed');
    await t.startWorker();
    ({ campaignId } = await connectSimulator(t as unknown as TestApp, owner, 'wfproposed'));
    // Every pause waits for a person.
    const policy = await t.app.inject(
      as(owner, {
        method: 'PUT',
        url: '/api/v1/guardrails',
        payload: { settings: { minHoursBetweenChanges: 0, alwaysRequireApproval: ['pause'] } },
      }),
    );
    expect(policy.statusCode, policy.body).toBe(200);
    const created = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: '/api/v1/workflows',
        payload: {
          name: 'Pause under guardrails',
          steps: [
            {
              id: 'pause',
              type: 'proposal',
              config: { kind: 'pause', reason: 'Test pause' },
              input: { campaignId: '{{trigger.campaignId}}' },
            },
            {
              id: 'tell',
              type: 'notify',
              dependsOn: ['pause'],
              config: {
                to: ['ops@example.test'],
                subject: 'Pause {{steps.pause.output.outcome}}',
                body: '{{steps.pause.output.summary}}',
              },
            },
          ],
        },
      }),
    );
    expect(created.statusCode, created.body).toBe(201);
    workflowId = created.json().workflow.id;
  });
  afterEach(async () => {
    await t.close();
  });

  const execution = async (id: string) =>
    (
      await t.app.inject(as(owner, { method: 'GET', url: `/api/v1/workflows/executions/${id}` }))
    ).json() as Execution;
  const startAndWait = async () => {
    const res = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: `/api/v1/workflows/${workflowId}/runs`,
        payload: { input: { campaignId } },
      }),
    );
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().executionId as string;
    return eventually(`execution ${id} done`, async () => {
      const e = await execution(id);
      return ['proposed', 'succeeded', 'failed', 'cancelled'].includes(e.status) ? e : undefined;
    });
  };
  const step = (e: Execution, id: string) => e.steps.find((s) => s.stepId === id) as Step;
  const decide = (proposalId: string, decision: 'approve' | 'reject', comment?: string) =>
    t.app.inject(
      as(owner, {
        method: 'POST',
        url: `/api/v1/actions/${proposalId}/${decision}`,
        payload: comment ? { comment } : {},
      }),
    );
  const actions = async (executionId: string) =>
    (
      await t.storage.db
        .selectFrom('audit_log')
        .select('action')
        .where('organization_id', '=', owner.organizationId)
        .where('target_id', '=', executionId)
        .orderBy('seq')
        .execute()
    ).map((r) => r.action);

  it('is proposed, not succeeded, while the change waits; succeeds once the proposal is approved and applied', async () => {
    const waiting = await startAndWait();
    expect(waiting.status).toBe('proposed');
    expect(step(waiting, 'pause')).toMatchObject({
      status: 'proposed',
      output: { status: 'pending_approval', outcome: 'waiting for approval', applied: false },
    });
    // The steps after it still run, and say the change waits.
    expect(step(waiting, 'tell').status).toBe('succeeded');
    expect(t.mailer.sent.at(-1)?.subject).toBe('Pause waiting for approval');
    // The run history says so too.
    const runs = await t.app.inject(
      as(owner, { method: 'GET', url: `/api/v1/workflows/${workflowId}/runs` }),
    );
    expect(runs.json().items.map((e: { status: string }) => e.status)).toEqual(['proposed']);
    expect(await actions(waiting.id)).toEqual(
      expect.arrayContaining(['workflows.step_proposed', 'workflows.execution_proposed']),
    );
    expect(await actions(waiting.id)).not.toContain('workflows.execution_succeeded');
    // A run that only waits for its proposals is not cancelled (its steps are done): 409.
    const cancel = await t.app.inject(
      as(owner, { method: 'POST', url: `/api/v1/workflows/executions/${waiting.id}/cancel` }),
    );
    expect(cancel.statusCode).toBe(409);

    // Nothing decided yet: the minute's settling changes nothing.
    expect(await t.services.workflows.settleProposed()).toEqual({ settled: 0 });
    expect((await execution(waiting.id)).status).toBe('proposed');

    const proposalId = step(waiting, 'pause').output.proposalId as string;
    const approved = await decide(proposalId, 'approve');
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json().status).toBe('applied');
    expect(await t.services.workflows.settleProposed()).toEqual({ settled: 1 });
    const done = await execution(waiting.id);
    expect(done).toMatchObject({ status: 'succeeded', error: null });
    expect(step(done, 'pause')).toMatchObject({
      status: 'succeeded',
      output: { proposalId, status: 'applied', outcome: 'paused', applied: true },
    });
    expect(await actions(waiting.id)).toContain('workflows.execution_succeeded');
    const campaign = await t.storage.db
      .selectFrom('campaigns')
      .select('status')
      .where('id', '=', campaignId)
      .executeTakeFirstOrThrow();
    expect(campaign.status).toBe('paused');
    // Settled once: the next minute finds nothing to do.
    expect(await t.services.workflows.settleProposed()).toEqual({ settled: 0 });
  });

  it('fails, naming the rejection, when the proposal is rejected', async () => {
    const waiting = await startAndWait();
    expect(waiting.status).toBe('proposed');
    const proposalId = step(waiting, 'pause').output.proposalId as string;
    const rejected = await decide(proposalId, 'reject', 'Not this week');
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(await t.services.workflows.settleProposed()).toEqual({ settled: 1 });
    const done = await execution(waiting.id);
    expect(done.status).toBe('failed');
    expect(done.error).toBe(`Step pause failed: Proposal ${proposalId} was rejected: Not this week`);
    expect(step(done, 'pause')).toMatchObject({
      status: 'failed',
      output: { status: 'rejected', applied: false },
    });
    expect(await actions(waiting.id)).toContain('workflows.execution_failed');
  });

  it("another organization's runs are not its to see, and settling keeps to each run's organization", async () => {
    const waiting = await startAndWait();
    const other = await signUp(t.app, 'wf-proposed-other');
    const peek = await t.app.inject(
      as(other, { method: 'GET', url: `/api/v1/workflows/executions/${waiting.id}` }),
    );
    expect(peek.statusCode).toBe(404);
    // Rejected by someone of another organization: 404, and the run still waits.
    const proposalId = step(waiting, 'pause').output.proposalId as string;
    const foreign = await t.app.inject(
      as(other, { method: 'POST', url: `/api/v1/actions/${proposalId}/reject`, payload: {} }),
    );
    expect(foreign.statusCode).toBe(404);
    expect(await t.services.workflows.settleProposed()).toEqual({ settled: 0 });
    expect((await execution(waiting.id)).status).toBe('proposed');
  });
});
