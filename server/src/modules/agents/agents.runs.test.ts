/**
 * Agent runs through the API on the built-in engine, with a small test definition: steps and audit,
 * input validation, every limit (steps, time, concurrency, per day, plan), queued runs through the
 * job, cancel, metrics, history, and tenant isolation.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { testDialect } from '../../storage/testing.ts';
import { fixtures } from '../catalog/catalog.fixtures.ts';
import { agentJobs } from './agents.jobs.ts';
import { agentDefinitions } from './agents.registry.ts';
import { testAgent } from './agents.testing.ts';

describe(`agent runs on the built-in engine on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let other: Signed;
  let agentId: string;
  const req = (who: Signed, opts: InjectOptions) => t.app.inject(as(who, opts));
  const run = (who: Signed, input: unknown, extra: Record<string, unknown> = {}, id = agentId) =>
    req(who, { method: 'POST', url: `/api/v1/agents/${id}/runs`, payload: { input, ...extra } });
  const setLimits = async (limits: Record<string, number>) => {
    const res = await req(owner, { method: 'PATCH', url: `/api/v1/agents/${agentId}`, payload: { limits } });
    expect(res.statusCode, res.body).toBe(200);
  };
  const executionCount = async (orgId = owner.organizationId) =>
    Number(
      (
        await t.storage.db
          .selectFrom('agent_executions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('organization_id', '=', orgId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const waitFor = async (id: string, done: (status: string) => boolean) => {
    for (let i = 0; i < 200; i++) {
      const res = await req(owner, { method: 'GET', url: `/api/v1/agents/executions/${id}` });
      if (done(res.json().status)) return res.json();
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`execution ${id} did not reach the expected status`);
  };

  beforeAll(async () => {
    t = await createTestApp({
      // The test definition as the analytics agent, two shipped ones for their input schemas, and
      // the other kinds without a definition.
      services: {
        agentDefinitions: {
          analytics: testAgent,
          performance_optimization: agentDefinitions.performance_optimization,
          workflow_orchestration: agentDefinitions.workflow_orchestration,
          client_management: agentDefinitions.client_management,
          creative_intelligence: agentDefinitions.creative_intelligence,
        },
      },
      env: { OMNIFY_LIMIT_AGENT_RUNS_PER_MONTH: '40', OMNIFY_AGENTS_WAIT_SECONDS: '2' },
    });
    owner = await signUp(t.app, 'agent-owner');
    other = await signUp(t.app, 'agent-other');
    agentId = (await req(owner, { method: 'GET', url: '/api/v1/agents/analytics' })).json().id;
  });
  afterAll(() => t.close());

  it('runs inline: the output, every tool call as a step, the agent as actor, and both audit entries', async () => {
    const res = await run(owner, { numbers: [1, 2, 3] });
    expect(res.statusCode, res.body).toBe(200);
    const e = res.json();
    expect(e).toMatchObject({
      status: 'succeeded',
      engine: 'builtin',
      trigger: 'manual',
      output: { summary: 'Total 6, computed as agent', total: 6 },
      stepCount: 3,
      error: null,
      createdBy: { type: 'user', id: owner.userId },
    });
    expect(
      e.steps.map((s: { toolName: string; input: unknown; output: unknown }) => [
        s.toolName,
        s.input,
        s.output,
      ]),
    ).toEqual([
      ['add', { a: 1, b: 2 }, { sum: 3 }],
      ['add', { a: 3, b: 3 }, { sum: 6 }],
      ['whoami', {}, { actor: { type: 'agent', id: agentId }, executionId: e.id, clients: 0 }],
    ]);
    expect(e.steps.every((s: { type: string }) => s.type === 'tool_call')).toBe(true);
    expect(e.durationMs).toBeGreaterThanOrEqual(0);
    const audit = await t.storage.db
      .selectFrom('audit_log')
      .select(['action', 'actor_type', 'actor_id', 'metadata'])
      .where('target_id', '=', e.id)
      .orderBy('seq')
      .execute();
    expect(audit.map((a) => [a.action, a.actor_type, a.actor_id])).toEqual([
      ['agents.run_started', 'user', owner.userId],
      ['agents.run_finished', 'agent', agentId],
    ]);
    expect(JSON.parse(audit[1]?.metadata ?? '{}')).toMatchObject({ status: 'succeeded', steps: 3 });
  });

  it('the kind works as the agent id, and GET shows the definition with JSON schemas', async () => {
    const res = await req(owner, { method: 'GET', url: '/api/v1/agents/analytics' });
    expect(res.statusCode).toBe(200);
    const def = res.json().definition;
    expect(def.instructions).toContain('Add the numbers');
    expect(def.tools.map((x: { name: string }) => x.name)).toEqual(['add', 'whoami', 'fail', 'wait']);
    expect(def.tools[0].inputSchema).toMatchObject({
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
    });
    expect(def.inputSchema.properties.numbers.type).toBe('array');
    expect(def.outputSchema.required).toEqual(['summary', 'total']);
    expect(def.engines).toEqual(['builtin']);
    // An agent kind without a definition shows none.
    const other = await req(owner, { method: 'GET', url: '/api/v1/agents/compliance' });
    expect(other.json().definition).toBeNull();
  });

  it('refuses input that does not match the input schema with 400 and stores nothing', async () => {
    const before = await executionCount();
    for (const input of [{ numbers: [] }, { numbers: ['x'] }, { numbers: [1], extra: true }, {}]) {
      const res = await run(owner, input);
      expect(res.statusCode, JSON.stringify(input)).toBe(400);
      expect(res.json().error.code).toBe('invalid_input');
      expect(res.json().error.details.issues.length).toBeGreaterThan(0);
    }
    expect(await executionCount()).toBe(before);
  });

  it('an input the agent refuses is a 400 in the error format of every other 400: located issues, message naming the first', async () => {
    const before = await executionCount();
    // An unknown key, as a first-time caller sends it (the agent takes no clientId).
    const unknown = await run(owner, { clientId: 'cli_x' }, {}, 'performance_optimization');
    expect(unknown.statusCode, unknown.body).toBe(400);
    const u = unknown.json().error;
    expect(u.code).toBe('invalid_input');
    expect(u.message).toMatch(/^body\.input: Unrecognized key: "clientId"/);
    expect(u.message).toContain('performance_optimization');
    expect(u.details.issues).toEqual([
      {
        location: 'body.input',
        path: ['input'],
        code: 'unrecognized_keys',
        message: 'Unrecognized key: "clientId"',
        keys: ['clientId'],
      },
    ]);
    // A missing field, at its own location.
    const missing = await run(owner, {}, {}, 'workflow_orchestration');
    expect(missing.statusCode, missing.body).toBe(400);
    const m = missing.json().error;
    expect(m.code).toBe('invalid_input');
    expect(m.message).toMatch(/^body\.input\.goal: Required/);
    expect(m.details.issues[0]).toMatchObject({
      location: 'body.input.goal',
      path: ['input', 'goal'],
      code: 'invalid_type',
    });
    // Nested paths keep their indexes, and every issue is listed.
    const nested = await run(owner, { numbers: [1, 'x'], extra: true });
    const n = nested.json().error;
    expect(n.code).toBe('invalid_input');
    expect(n.details.issues.map((i: { location: string }) => i.location).sort()).toEqual([
      'body.input',
      'body.input.numbers.1',
    ]);
    expect(n.message).toMatch(/\(and 1 more\)/);
    expect(await executionCount()).toBe(before);
  });

  it('a run about a client that does not exist here is a 404 before anything is stored or counted', async () => {
    const before = await executionCount();
    const usage = async () =>
      (await req(owner, { method: 'GET', url: '/api/v1/billing/usage' })).json().usage.agentRunsPerMonth.used;
    const used = await usage();
    const made = await req(other, {
      method: 'POST',
      url: '/api/v1/clients',
      payload: { name: 'Their client', email: 'their-client@example.com' },
    });
    expect(made.statusCode, made.body).toBe(201);
    const theirs = made.json().id as string;
    for (const clientId of ['cli_nope', theirs]) {
      const res = await run(owner, { clientId }, {}, 'client_management');
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json().error.code).toBe('not_found');
      expect(res.json().error.message).toContain(clientId);
    }
    expect(await executionCount()).toBe(before);
    expect(await usage()).toBe(used);
  });

  it('a run about ads that do not exist here is a 404 naming them, before anything is stored or counted', async () => {
    const before = await executionCount();
    const usage = async () =>
      (await req(owner, { method: 'GET', url: '/api/v1/billing/usage' })).json().usage.agentRunsPerMonth.used;
    const used = await usage();
    const f = fixtures(t.storage, other.organizationId);
    const acc = await f.account({ platform: 'meta', currency: 'GBP' });
    const cmp = await f.campaign(acc, 'Their campaign');
    const theirs = (await f.ad(acc, await f.adGroup(acc, cmp, 'Their group'), 'Their ad')).id;
    for (const adIds of [['ad_nope'], [theirs], ['ad_nope', theirs]]) {
      const res = await run(owner, { adIds }, {}, 'creative_intelligence');
      expect(res.statusCode, res.body).toBe(404);
      const error = res.json().error;
      expect(error.code).toBe('not_found');
      expect(error.details).toEqual({ field: 'adIds', ids: adIds });
      for (const id of adIds) expect(error.message).toContain(id);
    }
    // Their own ad is theirs to review: the check is by organization, not a blanket refusal.
    const mine = await run(other, { adIds: [theirs] }, {}, 'creative_intelligence');
    expect(mine.statusCode, mine.body).toBe(200);
    expect(mine.json().status).toBe('succeeded');
    expect(await executionCount()).toBe(before);
    expect(await usage()).toBe(used);
  });

  it('a report month that has not started is a 400 naming the field, before anything is stored or counted', async () => {
    const before = await executionCount();
    const made = await req(owner, {
      method: 'POST',
      url: '/api/v1/clients',
      payload: { name: 'Month client', email: 'month-client@example.com' },
    });
    expect(made.statusCode, made.body).toBe(201);
    const res = await run(owner, { clientId: made.json().id, month: '2030-01' }, {}, 'client_management');
    expect(res.statusCode, res.body).toBe(400);
    const error = res.json().error;
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain('That month has not started yet');
    expect(error.details.issues).toEqual([
      expect.objectContaining({ location: 'body.input.month', path: ['input', 'month'] }),
    ]);
    expect(await executionCount()).toBe(before);
  });

  it('asking for the language-model engine without an API key is a 400, not a run', async () => {
    const before = await executionCount();
    const res = await run(owner, { numbers: [1] }, { engine: 'llm' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('OMNIFY_OPENAI_API_KEY');
    expect(await executionCount()).toBe(before);
  });

  it('an agent without a definition or a disabled agent does not run (409)', async () => {
    expect((await run(owner, { numbers: [1] }, {}, 'compliance')).statusCode).toBe(409);
    await req(owner, { method: 'PATCH', url: `/api/v1/agents/${agentId}`, payload: { enabled: false } });
    const res = await run(owner, { numbers: [1] });
    expect(res.statusCode).toBe(409);
    await req(owner, { method: 'PATCH', url: `/api/v1/agents/${agentId}`, payload: { enabled: true } });
  });

  it('maxSteps ends the run as budget_exhausted and keeps the steps it took', async () => {
    await setLimits({ maxSteps: 2 });
    const res = await run(owner, { numbers: [1, 2, 3, 4, 5] });
    await setLimits({ maxSteps: 12 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'budget_exhausted', stepCount: 2, output: null });
    expect(res.json().error.code).toBe('max_steps');
    expect(res.json().steps.map((s: { output: unknown }) => s.output)).toEqual([{ sum: 3 }, { sum: 6 }]);
  });

  it('a failing tool fails the run with the tool error recorded on its step', async () => {
    const res = await run(owner, { numbers: [1], mode: 'fail' });
    expect(res.json()).toMatchObject({ status: 'failed', error: { code: 'tool_failed' } });
    const last = res.json().steps.at(-1);
    expect(last).toMatchObject({ toolName: 'fail', output: null, error: { message: 'the tool broke' } });
  });

  it('an output that breaks the output schema fails the run', async () => {
    const res = await run(owner, { numbers: [1, 1], mode: 'bad_output' });
    expect(res.json()).toMatchObject({ status: 'failed', error: { code: 'invalid_output' } });
  });

  it('maxRunSeconds stops a run whose tool never returns, as budget_exhausted', async () => {
    await setLimits({ maxRunSeconds: 1 });
    const res = await run(owner, { numbers: [2], mode: 'wait' });
    await setLimits({ maxRunSeconds: 120 });
    // 200 when it ended within the request's wait, else 202 and it ends in the background.
    expect([200, 202]).toContain(res.statusCode);
    const e = await waitFor(res.json().id, (st) => st !== 'running');
    expect(e).toMatchObject({ status: 'budget_exhausted', error: { code: 'max_run_seconds' } });
    expect(e.steps.at(-1)).toMatchObject({ toolName: 'wait', error: { code: 'error' } });
  });

  it('a run that outlasts the request’s wait answers 202 with the running execution, which goes on until cancelled', async () => {
    const res = await run(owner, { numbers: [3], mode: 'wait' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'running', cancelRequested: false });
    const cancel = await req(owner, {
      method: 'POST',
      url: `/api/v1/agents/executions/${res.json().id}/cancel`,
    });
    expect(cancel.statusCode).toBe(200);
    const e = await waitFor(res.json().id, (st) => st !== 'running');
    expect(e).toMatchObject({ status: 'cancelled', stepCount: 2 });
    expect(e.steps.map((x: { toolName: string }) => x.toolName)).toEqual(['whoami', 'wait']);
  });

  it('a cancelled run is recorded as finished only after the step its cancel interrupted', async () => {
    // Slow step writes down (the database under load), so that the aborted tool call's step would
    // land after the run's final state if the runtime did not wait for it.
    const storage = t.storage as { withTenant: TestApp['storage']['withTenant'] };
    const original = storage.withTenant;
    storage.withTenant = (async (org: string, fn: never) => {
      if (new Error().stack?.includes('writeStepNow')) await new Promise((r) => setTimeout(r, 300));
      return original.call(t.storage, org, fn);
    }) as typeof original;
    try {
      const res = await run(owner, { numbers: [3], mode: 'wait' });
      expect(res.statusCode).toBe(202);
      await req(owner, { method: 'POST', url: `/api/v1/agents/executions/${res.json().id}/cancel` });
      const e = await waitFor(res.json().id, (st) => st !== 'running');
      expect(e).toMatchObject({ status: 'cancelled', stepCount: 2 });
      expect(e.steps.map((x: { toolName: string }) => x.toolName)).toEqual(['whoami', 'wait']);
    } finally {
      storage.withTenant = original;
    }
  });

  let cancelledQueued: { id: string; jobId: string };
  it('a queued run cancelled before a worker takes it is cancelled at once', async () => {
    const queued = await run(owner, { numbers: [7, 7] }, { wait: false });
    expect(queued.statusCode).toBe(202);
    cancelledQueued = queued.json();
    const cancel = await req(owner, {
      method: 'POST',
      url: `/api/v1/agents/executions/${cancelledQueued.id}/cancel`,
    });
    expect(cancel.json()).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
  });

  it('wait:false queues an agents.run job (202) that the worker runs; a queued run holds a concurrency slot', async () => {
    await setLimits({ maxConcurrentRuns: 1 });
    const queued = await run(owner, { numbers: [4, 5] }, { wait: false });
    expect(queued.statusCode, queued.body).toBe(202);
    expect(queued.json()).toMatchObject({ status: 'queued', jobId: expect.any(String), stepCount: 0 });
    const refused = await run(owner, { numbers: [1] });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error).toMatchObject({
      code: 'rate_limited',
      details: { limit: 'maxConcurrentRuns' },
    });
    await t.services.queue.process(agentJobs(t.services.agentRuntime));
    const done = await waitFor(queued.json().id, (s) => s === 'succeeded');
    expect(done.output).toEqual({ summary: 'Total 9, computed as agent', total: 9 });
    // The job of the run cancelled while queued finishes without running it.
    for (let i = 0; i < 200; i++) {
      if ((await t.services.queue.getJob(cancelledQueued.jobId))?.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect((await t.services.queue.getJob(cancelledQueued.jobId))?.result).toMatchObject({ skipped: true });
    const after = await req(owner, { method: 'GET', url: `/api/v1/agents/executions/${cancelledQueued.id}` });
    expect(after.json()).toMatchObject({ status: 'cancelled', stepCount: 0, steps: [] });
    await setLimits({ maxConcurrentRuns: 2 });
  });

  it('cancel: a running run stops at once and is recorded as cancelled; a finished run answers 409', async () => {
    const ctx = {
      organizationId: owner.organizationId,
      actor: { type: 'user' as const, id: owner.userId },
      userId: owner.userId,
      role: 'owner' as const,
    };
    const { execution, done } = await t.services.agentRuntime.start(ctx, {
      agentId,
      input: { numbers: [1], mode: 'wait' },
      trigger: 'manual',
      mode: 'inline',
    });
    // Wait until the run is inside the never-ending tool.
    for (let i = 0; i < 100 && (await t.services.agentRuntime.get(ctx, execution.id)).stepCount < 1; i++)
      await new Promise((r) => setTimeout(r, 10));
    const cancel = await req(owner, {
      method: 'POST',
      url: `/api/v1/agents/executions/${execution.id}/cancel`,
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect(cancel.json().cancelRequested).toBe(true);
    const final = await done;
    expect(final?.status).toBe('cancelled');
    const again = await req(owner, {
      method: 'POST',
      url: `/api/v1/agents/executions/${execution.id}/cancel`,
    });
    expect(again.statusCode).toBe(409);
  });

  it('a run left running by a dead process is closed as interrupted at the next admission, freeing its slot', async () => {
    await setLimits({ maxConcurrentRuns: 1 });
    const ok = await run(owner, { numbers: [1] });
    // Simulate a process that died mid-run: the row still says running, past its expiry.
    await t.storage.db
      .updateTable('agent_executions')
      .set({ status: 'running', finished_at: null, expires_at: '2000-01-01T00:00:00.000Z' })
      .where('id', '=', ok.json().id)
      .execute();
    const next = await run(owner, { numbers: [2] });
    await setLimits({ maxConcurrentRuns: 2 });
    expect(next.statusCode).toBe(200);
    const dead = await req(owner, { method: 'GET', url: `/api/v1/agents/executions/${ok.json().id}` });
    expect(dead.json()).toMatchObject({ status: 'failed', error: { code: 'interrupted' } });
  });

  it('maxRunsPerDay refuses the next run with 429', async () => {
    const today = (await req(owner, { method: 'GET', url: `/api/v1/agents/${agentId}/metrics` }))
      .json()
      .perDay.at(-1).runs;
    await setLimits({ maxRunsPerDay: today + 1 });
    expect((await run(owner, { numbers: [1] })).statusCode).toBe(200);
    const refused = await run(owner, { numbers: [1] });
    await setLimits({ maxRunsPerDay: 200 });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.details.limit).toBe('maxRunsPerDay');
  });

  it('history pages newest first and filters by status; metrics count the last 30 days', async () => {
    const all = await req(owner, { method: 'GET', url: `/api/v1/agents/${agentId}/runs?limit=3` });
    expect(all.statusCode).toBe(200);
    expect(all.json().items).toHaveLength(3);
    const ids = all.json().items.map((e: { id: string }) => e.id);
    expect([...ids].sort().reverse()).toEqual(ids);
    const next = await req(owner, {
      method: 'GET',
      url: `/api/v1/agents/${agentId}/runs?limit=3&cursor=${all.json().nextCursor}`,
    });
    expect(next.json().items[0].id < ids[2]).toBe(true);
    const failed = await req(owner, { method: 'GET', url: `/api/v1/agents/analytics/runs?status=failed` });
    expect(failed.json().items.length).toBe(3);
    expect(failed.json().items.every((e: { status: string }) => e.status === 'failed')).toBe(true);

    const m = (await req(owner, { method: 'GET', url: `/api/v1/agents/${agentId}/metrics` })).json();
    const rows = await t.storage.db
      .selectFrom('agent_executions')
      .select(['status'])
      .where('organization_id', '=', owner.organizationId)
      .execute();
    expect(m.runs).toBe(rows.length);
    expect(m.succeeded).toBe(rows.filter((r) => r.status === 'succeeded').length);
    expect(m.failed).toBe(3);
    expect(m.budgetExhausted).toBe(2);
    expect(m.cancelled).toBe(4);
    expect(m.successRate).toBeCloseTo(
      m.succeeded / (m.succeeded + m.failed + m.budgetExhausted + m.cancelled),
    );
    expect(m.perDay).toHaveLength(30);
    expect(m.perDay.at(-1)).toMatchObject({ day: m.to, runs: m.runs });
    expect(m.perDay[0]).toMatchObject({ day: m.from, runs: 0, averageDurationMs: null });
  });

  it('the plan’s monthly agent runs are enforced (402) without storing a run', async () => {
    const used = await executionCount();
    // 40 runs a month on this install; fill up to the limit with queued runs of a roomy agent.
    await setLimits({ maxConcurrentRuns: 50 });
    for (let i = used; i < 40; i++)
      expect((await run(owner, { numbers: [1] }, { wait: false })).statusCode).toBe(202);
    const res = await run(owner, { numbers: [1] }, { wait: false });
    expect(res.statusCode).toBe(402);
    expect(res.json().error.code).toBe('plan_limit');
    expect(await executionCount()).toBe(40);
  });

  it('the retention purge deletes executions older than executionsDays, with their steps', async () => {
    const old = (
      await req(owner, { method: 'GET', url: `/api/v1/agents/${agentId}/runs?status=succeeded&limit=1` })
    ).json().items[0];
    const steps = () =>
      t.storage.db.selectFrom('agent_steps').select('seq').where('execution_id', '=', old.id).execute();
    expect((await steps()).length).toBeGreaterThan(0);
    const longAgo = new Date(t.clock.now().getTime() - 91 * 86_400_000).toISOString();
    await t.storage.db
      .updateTable('agent_executions')
      .set({ created_at: longAgo })
      .where('id', '=', old.id)
      .execute();
    const purged = await t.services.retention.purgeAll();
    expect(purged.find((p) => p.organizationId === owner.organizationId)?.deleted).toMatchObject({
      agent_executions: 1,
    });
    expect((await req(owner, { method: 'GET', url: `/api/v1/agents/executions/${old.id}` })).statusCode).toBe(
      404,
    );
    expect(await steps()).toEqual([]);
  });

  it('another organization sees none of it: 404 on the execution, its cancel and the agent’s runs', async () => {
    const mine = (await req(owner, { method: 'GET', url: `/api/v1/agents/${agentId}/runs?limit=1` })).json()
      .items[0];
    const before = await executionCount(other.organizationId);
    for (const [method, url] of [
      ['GET', `/api/v1/agents/executions/${mine.id}`],
      ['POST', `/api/v1/agents/executions/${mine.id}/cancel`],
      ['GET', `/api/v1/agents/${agentId}/runs`],
      ['GET', `/api/v1/agents/${agentId}/metrics`],
      ['POST', `/api/v1/agents/${agentId}/runs`],
    ] as const) {
      const res = await req(other, {
        method,
        url,
        ...(method === 'POST' && url.endsWith('runs') ? { payload: { input: { numbers: [1] } } } : {}),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    // Their own analytics agent (by kind) has no runs of ours.
    const theirs = await req(other, { method: 'GET', url: '/api/v1/agents/analytics/runs' });
    expect(theirs.json().items).toEqual([]);
    expect(await executionCount(other.organizationId)).toBe(before);
  });
});
