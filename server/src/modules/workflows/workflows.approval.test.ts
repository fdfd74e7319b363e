import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, joinOrganization, type Signed, signUp, uniqueEmail } from '../../../test/helpers/app.ts';
import { testDialect } from '../../storage/testing.ts';
import { fixtures } from '../catalog/catalog.fixtures.ts';
import {
  createWorkflowTestApp,
  eventually,
  testQueueKind,
  type WorkflowTestApp,
} from './workflows.testing.ts';

type Body = Record<string, unknown>;

/**
 * Approval steps follow the guardrail policy the proposals follow: who may decide (approverRole,
 * with a client's override) and how many distinct people must approve.
 */
describe(`workflow approval steps and the guardrail policy on ${testDialect()} + ${testQueueKind()}`, () => {
  let t: WorkflowTestApp;
  let owner: Signed;
  let admin: Signed;
  let manager: Signed;

  const join = (role: string) => joinOrganization(t.app, owner, role);

  const gated = (gate: Body = {}) => ({
    name: 'Gated',
    steps: [
      { id: 'gate', type: 'approval_wait', config: { message: 'Go?', ...gate } },
      {
        id: 'after',
        type: 'notify',
        dependsOn: ['gate'],
        config: { to: ['team@example.test'], subject: 'After the gate', body: 'It went on' },
      },
    ],
  });
  const start = async (definition: Body) => {
    const created = await t.app.inject(
      as(owner, { method: 'POST', url: '/api/v1/workflows', payload: definition }),
    );
    expect(created.statusCode, created.body).toBe(201);
    const ran = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: `/api/v1/workflows/${created.json().workflow.id}/runs`,
        payload: { input: {} },
      }),
    );
    expect(ran.statusCode, ran.body).toBe(202);
    const id = ran.json().executionId as string;
    await eventually(`execution ${id} waiting`, async () => {
      const e = await execution(id);
      return e.status === 'waiting_approval' ? e : undefined;
    });
    return id;
  };
  /** Saves and runs a workflow whose gate cannot start, and returns the failed execution. */
  const runToFailure = async (definition: Body) => {
    const created = await t.app.inject(
      as(owner, { method: 'POST', url: '/api/v1/workflows', payload: definition }),
    );
    expect(created.statusCode, created.body).toBe(201);
    const ran = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: `/api/v1/workflows/${created.json().workflow.id}/runs`,
        payload: { input: {} },
      }),
    );
    return eventually('the run fails', async () => {
      const e = await execution(ran.json().executionId);
      return e.status === 'failed' ? e : undefined;
    });
  };
  const execution = async (id: string) =>
    (await t.app.inject(as(owner, { method: 'GET', url: `/api/v1/workflows/executions/${id}` }))).json();
  const decide = (who: Signed, id: string, decision: 'approve' | 'reject', comment?: string) =>
    t.app.inject(
      as(who, {
        method: 'POST',
        url: `/api/v1/workflows/executions/${id}/steps/gate/${decision}`,
        payload: comment ? { comment } : {},
      }),
    );
  const gateOf = (e: { steps: Array<{ stepId: string }> }) =>
    e.steps.find((s) => s.stepId === 'gate') as unknown as { status: string; output: Body };
  const putPolicy = async (settings: Body, clientId?: string) => {
    const res = await t.app.inject(
      as(owner, {
        method: 'PUT',
        url: '/api/v1/guardrails',
        payload: { settings, ...(clientId ? { clientId } : {}) },
      }),
    );
    expect(res.statusCode, res.body).toBe(200);
  };
  const sentAfter = () => t.mailer.sent.filter((m) => m.subject === 'After the gate').length;

  beforeAll(async () => {
    t = await createWorkflowTestApp();
    owner = await signUp(t.app, 'wf-approval-owner');
    admin = await join('admin');
    manager = await join('manager');
    await t.startWorker();
  });
  afterAll(async () => {
    await t.close();
  });

  it("a decision needs the policy's approverRole: below it is 403 forbidden with the required role, and nothing moves", async () => {
    await putPolicy({ approverRole: 'admin' });
    try {
      const id = await start(gated());
      for (const decision of ['approve', 'reject'] as const) {
        const refused = await decide(manager, id, decision);
        expect(refused.statusCode).toBe(403);
        expect(refused.json().error).toMatchObject({
          code: 'forbidden',
          details: { requiredRole: 'admin', role: 'manager' },
        });
      }
      const still = await execution(id);
      expect(still.status).toBe('waiting_approval');
      expect(gateOf(still).status).toBe('waiting_approval');
      expect(gateOf(still).output.approvals).toEqual([]);

      const ok = await decide(admin, id, 'approve', 'fine');
      expect(ok.statusCode, ok.body).toBe(200);
      expect(gateOf(ok.json())).toMatchObject({ status: 'succeeded', output: { approved: true } });
      await eventually('the step after the gate', async () => (sentAfter() >= 1 ? true : undefined));
    } finally {
      await putPolicy({});
    }
  });

  it("a step naming a client follows that client's override of the approver role; an unknown client fails the step", async () => {
    const client = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: '/api/v1/clients',
        payload: { name: 'Strict client', email: uniqueEmail('strict') },
      }),
    );
    expect(client.statusCode, client.body).toBe(201);
    const clientId = client.json().id as string;
    await putPolicy({ approverRole: 'owner' }, clientId);

    const id = await start(gated({ clientId }));
    const refused = await decide(admin, id, 'approve');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.details).toMatchObject({ requiredRole: 'owner', role: 'admin' });
    // Without the client, the organization's policy (manager) applies.
    const plain = await start(gated());
    expect((await decide(manager, plain, 'approve')).statusCode).toBe(200);
    const byOwner = await decide(owner, id, 'approve');
    expect(byOwner.statusCode, byOwner.body).toBe(200);
    expect(gateOf(byOwner.json()).status).toBe('succeeded');

    expect((await runToFailure(gated({ clientId: 'cli_nope' }))).error).toMatch(/Client cli_nope not found/);
  });

  it("a step gating a campaign follows the policy of the client its ad account belongs to; another organization's campaign fails the step", async () => {
    const f = fixtures(t.storage, owner.organizationId);
    const strict = await f.client('Campaign-owning client');
    const account = await f.account({ platform: 'google_ads', currency: 'USD', clientId: strict.id });
    const campaign = await f.campaign(account, 'Launch me');
    await putPolicy({ approverRole: 'owner' }, strict.id);

    const id = await start(gated({ campaignId: campaign.id }));
    expect(gateOf(await execution(id)).output).toMatchObject({
      clientId: strict.id,
      campaignId: campaign.id,
    });
    const refused = await decide(admin, id, 'approve');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.details).toMatchObject({ requiredRole: 'owner', role: 'admin' });
    expect(gateOf((await decide(owner, id, 'approve')).json()).status).toBe('succeeded');

    const other = await signUp(t.app, 'wf-approval-other');
    const foreign = fixtures(t.storage, other.organizationId);
    const theirs = await foreign.campaign(
      await foreign.account({ platform: 'google_ads', currency: 'USD' }),
      'Not yours',
    );
    expect((await runToFailure(gated({ campaignId: theirs.id }))).error).toMatch(
      new RegExp(`Campaign ${theirs.id} not found`),
    );
    // Named with a client of this organization, the foreign campaign is still refused.
    expect((await runToFailure(gated({ clientId: strict.id, campaignId: theirs.id }))).error).toMatch(
      new RegExp(`Campaign ${theirs.id} not found`),
    );
  });

  it('a step set to two approvals waits for two different people; the same person twice does not count', async () => {
    const before = sentAfter();
    const id = await start(gated({ approvals: 2 }));
    const first = await decide(owner, id, 'approve', 'one');
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().status).toBe('waiting_approval');
    const gate = gateOf(first.json());
    expect(gate.status).toBe('waiting_approval');
    expect(gate.output).toMatchObject({
      requiredApprovals: 2,
      approvals: [expect.objectContaining({ by: owner.userId, role: 'owner', comment: 'one' })],
    });

    const twice = await decide(owner, id, 'approve', 'again');
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error).toMatchObject({
      code: 'conflict',
      details: { approvals: 1, requiredApprovals: 2 },
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(gateOf(await execution(id)).status).toBe('waiting_approval');
    expect(sentAfter()).toBe(before);

    const second = await decide(manager, id, 'approve', 'two');
    expect(second.statusCode, second.body).toBe(200);
    const done = gateOf(second.json());
    expect(done.status).toBe('succeeded');
    expect((done.output.approvals as Body[]).map((a) => a.by)).toEqual([owner.userId, manager.userId]);
    await eventually('the step after the gate', async () => (sentAfter() > before ? true : undefined));

    const audit = await t.storage.db
      .selectFrom('audit_log')
      .select('action')
      .where('organization_id', '=', owner.organizationId)
      .where('target_id', '=', id)
      .where('action', 'like', 'workflows.step_approv%')
      .orderBy('seq')
      .execute();
    expect(audit.map((a) => a.action)).toEqual([
      'workflows.step_approval_recorded',
      'workflows.step_approved',
    ]);
  });

  it("a step that knows the change it gates needs two approvers above the policy's twoApproversAbovePct", async () => {
    const pctGate = {
      name: 'Sized gate',
      steps: [{ id: 'gate', type: 'approval_wait', input: { changePct: '{{trigger.pct}}' } }],
    };
    const startWith = async (pct: number) => {
      const created = await t.app.inject(
        as(owner, { method: 'POST', url: '/api/v1/workflows', payload: pctGate }),
      );
      expect(created.statusCode, created.body).toBe(201);
      const ran = await t.app.inject(
        as(owner, {
          method: 'POST',
          url: `/api/v1/workflows/${created.json().workflow.id}/runs`,
          payload: { input: { pct } },
        }),
      );
      const id = ran.json().executionId as string;
      await eventually('waiting', async () =>
        (await execution(id)).status === 'waiting_approval' ? true : undefined,
      );
      return id;
    };
    // Default policy: two approvers above 100%.
    const big = await startWith(150);
    const one = await decide(manager, big, 'approve');
    expect(gateOf(one.json())).toMatchObject({
      status: 'waiting_approval',
      output: { changePct: 150, requiredApprovals: 2 },
    });
    expect(gateOf((await decide(admin, big, 'approve')).json()).status).toBe('succeeded');

    const small = await startWith(-50);
    expect(gateOf(await execution(small)).output).toMatchObject({ changePct: -50, requiredApprovals: 1 });
    expect(gateOf((await decide(manager, small, 'approve')).json()).status).toBe('succeeded');

    // A stricter policy: above 40% already needs two.
    await putPolicy({ twoApproversAbovePct: 40 });
    try {
      const mid = await startWith(-50);
      expect(gateOf(await execution(mid)).output).toMatchObject({ requiredApprovals: 2 });
    } finally {
      await putPolicy({});
    }
  });

  it('one rejection fails a two-approval step even after a first approval', async () => {
    const id = await start(gated({ approvals: 2 }));
    expect((await decide(manager, id, 'approve')).statusCode).toBe(200);
    const rejected = await decide(admin, id, 'reject', 'no');
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(rejected.json()).toMatchObject({ status: 'failed', error: 'Step gate failed: Rejected: no' });
  });

  it('more than two approvals is refused when the workflow is saved', async () => {
    const res = await t.app.inject(
      as(owner, { method: 'POST', url: '/api/v1/workflows', payload: gated({ approvals: 3 }) }),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_input');
    expect(res.json().error.details.issues).toContainEqual(
      expect.objectContaining({
        location: 'body.steps.0.config.approvals',
        path: ['steps', 0, 'config', 'approvals'],
      }),
    );
  });
});
