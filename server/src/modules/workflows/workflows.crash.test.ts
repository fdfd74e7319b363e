/**
 * The crash test: a real worker process is killed with SIGKILL in the middle of a workflow
 * that changes budgets on the simulator; a new worker process completes the execution, and the
 * simulator's own record of the write-backs it received shows every change exactly once. Runs on
 * SQLite + in-process queue and on PostgreSQL + BullMQ (OMNIFY_TEST_DB / OMNIFY_TEST_QUEUE).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { as, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { connectSimulator } from '../../../test/helpers/simulator.ts';
import { testDialect } from '../../storage/testing.ts';
import {
  createWorkflowTestApp,
  eventually,
  testQueueKind,
  type WorkflowTestApp,
} from './workflows.testing.ts';

const script = fileURLToPath(new URL('./workflows.worker-child.ts', import.meta.url));
const serverDir = fileURLToPath(new URL('../../../', import.meta.url));

interface Child {
  proc: ChildProcess;
  ready: Promise<void>;
  exited: Promise<void>;
  output: () => string;
}

function spawnWorker(env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: serverDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('ready\n')) resolve();
    });
    proc.stderr?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    void exited.then(() => reject(new Error(`worker exited before ready:\n${out}`)));
  });
  return { proc, ready, exited, output: () => out };
}

/** The simulator's own log of the write-backs it received (its state file next to the database). */
function simulatorWrites(
  t: WorkflowTestApp,
  seed: string,
): Array<{ action: { externalId: string; type: string } }> {
  try {
    const state = JSON.parse(
      readFileSync(path.join(t.config.dataDir, 'simulator', `sim-${seed}.json`), 'utf8'),
    );
    return state.actions;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

describe(`workflow crash recovery on ${testDialect()} + ${testQueueKind()}`, () => {
  let t: WorkflowTestApp;
  const children: Child[] = [];
  afterEach(async () => {
    for (const c of children)
      if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    children.length = 0;
    await t.close();
  });

  async function setup(seed: string) {
    t = await createWorkflowTestApp({ shared: true });
    const owner = await signUp(t.app, 'crash-owner');
    const sim = await connectSimulator(t as unknown as TestApp, owner, seed);
    // Budget changes of 5% pass the default guardrails; several in a row are allowed within the hour.
    const policy = await t.app.inject(
      as(owner, {
        method: 'PUT',
        url: '/api/v1/guardrails',
        payload: { settings: { minHoursBetweenChanges: 0 } },
      }),
    );
    expect(policy.statusCode, policy.body).toBe(200);
    const campaigns = await t.storage.db
      .selectFrom('campaigns')
      .select(['id', 'external_id'])
      .where('organization_id', '=', owner.organizationId)
      .where('status', '=', 'active')
      .where('daily_budget_micros', 'is not', null)
      .orderBy('id')
      .limit(3)
      .execute();
    expect(campaigns).toHaveLength(3);
    return { owner, sim, campaigns };
  }

  const budget = (id: string, campaignId: string, dependsOn: string[] = []) => ({
    id,
    type: 'proposal',
    dependsOn,
    config: { kind: 'budget_change', percent: 5 },
    input: { campaignId },
  });

  it('a worker killed mid-workflow: a new worker completes it and no budget change reaches the platform twice', async () => {
    const seed = 'wfcrash';
    const { owner, sim, campaigns } = await setup(seed);
    const [c1, c2, c3] = campaigns as [(typeof campaigns)[0], (typeof campaigns)[0], (typeof campaigns)[0]];
    const created = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: '/api/v1/workflows',
        payload: {
          name: 'Budget push',
          steps: [
            budget('first', c1.id),
            // A sync between the changes keeps the worker busy while it is killed; it polls, so a
            // killed worker leaves it half-way too.
            {
              id: 'refresh',
              type: 'connector_sync',
              dependsOn: ['first'],
              config: { connectionId: sim.connectionId, pollIntervalMs: 50 },
            },
            budget('second', c2.id, ['refresh']),
            budget('third', c3.id, ['refresh']),
          ],
        },
      }),
    );
    expect(created.statusCode, created.body).toBe(201);
    const before = simulatorWrites(t, seed).length;
    const run = await t.app.inject(
      as(owner, { method: 'POST', url: `/api/v1/workflows/${created.json().workflow.id}/runs`, payload: {} }),
    );
    expect(run.statusCode, run.body).toBe(202);
    const executionId: string = run.json().executionId;

    const first = spawnWorker(t.env);
    children.push(first);
    await first.ready;
    // Kill it as soon as the platform has received the first change: the workflow is mid-way.
    await eventually(
      'the first budget change on the platform',
      async () => simulatorWrites(t, seed).length > before,
      30_000,
    );
    first.proc.kill('SIGKILL');
    await first.exited;
    const atKill = await t.services.workflows.getExecution(
      {
        organizationId: owner.organizationId,
        actor: { type: 'user', id: owner.userId },
        userId: owner.userId,
        role: 'owner',
      },
      executionId,
    );
    expect(atKill.status).toBe('running');

    const second = spawnWorker(t.env);
    children.push(second);
    await second.ready;
    const done = await eventually<{ status: string; steps: Array<{ stepId: string; status: string }> }>(
      'the execution to finish after the restart',
      async () => {
        const res = await t.app.inject(
          as(owner, { method: 'GET', url: `/api/v1/workflows/executions/${executionId}` }),
        );
        return ['succeeded', 'failed', 'cancelled'].includes(res.json().status) ? res.json() : undefined;
      },
      60_000,
    );
    expect(done.status, `${JSON.stringify(done.steps)}\n${second.output()}`).toBe('succeeded');
    expect(done.steps.map((s: { stepId: string; status: string }) => `${s.stepId}:${s.status}`)).toEqual([
      'first:succeeded',
      'refresh:succeeded',
      'second:succeeded',
      'third:succeeded',
    ]);

    // The platform's own record: each campaign's budget was changed exactly once.
    const writes = simulatorWrites(t, seed).slice(before);
    const perCampaign = new Map<string, number>();
    for (const w of writes)
      perCampaign.set(w.action.externalId, (perCampaign.get(w.action.externalId) ?? 0) + 1);
    expect(Object.fromEntries(perCampaign)).toEqual({
      [c1.external_id]: 1,
      [c2.external_id]: 1,
      [c3.external_id]: 1,
    });
    // A kill between the platform's answer and its record leaves that proposal approved with its
    // write-back pending (never re-sent). The reconciler settles it by reading the platform, which
    // holds the change: every proposal ends applied, each with its applied write-back.
    const swept = await t.services.writeBacks.reconcile({
      organizationId: owner.organizationId,
      olderThanMs: 0,
    });
    expect(swept).toMatchObject({ failed: 0, unknown: 0, deferred: 0 });
    // At most one was caught in flight: its write-back pending, or recorded with the proposal not.
    expect(swept.checked + swept.proposals).toBeLessThanOrEqual(1);
    const proposals = await t.app.inject(as(owner, { method: 'GET', url: '/api/v1/actions' }));
    const items: Array<{ status: string; appliedActionId: string | null }> = proposals.json().items;
    expect(items.map((p) => p.status)).toEqual(['applied', 'applied', 'applied']);
    const actions = await t.storage.db
      .selectFrom('write_actions')
      .select(['id', 'status'])
      .where('organization_id', '=', owner.organizationId)
      .execute();
    expect(new Set(items.map((p) => p.appliedActionId))).toEqual(new Set(actions.map((a) => a.id)));
    expect(actions.every((a) => a.status === 'applied')).toBe(true);
  }, 180_000);

  it('a step job delivered again after its effect (a crash before the commit) replays the proposal, not the change', async () => {
    const seed = 'wfredeliver';
    const { owner, campaigns } = await setup(seed);
    const c1 = campaigns[0] as (typeof campaigns)[0];
    const created = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: '/api/v1/workflows',
        payload: { name: 'Once', steps: [budget('only', c1.id)] },
      }),
    );
    const workflowId = created.json().workflow.id;
    const before = simulatorWrites(t, seed).length;
    const { executionId } = (
      await t.app.inject(
        as(owner, { method: 'POST', url: `/api/v1/workflows/${workflowId}/runs`, payload: {} }),
      )
    ).json();
    const job = { organizationId: owner.organizationId, executionId, stepId: 'only', attempt: 1, poll: 0 };
    const signal = new AbortController().signal;
    expect(await t.services.workflows.runStep(job, signal)).toEqual({ stepId: 'only', outcome: 'done' });
    expect(simulatorWrites(t, seed).length - before).toBe(1);
    // As if the worker died after the platform call but before its commit: the rows say "running".
    await t.storage.db
      .updateTable('workflow_step_runs')
      .set({ status: 'running', output: null })
      .where('execution_id', '=', executionId)
      .execute();
    await t.storage.db
      .updateTable('workflow_executions')
      .set({ status: 'running', finished_at: null })
      .where('id', '=', executionId)
      .execute();
    expect(await t.services.workflows.runStep(job, signal)).toEqual({ stepId: 'only', outcome: 'done' });
    const exec = await t.app.inject(
      as(owner, { method: 'GET', url: `/api/v1/workflows/executions/${executionId}` }),
    );
    expect(exec.json().steps[0]).toMatchObject({
      status: 'succeeded',
      output: { status: 'applied', replayed: true },
    });
    expect(simulatorWrites(t, seed).length - before).toBe(1);
  }, 60_000);
});
