import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { as, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { connectSimulator, SIMULATOR_LAST_DAY } from '../../../test/helpers/simulator.ts';
import { moneyText } from '../../platform/format.ts';
import { testDialect } from '../../storage/testing.ts';
import {
  createWorkflowTestApp,
  eventually,
  testQueueKind,
  type WorkflowTestApp,
} from './workflows.testing.ts';

type Body = Record<string, unknown>;
const terminal = ['succeeded', 'failed', 'cancelled'];

describe(`workflows on ${testDialect()} + ${testQueueKind()}`, () => {
  let t: WorkflowTestApp;
  let owner: Signed;

  beforeEach(async () => {
    t = await createWorkflowTestApp();
    owner = await signUp(t.app, 'wf-owner');
    await t.startWorker();
  });
  afterEach(async () => {
    await t.close();
  });

  const create = async (body: Body, who: Signed = owner) => {
    const res = await t.app.inject(as(who, { method: 'POST', url: '/api/v1/workflows', payload: body }));
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as {
      workflow: { id: string; hookId: string | null; version: number };
      hookSecret: string | null;
    };
  };
  const run = async (id: string, input: Body = {}, who: Signed = owner) => {
    const res = await t.app.inject(
      as(who, { method: 'POST', url: `/api/v1/workflows/${id}/runs`, payload: { input } }),
    );
    expect(res.statusCode, res.body).toBe(202);
    return res.json().executionId as string;
  };
  const execution = async (id: string) =>
    (await t.app.inject(as(owner, { method: 'GET', url: `/api/v1/workflows/executions/${id}` }))).json();
  const settle = (id: string, statuses = terminal) =>
    eventually(`execution ${id} in ${statuses.join('|')}`, async () => {
      const e = await execution(id);
      return statuses.includes(e.status) ? e : undefined;
    });
  const step = (e: { steps: Array<{ stepId: string }> }, id: string) =>
    e.steps.find((s) => s.stepId === id) as unknown as Body & {
      status: string;
      output: Body;
      attempts: number;
      error: string | null;
    };
  const notify = (id: string, subject: string, extra: Body = {}) => ({
    id,
    type: 'notify',
    config: { to: ['team@example.test'], subject, body: `${subject} body` },
    ...extra,
  });

  it('rejects invalid definitions with every problem listed: cycle, unknown step, type, mapping, parameters', async () => {
    const bad = async (steps: unknown[]) => {
      const res = await t.app.inject(
        as(owner, { method: 'POST', url: '/api/v1/workflows', payload: { name: 'Bad', steps } }),
      );
      expect(res.statusCode).toBe(400);
      const error = res.json().error;
      expect(error.code).toBe('invalid_input');
      // The shape of every other 400: details.issues with location, path, code and message.
      expect(error.details.problems).toBeUndefined();
      const issues = error.details.issues as Array<{ location: string; path: unknown[]; message: string }>;
      expect(error.message).toBe(
        `${issues[0]?.location}: ${issues[0]?.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`,
      );
      return { text: issues.map((p) => p.message).join('\n'), issues };
    };
    const cycle = await bad([notify('a', 'A', { dependsOn: ['b'] }), notify('b', 'B', { dependsOn: ['a'] })]);
    expect(cycle.text).toMatch(/cycle through a, b/);
    const refs = await bad([notify('a', 'A', { dependsOn: ['ghost'] }), { id: 'b', type: 'teleport' }]);
    expect(refs.text).toMatch(/Unknown step ghost/);
    expect(refs.text).toMatch(/Unknown step type teleport/);
    expect(refs.issues).toEqual([
      expect.objectContaining({
        location: 'body.steps.1.type',
        path: ['steps', 1, 'type'],
        code: 'invalid_value',
        allowed: expect.arrayContaining(['notify', 'condition']),
      }),
      expect.objectContaining({
        location: 'body.steps.0.dependsOn.0',
        path: ['steps', 0, 'dependsOn', 0],
        code: 'invalid_value',
        message: 'Unknown step ghost',
      }),
    ]);
    // A shape problem is zod's issue at its full path.
    const shape = await bad([{ id: '1bad', type: 'notify', retries: 99 }]);
    expect(shape.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ location: 'body.steps.0.id', path: ['steps', 0, 'id'] }),
        expect.objectContaining({ location: 'body.steps.0.retries', code: 'too_big', maximum: 10 }),
      ]),
    );
    const mappings = await bad([
      notify('a', 'A'),
      {
        id: 'b',
        type: 'condition',
        config: { op: 'gt', right: 1 },
        input: { left: '{{steps.a.output.sent}}' },
      },
      {
        id: 'c',
        type: 'condition',
        dependsOn: ['a'],
        config: { op: 'gt' },
        input: { left: '{{steps.a.output.__proto__}}' },
      },
      {
        id: 'd',
        type: 'condition',
        dependsOn: ['a'],
        config: { op: 'gt' },
        input: { left: '{{env.SECRET}}' },
      },
    ]);
    expect(mappings.text).toMatch(/step b does not depend on a/);
    expect(mappings.text).toMatch(/reserved name __proto__/);
    expect(mappings.text).toMatch(/use \{\{trigger/);
    const params = await bad([
      { id: 'n', type: 'notify', config: { to: ['not-an-email'], subject: 'x' } },
      { id: 'p', type: 'proposal', config: { kind: 'explode' } },
    ]);
    expect(params.text).toMatch(/needs body/);
    expect(params.text).toMatch(/email/i);
    expect(params.issues).toContainEqual(
      expect.objectContaining({ location: 'body.steps.0.config.body', path: ['steps', 0, 'config', 'body'] }),
    );
    expect(await t.services.storage.db.selectFrom('workflows').selectAll().execute()).toEqual([]);
  });

  it('refuses input nested past 64 levels with a 400, in a definition, a run and a signed webhook, starting nothing', async () => {
    // Built as text: the test itself must not recurse over it either.
    const deep = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
    const send = (url: string, payload: string, headers: Record<string, string> = {}) =>
      t.app.inject(
        as(owner, {
          method: 'POST',
          url,
          payload,
          headers: { 'content-type': 'application/json', ...headers },
        }),
      );
    const definition = await send(
      '/api/v1/workflows',
      `{"name":"deep","steps":[{"id":"a","type":"notify","config":{"to":["a@example.test"],"subject":"x","body":"y","extra":${deep}}}]}`,
    );
    expect(definition.statusCode, definition.body).toBe(400);
    expect(definition.json().error.code).toBe('invalid_input');
    const { workflow, hookSecret } = await create({
      name: 'hooked',
      triggers: { webhook: true },
      steps: [notify('a', 'Hello')],
    });
    const runRes = await send(`/api/v1/workflows/${workflow.id}/runs`, `{"input":{"deep":${deep}}}`);
    expect(runRes.statusCode, runRes.body).toBe(400);
    const { signWebhook } = await import('./index.ts');
    const body = `{"deep":${deep}}`;
    const ts = Math.floor(Date.now() / 1000);
    const hook = await send(`/api/v1/workflows/hooks/${workflow.hookId}`, body, {
      'x-omnify-timestamp': String(ts),
      'x-omnify-signature': signWebhook(hookSecret as string, ts, body),
    });
    expect(hook.statusCode, hook.body).toBe(400);
    expect(await t.services.storage.db.selectFrom('workflow_executions').selectAll().execute()).toEqual([]);
  });

  it('maps outputs between steps, runs independent branches while one waits for approval, and joins them', async () => {
    const { workflow } = await create({
      name: 'Branches',
      steps: [
        {
          id: 'check',
          type: 'condition',
          config: { op: 'gte' },
          input: { left: '{{trigger.spend}}', right: 100 },
        },
        {
          id: 'gate',
          type: 'approval_wait',
          dependsOn: ['check'],
          config: { message: 'Spend {{trigger.spend}}?' },
        },
        notify('mail', 'Spend is {{trigger.spend}} for {{trigger.client.name}}', { dependsOn: ['check'] }),
        notify('join', 'Joined after {{steps.mail.output.subject}}', {
          dependsOn: ['gate', 'mail'],
          input: { to: ['{{trigger.client.email}}'] },
        }),
      ],
    });
    const id = await run(workflow.id, { spend: 150, client: { name: 'Acme', email: 'acme@example.test' } });
    // The mail branch finishes while the gate branch waits: branches do not wait for each other.
    const waiting = await eventually('the mail branch to finish', async () => {
      const e = await execution(id);
      return step(e, 'mail').status === 'succeeded' && e.status === 'waiting_approval' ? e : undefined;
    });
    expect(step(waiting, 'check').output).toMatchObject({ result: true, left: 150, right: 100 });
    expect(step(waiting, 'gate')).toMatchObject({
      status: 'waiting_approval',
      output: { message: 'Spend 150?' },
    });
    expect(step(waiting, 'join').status).toBe('pending');
    const approved = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: `/api/v1/workflows/executions/${id}/steps/gate/approve`,
        payload: { comment: 'fine' },
      }),
    );
    expect(approved.statusCode, approved.body).toBe(200);
    const done = await settle(id);
    expect(done.status).toBe('succeeded');
    expect(step(done, 'gate')).toMatchObject({
      status: 'succeeded',
      decidedBy: owner.userId,
      output: { approved: true, comment: 'fine' },
    });
    expect(step(done, 'join').input).toMatchObject({ to: ['acme@example.test'] });
    expect(t.mailer.sent.map((m) => `${m.to}: ${m.subject}`)).toEqual([
      'team@example.test: Spend is 150 for Acme',
      'acme@example.test: Joined after Spend is 150 for Acme',
    ]);
    const audit = await t.app.inject(as(owner, { method: 'GET', url: `/api/v1/audit?targetId=${id}` }));
    expect(audit.json().items.map((a: { action: string }) => a.action)).toEqual(
      expect.arrayContaining([
        'workflows.execution_started',
        'workflows.step_approved',
        'workflows.execution_succeeded',
      ]),
    );
  });

  it('skips the branch behind a false condition and runs the other one', async () => {
    const { workflow } = await create({
      name: 'Skip',
      steps: [
        {
          id: 'big',
          type: 'condition',
          config: { op: 'gt', right: 1000 },
          input: { left: '{{trigger.spend}}' },
        },
        notify('alert', 'Big spend', { dependsOn: ['big'] }),
        notify('after_alert', 'After alert', { dependsOn: ['alert'] }),
        notify('always', 'Always'),
      ],
    });
    const done = await settle(await run(workflow.id, { spend: 10 }));
    expect(done.status).toBe('succeeded');
    expect(done.steps.map((s: { stepId: string; status: string }) => `${s.stepId}:${s.status}`)).toEqual([
      'big:succeeded',
      'alert:skipped',
      'after_alert:skipped',
      'always:succeeded',
    ]);
    expect(t.mailer.sent.map((m) => m.subject)).toEqual(['Always']);
  });

  it('ifSkipped: a step waits for a dependency that may be skipped and still runs, reading its stand-in output', async () => {
    const { workflow } = await create({
      name: 'Settled join',
      steps: [
        {
          id: 'big',
          type: 'condition',
          config: { op: 'gt', right: 1000 },
          input: { left: '{{trigger.spend}}' },
        },
        notify('alert', 'Big spend', { dependsOn: ['big'] }),
        notify('always', 'Always'),
        // Without ifSkipped: skipped with the alert.
        notify('strict', 'Strict after {{steps.alert.output.subject}}', { dependsOn: ['alert', 'always'] }),
        notify('summary', 'Summary: {{steps.alert.output.subject}} ({{steps.alert.status}})', {
          dependsOn: ['alert', 'always'],
          ifSkipped: { alert: { subject: 'no alert' } },
        }),
        // A false condition named in ifSkipped does not skip the step either (its real output is read).
        notify('checked', 'Checked: {{steps.big.output.result}}', {
          dependsOn: ['big'],
          ifSkipped: { big: {} },
        }),
      ],
    });
    const quiet = await settle(await run(workflow.id, { spend: 10 }));
    expect(quiet.status).toBe('succeeded');
    expect(quiet.steps.map((s: { stepId: string; status: string }) => `${s.stepId}:${s.status}`)).toEqual([
      'big:succeeded',
      'alert:skipped',
      'always:succeeded',
      'strict:skipped',
      'summary:succeeded',
      'checked:succeeded',
    ]);
    expect(step(quiet, 'summary').input).toMatchObject({ subject: 'Summary: no alert (skipped)' });
    expect(t.mailer.sent.map((m) => m.subject).sort()).toEqual([
      'Always',
      'Checked: false',
      'Summary: no alert (skipped)',
    ]);

    // When the dependency runs, the step waits for it and reads its real output.
    t.mailer.sent.length = 0;
    const loud = await settle(await run(workflow.id, { spend: 5000 }));
    expect(loud.status).toBe('succeeded');
    expect(step(loud, 'strict').status).toBe('succeeded');
    expect(step(loud, 'summary').input).toMatchObject({ subject: 'Summary: Big spend (succeeded)' });
    const order = t.mailer.sent.map((m) => m.subject);
    expect(order.indexOf('Summary: Big spend (succeeded)')).toBeGreaterThan(order.indexOf('Big spend'));
  });

  it('ifSkipped: a failed dependency still fails the execution, and the step does not run', async () => {
    t.mailer.send = async (m) => {
      throw new Error(`SMTP 554 rejected ${m.subject}`);
    };
    const { workflow } = await create({
      name: 'Failed join',
      steps: [
        notify('broken', 'Broken'),
        {
          id: 'after',
          type: 'condition',
          dependsOn: ['broken'],
          ifSkipped: { broken: { sent: 0 } },
          config: { op: 'exists' },
          input: { left: '{{steps.broken.output.sent}}' },
        },
      ],
    });
    const failed = await settle(await run(workflow.id));
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/Step broken failed: SMTP 554/);
    expect(step(failed, 'after')).toMatchObject({ status: 'cancelled', attempts: 0 });
  });

  it('ifSkipped is checked on save: it names dependencies, holds static JSON, and the API schema shows it', async () => {
    const res = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: '/api/v1/workflows',
        payload: {
          name: 'Bad ifSkipped',
          steps: [
            notify('a', 'A'),
            notify('b', 'B'),
            notify('c', 'C', { dependsOn: ['a'], ifSkipped: { b: {}, a: { subject: '{{trigger.x}}' } } }),
            notify('d', 'D', { ifSkipped: ['a'] }),
          ],
        },
      }),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_input');
    expect(res.json().error.details.issues).toEqual([
      expect.objectContaining({
        location: 'body.steps.3.ifSkipped',
        path: ['steps', 3, 'ifSkipped'],
        code: 'invalid_type',
      }),
    ]);
    const second = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: '/api/v1/workflows',
        payload: {
          name: 'Bad ifSkipped',
          steps: [
            notify('a', 'A'),
            notify('b', 'B'),
            notify('c', 'C', { dependsOn: ['a'], ifSkipped: { b: {}, a: { subject: '{{trigger.x}}' } } }),
          ],
        },
      }),
    );
    expect(second.statusCode).toBe(400);
    expect(second.json().error.details.issues).toEqual([
      expect.objectContaining({
        location: 'body.steps.2.ifSkipped.b',
        path: ['steps', 2, 'ifSkipped', 'b'],
        code: 'invalid_value',
        message: expect.stringContaining('does not depend on b'),
        allowed: ['a'],
      }),
      expect.objectContaining({
        location: 'body.steps.2.ifSkipped.a',
        message: expect.stringContaining('static JSON'),
      }),
    ]);
    // A saved one comes back as it was given; the OpenAPI document describes the option.
    const { workflow } = await create({
      name: 'Good ifSkipped',
      steps: [notify('a', 'A'), notify('b', 'B', { dependsOn: ['a'], ifSkipped: { a: { n: 1 } } })],
    });
    const got = await t.app.inject(as(owner, { method: 'GET', url: `/api/v1/workflows/${workflow.id}` }));
    expect(got.json().steps[1]).toMatchObject({ id: 'b', dependsOn: ['a'], ifSkipped: { a: { n: 1 } } });
    expect(got.json().steps[0].ifSkipped).toBeUndefined();
    const doc = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(doc.statusCode).toBe(200);
    const text = doc.body;
    expect(text).toContain('"ifSkipped"');
    expect(text).toMatch(/Dependencies \(ids from dependsOn\) that may be skipped/);
  });

  it('retries a failing step up to its retries, then fails the execution and cancels what is left', async () => {
    let failures = 1;
    const send = t.mailer.send;
    t.mailer.send = async (m) => {
      if (m.subject.startsWith('Flaky') && failures-- > 0) throw new Error('SMTP 451 try again');
      if (m.subject.startsWith('Broken')) throw new Error('SMTP 554 rejected');
      return send(m);
    };
    const flaky = await create({
      name: 'Flaky',
      steps: [notify('mail', 'Flaky', { retries: 2, retryDelayMs: 0 })],
    });
    const ok = await settle(await run(flaky.workflow.id));
    expect(ok.status).toBe('succeeded');
    expect(step(ok, 'mail')).toMatchObject({ status: 'succeeded', attempts: 2 });

    const broken = await create({
      name: 'Broken',
      steps: [
        notify('mail', 'Broken', { retries: 1, retryDelayMs: 0 }),
        notify('next', 'Next', { dependsOn: ['mail'] }),
      ],
    });
    const failed = await settle(await run(broken.workflow.id));
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/Step mail failed: SMTP 554/);
    expect(step(failed, 'mail')).toMatchObject({ status: 'failed', attempts: 2 });
    expect(step(failed, 'next').status).toBe('cancelled');
  });

  it('fails a step that runs past its timeout', async () => {
    t.mailer.send = () => new Promise(() => {});
    const { workflow } = await create({ name: 'Slow', steps: [notify('mail', 'Slow', { timeoutMs: 200 })] });
    const done = await settle(await run(workflow.id));
    expect(done.status).toBe('failed');
    expect(step(done, 'mail').error).toMatch(/Timed out after 200 ms/);
  });

  it('rejecting an approval fails the execution; only people with actions:approve decide', async () => {
    const { workflow } = await create({
      name: 'Gate',
      steps: [{ id: 'gate', type: 'approval_wait' }, notify('after', 'After', { dependsOn: ['gate'] })],
    });
    const id = await run(workflow.id);
    await settle(id, ['waiting_approval']);
    const invite = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: '/api/v1/invitations',
        payload: { email: 'member@example.test', role: 'member' },
      }),
    );
    const member = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: {
        email: 'member@example.test',
        password: 'member password',
        name: 'M',
        invitationToken: invite.json().token,
      },
    });
    const memberHeaders = { authorization: `Bearer ${member.json().tokens.accessToken}` };
    const denied = await t.app.inject({
      method: 'POST',
      url: `/api/v1/workflows/executions/${id}/steps/gate/approve`,
      headers: memberHeaders,
      payload: {},
    });
    expect(denied.statusCode).toBe(403);
    const rejected = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: `/api/v1/workflows/executions/${id}/steps/gate/reject`,
        payload: { comment: 'no' },
      }),
    );
    expect(rejected.json()).toMatchObject({ status: 'failed', error: 'Step gate failed: Rejected: no' });
    expect(step(rejected.json(), 'after').status).toBe('cancelled');
    const again = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: `/api/v1/workflows/executions/${id}/steps/gate/approve`,
        payload: {},
      }),
    );
    expect(again.statusCode).toBe(409);
    expect(t.mailer.sent.filter((m) => m.subject === 'After')).toEqual([]);
  });

  it('cancel stops the steps that have not run', async () => {
    const { workflow } = await create({
      name: 'Cancel',
      steps: [{ id: 'gate', type: 'approval_wait' }, notify('after', 'After', { dependsOn: ['gate'] })],
    });
    const id = await run(workflow.id);
    await settle(id, ['waiting_approval']);
    const res = await t.app.inject(
      as(owner, { method: 'POST', url: `/api/v1/workflows/executions/${id}/cancel` }),
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe('cancelled');
    expect(res.json().steps.map((s: { status: string }) => s.status)).toEqual(['cancelled', 'cancelled']);
    const approve = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: `/api/v1/workflows/executions/${id}/steps/gate/approve`,
        payload: {},
      }),
    );
    expect(approve.statusCode).toBe(409);
    expect(t.mailer.sent).toEqual([]);
  });

  it('an execution keeps the version it started with; runs list newest first', async () => {
    const { workflow } = await create({ name: 'Versions', steps: [{ id: 'gate', type: 'approval_wait' }] });
    const first = await run(workflow.id);
    await settle(first, ['waiting_approval']);
    const updated = await t.app.inject(
      as(owner, {
        method: 'PATCH',
        url: `/api/v1/workflows/${workflow.id}`,
        payload: { steps: [notify('mail', 'v2')] },
      }),
    );
    expect(updated.json().workflow.version).toBe(2);
    const second = await settle(await run(workflow.id));
    expect(second).toMatchObject({ status: 'succeeded', version: 2 });
    const old = await execution(first);
    expect(old).toMatchObject({ version: 1, status: 'waiting_approval' });
    expect(old.steps.map((s: { stepId: string }) => s.stepId)).toEqual(['gate']);
    const runs = await t.app.inject(
      as(owner, { method: 'GET', url: `/api/v1/workflows/${workflow.id}/runs` }),
    );
    expect(runs.json().items.map((e: { id: string }) => e.id)).toEqual([second.id, first]);
  });

  it('cron triggers start one run per tick however often the tick job runs', async () => {
    const { workflow } = await create({
      name: 'Cron',
      steps: [notify('mail', 'Tick')],
      triggers: { cron: '*/15 * * * *' },
    });
    const later = new Date(Date.now() + 16 * 60_000);
    expect(await t.services.workflows.cronTick(later)).toEqual({ started: 1 });
    expect(await t.services.workflows.cronTick(later)).toEqual({ started: 0 });
    const runs = await t.app.inject(
      as(owner, { method: 'GET', url: `/api/v1/workflows/${workflow.id}/runs` }),
    );
    expect(runs.json().items).toHaveLength(1);
    expect(runs.json().items[0].trigger).toMatchObject({ type: 'cron', payload: { cron: '*/15 * * * *' } });
    await settle(runs.json().items[0].id);
  });

  it('a cron trigger firing more often than every 15 minutes is refused on create and update, as rules are', async () => {
    const refused = async (res: { statusCode: number; json: () => Body }) => {
      expect(res.statusCode).toBe(400);
      const error = res.json().error as { code: string; details: { issues: Body[] } };
      expect(error.code).toBe('invalid_input');
      const problem = error.details.issues.find((p) => p.location === 'body.triggers.cron');
      expect(problem).toMatchObject({ path: ['triggers', 'cron'], minIntervalMinutes: 15 });
      expect(problem?.message).toMatch(/more often than every 15 minutes/);
    };
    const post = (triggers: Body) =>
      t.app.inject(
        as(owner, {
          method: 'POST',
          url: '/api/v1/workflows',
          payload: { name: 'Too often', steps: [notify('mail', 'Tick')], triggers },
        }),
      );
    await refused(await post({ cron: '*/5 * * * *' }));
    await refused(await post({ cron: '* * * * *' }));
    // Two ticks 10 minutes apart once an hour, in a time zone: still too close.
    await refused(await post({ cron: '0,10 * * * *', timezone: 'Europe/Paris' }));
    // Every 5 minutes on one day of the month: too often, however far away that day is.
    const firstOfMonth = new Date().getUTCDate() === 1 ? 15 : 1;
    await refused(await post({ cron: `*/5 * ${firstOfMonth} * *` }));
    await refused(await post({ cron: '*/5 * 1 1 *' }));
    const { workflow } = await create({
      name: 'Hourly',
      steps: [notify('mail', 'Tick')],
      triggers: { cron: '0 * * * *' },
    });
    await refused(
      await t.app.inject(
        as(owner, {
          method: 'PATCH',
          url: `/api/v1/workflows/${workflow.id}`,
          payload: { triggers: { cron: '*/14 * * * *' } },
        }),
      ),
    );
    const kept = await t.app.inject(as(owner, { method: 'GET', url: `/api/v1/workflows/${workflow.id}` }));
    expect(kept.json().triggers).toMatchObject({ cron: '0 * * * *' });
  });

  it('a cron saved before the 15-minute floor fires at most every 15 minutes', async () => {
    const { workflow } = await create({
      name: 'Legacy five-minute cron',
      steps: [notify('mail', 'Tick')],
      triggers: { cron: '0 * * * *' },
    });
    // As stored by an older version, which accepted it.
    await t.storage.db
      .updateTable('workflows')
      .set({ triggers: JSON.stringify({ cron: '*/5 * * * *' }), cron_last_tick: '2030-01-01T10:00:00.000Z' })
      .where('id', '=', workflow.id)
      .execute();
    const tick = async (hhmm: string) => {
      await t.services.workflows.cronTick(new Date(`2030-01-01T${hhmm}:30.000Z`));
      const runs = await t.app.inject(
        as(owner, { method: 'GET', url: `/api/v1/workflows/${workflow.id}/runs` }),
      );
      return (runs.json().items as Array<{ trigger: { payload: { tick: string } } }>)
        .map((r) => r.trigger.payload.tick.slice(11, 16))
        .sort();
    };
    expect(await tick('10:05')).toEqual([]);
    expect(await tick('10:10')).toEqual([]);
    expect(await tick('10:15')).toEqual(['10:15']);
    expect(await tick('10:20')).toEqual(['10:15']);
    expect(await tick('10:25')).toEqual(['10:15']);
    expect(await tick('10:30')).toEqual(['10:15', '10:30']);
    await t.storage.db.updateTable('workflows').set({ enabled: 0 }).where('id', '=', workflow.id).execute();
    const runs = await t.app.inject(
      as(owner, { method: 'GET', url: `/api/v1/workflows/${workflow.id}/runs` }),
    );
    for (const r of runs.json().items as Array<{ id: string }>) await settle(r.id);
  });

  it('a finished sync starts the workflows listening for it, and a crossed threshold fires once', async () => {
    const listen = await create({
      name: 'On sync',
      steps: [notify('mail', 'Synced {{trigger.rowsUpserted}} rows of {{trigger.connectionId}}')],
      triggers: { events: [{ type: 'sync.finished', filter: { platform: 'simulator' } }] },
    });
    const other = await create({
      name: 'Other platform',
      steps: [notify('mail', 'never')],
      triggers: { events: [{ type: 'sync.finished', filter: { platform: 'meta' } }] },
    });
    const threshold = await create({
      name: 'Spend alert',
      steps: [notify('mail', 'Spend {{trigger.value}} over {{trigger.threshold}}')],
      triggers: { thresholds: [{ id: 'spend', metric: 'spendMicros', op: 'gt', value: 1, windowDays: 30 }] },
    });
    // The simulator's clients bill in GBP and EUR too: thresholds read totals in the reporting currency.
    const fx = await t.app.inject(
      as(owner, {
        method: 'PUT',
        url: '/api/v1/analytics/fx-rates',
        payload: {
          rates: [
            { date: '2026-01-01', base: 'EUR', quote: 'USD', rate: 1.08 },
            { date: '2026-01-01', base: 'GBP', quote: 'USD', rate: 1.27 },
          ],
        },
      }),
    );
    expect(fx.statusCode, fx.body).toBeLessThan(300);
    const sim = await connectSimulator(t as unknown as TestApp, owner, 'wfevents');
    const runsOf = async (id: string) =>
      (await t.app.inject(as(owner, { method: 'GET', url: `/api/v1/workflows/${id}/runs` }))).json().items;
    const [byEvent] = await runsOf(listen.workflow.id);
    expect(byEvent.trigger).toMatchObject({
      type: 'event',
      payload: { type: 'sync.finished', syncRunId: sim.syncRunId, connectionId: sim.connectionId },
    });
    expect(await runsOf(other.workflow.id)).toEqual([]);
    const fired = await eventually('the threshold run', async () => (await runsOf(threshold.workflow.id))[0]);
    expect(fired.trigger.payload).toMatchObject({
      type: 'threshold.crossed',
      thresholdId: 'spend',
      metric: 'spendMicros',
    });
    await settle(byEvent.id);
    await settle(fired.id);
    // Still over the line at the next sync: no second alert.
    await t.services.workflows.evaluateThresholds(owner.organizationId, 'syn_again');
    expect(await runsOf(threshold.workflow.id)).toHaveLength(1);
  });

  it('signed webhooks start a run; a bad signature or a stale timestamp is 401, an unknown hook 404; a replay starts nothing new', async () => {
    const { signWebhook } = await import('./index.ts');
    const { workflow, hookSecret } = await create({
      name: 'Hook',
      steps: [notify('mail', 'Lead {{trigger.lead.email}}')],
      triggers: { webhook: true },
    });
    expect(hookSecret).toMatch(/^whsec_/);
    const body = JSON.stringify({ lead: { email: 'lead@example.test' } });
    const post = (hookId: string, headers: Record<string, string>, payload = body) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/workflows/hooks/${hookId}`,
        headers: { 'content-type': 'application/json', ...headers },
        payload,
      });
    const now = Math.floor(Date.now() / 1000);
    const signed = {
      'x-omnify-timestamp': String(now),
      'x-omnify-signature': signWebhook(hookSecret as string, now, body),
    };
    const ok = await post(workflow.hookId as string, signed);
    expect(ok.statusCode, ok.body).toBe(202);
    const replay = await post(workflow.hookId as string, signed);
    expect(replay.json().executionId).toBe(ok.json().executionId);
    expect((await post(workflow.hookId as string, signed, body.replace('lead@', 'evil@'))).statusCode).toBe(
      401,
    );
    const stale = now - 600;
    expect(
      (
        await post(workflow.hookId as string, {
          'x-omnify-timestamp': String(stale),
          'x-omnify-signature': signWebhook(hookSecret as string, stale, body),
        })
      ).statusCode,
    ).toBe(401);
    expect((await post('hook_unknown', signed)).statusCode).toBe(404);
    const done = await settle(ok.json().executionId);
    expect(done.trigger.type).toBe('webhook');
    expect(t.mailer.sent.map((m) => m.subject)).toEqual(['Lead lead@example.test']);
  });

  it('templates: three are listed and each creates a valid workflow', async () => {
    const list = await t.app.inject(as(owner, { method: 'GET', url: '/api/v1/workflows/templates' }));
    expect(list.json().items.map((x: { id: string }) => x.id)).toEqual([
      'campaign_launch',
      'client_onboarding',
      'monthly_reporting',
    ]);
    for (const templateId of ['campaign_launch', 'client_onboarding', 'monthly_reporting']) {
      const { workflow } = await create({ templateId, variables: { notifyEmail: 'ops@example.test' } });
      expect(workflow).toMatchObject({ templateId, version: 1 });
    }
    const missing = await t.app.inject(
      as(owner, { method: 'POST', url: '/api/v1/workflows', payload: { templateId: 'monthly_reporting' } }),
    );
    expect(missing.statusCode).toBe(400);
  });

  it('templates: their fields have titles and descriptions for a form, and ids name what they refer to', async () => {
    const list = await t.app.inject(as(owner, { method: 'GET', url: '/api/v1/workflows/templates' }));
    const byId = Object.fromEntries(list.json().items.map((x: { id: string }) => [x.id, x])) as Record<
      string,
      { variablesSchema: Json; runInputSchema: Json; runInput: Record<string, string> }
    >;
    type Json = { properties: Record<string, Record<string, unknown>>; required?: string[] };
    const launch = byId.campaign_launch;
    expect(launch?.runInputSchema.properties.campaignId).toMatchObject({
      type: 'string',
      title: 'Campaign',
      description: expect.stringContaining('The campaign to launch'),
      'x-entity': 'campaign',
    });
    expect(launch?.runInputSchema.properties.budgetChangePercent).toMatchObject({
      type: 'number',
      title: 'Budget change at launch (%)',
      default: 0,
    });
    expect(launch?.runInputSchema.required).toEqual(['campaignId']);
    // The name → description map stays for callers that read it.
    expect(launch?.runInput.campaignId).toContain('The campaign to launch');
    expect(launch?.variablesSchema.properties.notifyEmail).toMatchObject({
      type: 'string',
      format: 'email',
      title: 'Email for the launch notice',
    });
    expect(byId.client_onboarding?.runInputSchema.properties.connectionId).toMatchObject({
      title: 'Connection',
      'x-entity': 'connection',
    });
    expect(byId.monthly_reporting?.runInputSchema.properties).toEqual({});
    // A variable that is not what the schema says is a 400 naming it, never a workflow mailing nobody.
    const bad = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: '/api/v1/workflows',
        payload: { templateId: 'campaign_launch', variables: { notifyEmail: 'not an email' } },
      }),
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_input');
    // The same shape as every other 400 (details.issues), so the dashboard can name the field.
    expect(bad.json().error.details.issues).toEqual([
      expect.objectContaining({
        location: 'body.variables.notifyEmail',
        path: ['variables', 'notifyEmail'],
        message: expect.any(String),
      }),
    ]);
    expect(bad.json().error.details.problems).toBeUndefined();
    expect(bad.json().error.message).toMatch(/^body\.variables\.notifyEmail: /);
  });

  it('campaign launch template: forecast, approval, then the enable and budget change go through the guardrails once', async () => {
    const sim = await connectSimulator(t as unknown as TestApp, owner, 'wflaunch');
    // A campaign to launch is a paused one; and the launch changes it twice within the hour.
    const paused = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: '/api/v1/write-backs',
        payload: {
          type: 'set_status',
          level: 'campaign',
          entityId: sim.campaignId,
          status: 'paused',
          idempotencyKey: 'launch-test-pause',
        },
      }),
    );
    expect(paused.statusCode, paused.body).toBe(200);
    const policy = await t.app.inject(
      as(owner, {
        method: 'PUT',
        url: '/api/v1/guardrails',
        payload: { settings: { minHoursBetweenChanges: 0 } },
      }),
    );
    expect(policy.statusCode, policy.body).toBe(200);
    const { workflow } = await create({
      templateId: 'campaign_launch',
      variables: { notifyEmail: 'ops@example.test' },
    });
    const id = await run(workflow.id, { campaignId: sim.campaignId, budgetChangePercent: 10 });
    const waiting = await settle(id, ['waiting_approval', 'failed']);
    expect(waiting.status, JSON.stringify(waiting.steps)).toBe('waiting_approval');
    expect(step(waiting, 'forecast').output).toMatchObject({ metric: 'spend', unit: 'micros' });
    // Messages read the total as money, not as raw micros, written as every other amount of the
    // notice (moneyText: "£369.90", like the proposal summaries), not "369.90 GBP".
    const { total, totalText } = step(waiting, 'forecast').output as { total: number; totalText: string };
    const { currency } = await t.storage.db
      .selectFrom('campaigns')
      .innerJoin('ad_accounts', 'ad_accounts.id', 'campaigns.ad_account_id')
      .select('ad_accounts.currency')
      .where('campaigns.id', '=', sim.campaignId)
      .executeTakeFirstOrThrow();
    expect(totalText).toBe(moneyText(Math.round(total), currency));
    expect(totalText).not.toMatch(/ [A-Z]{3}$/);
    // The approver reads the campaign's name and the money, not its id and micros.
    const { name } = await t.storage.db
      .selectFrom('campaigns')
      .select('name')
      .where('id', '=', sim.campaignId)
      .executeTakeFirstOrThrow();
    const message = step(waiting, 'approve_launch').output.message as string;
    expect(message).toBe(
      `Launch campaign "${name}"? Forecast spend over the next 14 days: ${totalText}. Daily budget change at launch: 10%.`,
    );
    expect(message).not.toContain(sim.campaignId);
    expect(message).not.toContain(String(total));
    await t.app.inject(
      as(owner, {
        method: 'POST',
        url: `/api/v1/workflows/executions/${id}/steps/approve_launch/approve`,
        payload: {},
      }),
    );
    const done = await settle(id);
    expect(done.status, JSON.stringify(done.steps)).toBe('succeeded');
    expect(step(done, 'budget').output).toMatchObject({ status: 'applied', replayed: false });
    const proposals = await t.app.inject(as(owner, { method: 'GET', url: '/api/v1/actions' }));
    expect(
      proposals
        .json()
        .items.map((p: { kind: string; status: string }) => `${p.kind}:${p.status}`)
        .sort(),
    ).toEqual(['budget_change:applied', 'enable:applied']);
    expect(t.mailer.sent.map((m) => m.to)).toEqual(['ops@example.test']);
    expect(step(done, 'enable').output).toMatchObject({ outcome: 'launched', applied: true });
    expect(t.mailer.sent[0]!.subject).toBe(`Campaign "${name}" launched`);
    expect(t.mailer.sent[0]!.text.split('\n')[0]).toBe(`Campaign "${name}" launched.`);
    expect(t.mailer.sent[0]!.text).toContain(`Launch: Enable campaign "${name}"`);
    // The notice waits for the budget change and says what it did, in money.
    const lines = t.mailer.sent[0]!.text.split('\n');
    const budgetLine = lines.find((l) => l.startsWith('Budget: '));
    expect(budgetLine).toContain(`Budget: Raise the daily budget of campaign "${name}" from `);
    expect(budgetLine).toBe(`Budget: ${step(done, 'budget').output.summary}.`);
    expect(budgetLine).toMatch(/ from .+ to .+ a day\) \(applied\)\.$/);
    expect(t.mailer.sent[0]!.text).toContain(totalText);
    expect(t.mailer.sent[0]!.text).not.toContain(sim.campaignId);
    expect(t.mailer.sent[0]!.text).not.toContain('no change was asked for');
  });

  it('campaign launch template on a campaign already active: the enable is done as is, and the budget change applies', async () => {
    const sim = await connectSimulator(t as unknown as TestApp, owner, 'wfactive');
    const before = await t.storage.db
      .selectFrom('campaigns')
      .select(['name', 'status', 'daily_budget_micros'])
      .where('id', '=', sim.campaignId)
      .executeTakeFirstOrThrow();
    expect(before.status).toBe('active');
    const { workflow } = await create({
      templateId: 'campaign_launch',
      variables: { notifyEmail: 'ops@example.test' },
    });
    const id = await run(workflow.id, { campaignId: sim.campaignId, budgetChangePercent: 10 });
    await settle(id, ['waiting_approval']);
    const approved = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: `/api/v1/workflows/executions/${id}/steps/approve_launch/approve`,
        payload: {},
      }),
    );
    expect(approved.statusCode, approved.body).toBe(200);
    const done = await settle(id);
    expect(done.status, JSON.stringify(done.steps)).toBe('succeeded');
    expect(step(done, 'enable')).toMatchObject({
      status: 'succeeded',
      output: {
        status: 'unchanged',
        alreadyActive: true,
        outcome: 'already active',
        applied: false,
        proposalId: null,
        summary: `Campaign "${before.name}" was already active: nothing to change`,
      },
    });
    expect(step(done, 'budget').output).toMatchObject({ status: 'applied' });
    const after = await t.storage.db
      .selectFrom('campaigns')
      .select(['status', 'daily_budget_micros'])
      .where('id', '=', sim.campaignId)
      .executeTakeFirstOrThrow();
    expect(after).toEqual({
      status: 'active',
      daily_budget_micros: Math.round(Number(before.daily_budget_micros) * 1.1),
    });
    // Only the budget change was proposed: no enable proposal for a campaign already live.
    const proposals = await t.app.inject(as(owner, { method: 'GET', url: '/api/v1/actions' }));
    expect(
      proposals.json().items.map((p: { kind: string; status: string }) => `${p.kind}:${p.status}`),
    ).toEqual(['budget_change:applied']);
    // The notice says the campaign was already live and that the budget changed all the same.
    expect(t.mailer.sent[0]!.subject).toBe(`Campaign "${before.name}" already active`);
    expect(t.mailer.sent[0]!.text.split('\n')[0]).toBe(`Campaign "${before.name}" already active.`);
    expect(t.mailer.sent[0]!.text).toContain(`Launch: Campaign "${before.name}" was already active`);
    expect(t.mailer.sent[0]!.text).toContain(`Budget: Raise the daily budget of campaign "${before.name}"`);
    // The API itself still answers an enable of an active campaign with a 409 that says why.
    const direct = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: '/api/v1/actions',
        payload: { kind: 'enable', campaignId: sim.campaignId },
      }),
    );
    expect(direct.statusCode).toBe(409);
    expect(direct.json().error.details).toMatchObject({ reason: 'already_in_state', status: 'active' });
  });

  it('campaign launch template without a budget change: the notice says no change was asked for', async () => {
    const sim = await connectSimulator(t as unknown as TestApp, owner, 'wfnobudget');
    const before = await t.storage.db
      .selectFrom('campaigns')
      .select(['name', 'daily_budget_micros'])
      .where('id', '=', sim.campaignId)
      .executeTakeFirstOrThrow();
    const { workflow } = await create({
      templateId: 'campaign_launch',
      variables: { notifyEmail: 'ops@example.test' },
    });
    const id = await run(workflow.id, { campaignId: sim.campaignId, budgetChangePercent: 0 });
    await settle(id, ['waiting_approval']);
    const approved = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: `/api/v1/workflows/executions/${id}/steps/approve_launch/approve`,
        payload: {},
      }),
    );
    expect(approved.statusCode, approved.body).toBe(200);
    const done = await settle(id);
    expect(done.status, JSON.stringify(done.steps)).toBe('succeeded');
    expect(step(done, 'has_budget_change').output).toMatchObject({ result: false });
    expect(step(done, 'budget').status).toBe('skipped');
    // The notice is not skipped with the budget step: it runs, and says no change was asked for.
    expect(step(done, 'notify').status).toBe('succeeded');
    expect(t.mailer.sent).toHaveLength(1);
    const lines = t.mailer.sent[0]!.text.split('\n');
    expect(lines[1]).toBe(`Launch: Campaign "${before.name}" was already active: nothing to change.`);
    expect(lines[2]).toBe('Budget: no change was asked for.');
    expect(t.mailer.sent[0]!.text).not.toContain('daily budget');
    const after = await t.storage.db
      .selectFrom('campaigns')
      .select('daily_budget_micros')
      .where('id', '=', sim.campaignId)
      .executeTakeFirstOrThrow();
    expect(after.daily_budget_micros).toBe(before.daily_budget_micros);
  });

  it('campaign launch template whose enable goes to approval under the guardrails: the notice and the proposal say so, nothing launched', async () => {
    const sim = await connectSimulator(t as unknown as TestApp, owner, 'wfguarded');
    const paused = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: '/api/v1/write-backs',
        payload: {
          type: 'set_status',
          level: 'campaign',
          entityId: sim.campaignId,
          status: 'paused',
          idempotencyKey: 'guarded-launch-pause',
        },
      }),
    );
    expect(paused.statusCode, paused.body).toBe(200);
    const policy = await t.app.inject(
      as(owner, {
        method: 'PUT',
        url: '/api/v1/guardrails',
        payload: { settings: { minHoursBetweenChanges: 0, alwaysRequireApproval: ['enable'] } },
      }),
    );
    expect(policy.statusCode, policy.body).toBe(200);
    const { workflow } = await create({
      name: 'Guarded launch',
      templateId: 'campaign_launch',
      variables: { notifyEmail: 'ops@example.test' },
    });
    const id = await run(workflow.id, { campaignId: sim.campaignId, budgetChangePercent: 0 });
    await settle(id, ['waiting_approval']);
    const approved = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: `/api/v1/workflows/executions/${id}/steps/approve_launch/approve`,
        payload: {},
      }),
    );
    expect(approved.statusCode, approved.body).toBe(200);
    // Not a success: the launch waits for approval, so the run and its enable step are `proposed`.
    const done = await settle(id, ['proposed', ...terminal]);
    expect(done.status).toBe('proposed');
    expect(step(done, 'enable')).toMatchObject({ status: 'proposed' });
    expect(step(done, 'enable').output).toMatchObject({
      status: 'pending_approval',
      outcome: 'waiting for approval',
      applied: false,
    });
    const { name, status } = await t.storage.db
      .selectFrom('campaigns')
      .select(['name', 'status'])
      .where('id', '=', sim.campaignId)
      .executeTakeFirstOrThrow();
    expect(status).toBe('paused');
    // The mail does not say "launched" when the launch only waits for a person.
    expect(t.mailer.sent).toHaveLength(1);
    expect(t.mailer.sent[0]!.subject).toBe(`Campaign "${name}" waiting for approval`);
    expect(t.mailer.sent[0]!.text.split('\n')[0]).toBe(`Campaign "${name}" waiting for approval.`);
    expect(t.mailer.sent[0]!.subject).not.toContain('launched');
    expect(step(done, 'notify').output).toMatchObject({ subject: `Campaign "${name}" waiting for approval` });
    // The proposal names the workflow that made it (not "user" with no id), and the audit entry its run.
    const listed = await t.app.inject(
      as(owner, { method: 'GET', url: `/api/v1/actions?sourceType=workflow&sourceId=${workflow.id}` }),
    );
    expect(listed.statusCode, listed.body).toBe(200);
    const items = listed.json().items as Array<{ id: string; kind: string; source: unknown; status: string }>;
    expect(items.map((p) => `${p.kind}:${p.status}`)).toEqual(['enable:pending_approval']);
    expect(items[0]!.source).toEqual({ type: 'workflow', id: workflow.id });
    const audit = await t.storage.db
      .selectFrom('audit_log')
      .select('metadata')
      .where('action', '=', 'proposals.created')
      .where('target_id', '=', items[0]!.id)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(String(audit.metadata))).toMatchObject({
      source: 'workflow',
      sourceId: workflow.id,
      executionId: id,
    });
    const asUser = await t.app.inject(as(owner, { method: 'GET', url: '/api/v1/actions?sourceType=user' }));
    expect(asUser.json().items).toEqual([]);
  });

  it('client onboarding template: fatigue and anomalies keep to the client of the chosen connection', async () => {
    const client = async (name: string) => {
      const res = await t.app.inject(
        as(owner, {
          method: 'POST',
          url: '/api/v1/clients',
          payload: { name, email: `${name.toLowerCase()}@example.test` },
        }),
      );
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const connect = async (clientId: string, seed: string) => {
      const res = await t.app.inject(
        as(owner, {
          method: 'POST',
          url: '/api/v1/connections',
          payload: {
            platform: 'simulator',
            clientId,
            settings: { seed, clients: '1', days: '14', endDate: SIMULATOR_LAST_DAY, scale: '0.25' },
          },
        }),
      );
      expect(res.statusCode, res.body).toBe(201);
      return res.json().connection.id as string;
    };
    const acme = await client('Acme');
    const other = await client('Other');
    const acmeConnection = await connect(acme, 'onb_acme');
    const otherConnection = await connect(other, 'onb_other');
    // The other client's data is synced already: an agency-wide count would include its ads.
    const sync = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: `/api/v1/connections/${otherConnection}/sync`,
        payload: { kind: 'backfill', days: 30 },
      }),
    );
    expect(sync.statusCode, sync.body).toBe(202);
    expect((await t.services.sync.execute(owner.organizationId, sync.json().id)).status).toBe('succeeded');
    const { workflow } = await create({
      templateId: 'client_onboarding',
      variables: { notifyEmail: 'ops@example.test' },
    });
    const id = await run(workflow.id, { connectionId: acmeConnection, clientName: 'Acme' });
    const done = await settle(id);
    expect(done.status, JSON.stringify(done.steps)).toBe('succeeded');
    expect(step(done, 'backfill').output).toMatchObject({ clientId: acme });
    const adsOf = async (clientId: string) =>
      Number(
        (
          await t.storage.db
            .selectFrom('ads')
            .innerJoin('ad_accounts', 'ad_accounts.id', 'ads.ad_account_id')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('ads.organization_id', '=', owner.organizationId)
            .where('ad_accounts.client_id', '=', clientId)
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await adsOf(other)).toBeGreaterThan(0);
    const fatigue = await t.app.inject(
      as(owner, { method: 'GET', url: `/api/v1/oracle/fatigue?clientId=${acme}` }),
    );
    expect(fatigue.statusCode, fatigue.body).toBe(200);
    const acmeAds = fatigue.json().items.length as number;
    const all = await t.app.inject(as(owner, { method: 'GET', url: '/api/v1/oracle/fatigue' }));
    expect(all.json().items.length).toBeGreaterThan(acmeAds);
    expect(step(done, 'fatigue').output).toMatchObject({ ads: acmeAds });
    expect(acmeAds).toBeLessThanOrEqual(await adsOf(acme));
    expect(t.mailer.sent[0]!.text).toContain(`${acmeAds} ads checked for fatigue`);
  });

  it('client onboarding with a connection of no client is refused before anything runs, saying what to do', async () => {
    const res = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: '/api/v1/connections',
        payload: {
          platform: 'simulator',
          settings: {
            seed: 'onb_none',
            clients: '1',
            days: '14',
            endDate: SIMULATOR_LAST_DAY,
            scale: '0.25',
          },
        },
      }),
    );
    expect(res.statusCode, res.body).toBe(201);
    const connection = res.json().connection as { id: string; name: string; clientId: string | null };
    expect(connection.clientId).toBeNull();
    const { workflow } = await create({
      templateId: 'client_onboarding',
      variables: { notifyEmail: 'ops@example.test' },
    });
    const refused = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: `/api/v1/workflows/${workflow.id}/runs`,
        payload: { input: { connectionId: connection.id, clientName: 'Nobody' } },
      }),
    );
    expect(refused.statusCode, refused.body).toBe(400);
    const error = refused.json().error;
    expect(error.code).toBe('invalid_input');
    expect(error.details).toMatchObject({ reason: 'connection_without_client', connectionId: connection.id });
    expect(error.message).toBe(
      `The connection "${connection.name}" belongs to no client, and Client onboarding works on one client's data. Choose a connection of the client, or connect the client's account on the Connections page with the client selected, then run it again.`,
    );
    // Nothing ran: no execution, no backfill of the connection.
    const runs = await t.app.inject(
      as(owner, { method: 'GET', url: `/api/v1/workflows/${workflow.id}/runs` }),
    );
    expect(runs.json().items).toEqual([]);
    const syncs = await t.storage.db
      .selectFrom('sync_runs')
      .select('id')
      .where('organization_id', '=', owner.organizationId)
      .where('connection_id', '=', connection.id)
      .execute();
    expect(syncs).toEqual([]);
    // Another organization's connection (of a client) is not one of this organization's.
    const other = await signUp(t.app, 'wf-other');
    const otherClient = await t.app.inject(
      as(other, {
        method: 'POST',
        url: '/api/v1/clients',
        payload: { name: 'Theirs', email: 'theirs@example.test' },
      }),
    );
    const otherConnection = await t.app.inject(
      as(other, {
        method: 'POST',
        url: '/api/v1/connections',
        payload: {
          platform: 'simulator',
          clientId: otherClient.json().id,
          name: 'Their secret account',
          settings: {
            seed: 'onb_theirs',
            clients: '1',
            days: '14',
            endDate: SIMULATOR_LAST_DAY,
            scale: '0.25',
          },
        },
      }),
    );
    expect(otherConnection.statusCode, otherConnection.body).toBe(201);
    const theirs = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: `/api/v1/workflows/${workflow.id}/runs`,
        payload: { input: { connectionId: otherConnection.json().connection.id, clientName: 'Nobody' } },
      }),
    );
    expect(theirs.statusCode).toBe(400);
    expect(theirs.json().error.details.reason).toBe('connection_not_found');
    expect(theirs.body).not.toContain('Their secret account');
    // The same workflow, as another organization sees it: not there.
    const stranger = await t.app.inject(
      as(other, {
        method: 'POST',
        url: `/api/v1/workflows/${workflow.id}/runs`,
        payload: { input: { connectionId: connection.id, clientName: 'Nobody' } },
      }),
    );
    expect(stranger.statusCode).toBe(404);
    // The template says so in its run input schema: the dashboard offers only clients' connections.
    const templates = await t.app.inject(as(owner, { method: 'GET', url: '/api/v1/workflows/templates' }));
    const onboarding = templates.json().items.find((x: { id: string }) => x.id === 'client_onboarding') as {
      runInputSchema: { properties: Record<string, Record<string, unknown>> };
    };
    expect(onboarding.runInputSchema.properties.connectionId).toMatchObject({
      'x-entity': 'connection',
      'x-of-client': true,
    });
  });

  it('a pause step on a paused campaign is done as is; other conflicts still fail the step', async () => {
    const sim = await connectSimulator(t as unknown as TestApp, owner, 'wfpaused');
    const { workflow } = await create({
      name: 'Pause twice',
      steps: [
        { id: 'pause', type: 'proposal', config: { kind: 'pause' }, input: { campaignId: '{{trigger.c}}' } },
        {
          id: 'again',
          type: 'proposal',
          dependsOn: ['pause'],
          config: { kind: 'pause' },
          input: { campaignId: '{{trigger.c}}' },
        },
      ],
    });
    await t.app.inject(
      as(owner, {
        method: 'PUT',
        url: '/api/v1/guardrails',
        payload: { settings: { minHoursBetweenChanges: 0 } },
      }),
    );
    const done = await settle(await run(workflow.id, { c: sim.campaignId }));
    expect(done.status, JSON.stringify(done.steps)).toBe('succeeded');
    expect(step(done, 'pause').output).toMatchObject({ status: 'applied' });
    expect(step(done, 'again').output).toMatchObject({ status: 'unchanged', alreadyPaused: true });
    // A budget change that changes nothing is not "already done": it still fails the step.
    const { workflow: same } = await create({
      name: 'Same budget',
      steps: [
        {
          id: 'budget',
          type: 'proposal',
          config: { kind: 'budget_change', percent: 0 },
          input: { campaignId: '{{trigger.c}}' },
        },
      ],
    });
    const failed = await settle(await run(same.id, { c: sim.campaignId }));
    expect(failed.status).toBe('failed');
    expect(step(failed, 'budget').error).toMatch(/already at that amount/);
  });

  it('lists approval steps waiting across the workflows, for the organization only', async () => {
    const { workflow } = await create({
      name: 'Gate',
      steps: [
        { id: 'gate', type: 'approval_wait', config: { message: 'Go ahead with {{trigger.what}}?' } },
        notify('after', 'Done', { dependsOn: ['gate'] }),
      ],
    });
    const id = await run(workflow.id, { what: 'the spring sale' });
    await settle(id, ['waiting_approval']);
    const list = await t.app.inject(as(owner, { method: 'GET', url: '/api/v1/workflows/approvals' }));
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json()).toEqual({
      items: [
        {
          executionId: id,
          stepId: 'gate',
          workflowId: workflow.id,
          workflowName: 'Gate',
          message: 'Go ahead with the spring sale?',
          clientId: null,
          campaignId: null,
          changePct: null,
          requiredApprovals: 1,
          approvals: [],
          trigger: 'manual',
          startedBy: { id: owner.userId, name: expect.any(String) },
          startedAt: expect.any(String),
          waitingSince: expect.any(String),
        },
      ],
      nextCursor: null,
    });
    const intruder = await signUp(t.app, 'wf-approvals-intruder');
    const theirs = await t.app.inject(as(intruder, { method: 'GET', url: '/api/v1/workflows/approvals' }));
    expect(theirs.statusCode).toBe(200);
    expect(theirs.json()).toEqual({ items: [], nextCursor: null });
    const bad = await t.app.inject(
      as(owner, { method: 'GET', url: '/api/v1/workflows/approvals?cursor=%%%' }),
    );
    expect(bad.statusCode).toBe(400);
    await t.app.inject(
      as(owner, {
        method: 'POST',
        url: `/api/v1/workflows/executions/${id}/steps/gate/approve`,
        payload: {},
      }),
    );
    expect((await settle(id)).status).toBe('succeeded');
    const after = await t.app.inject(as(owner, { method: 'GET', url: '/api/v1/workflows/approvals' }));
    expect(after.json().items).toEqual([]);
  });

  it('a GoHighLevel action goes through the proposals (guardrails, write-back) and reaches the CRM once', async () => {
    await connectSimulator(t as unknown as TestApp, owner, 'wfcrm');
    const contact = await t.storage.db
      .selectFrom('crm_contacts')
      .select(['id', 'external_id'])
      .where('organization_id', '=', owner.organizationId)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const { workflow } = await create({
      name: 'Nurture',
      steps: [
        {
          id: 'enroll',
          type: 'ghl_action',
          config: { kind: 'crm_enroll_workflow', workflowId: 'wf-nurture' },
          input: { contactId: '{{trigger.contactId}}' },
        },
      ],
    });
    const done = await settle(await run(workflow.id, { contactId: contact.id }));
    expect(done.status, JSON.stringify(done.steps)).toBe('succeeded');
    expect(step(done, 'enroll').output).toMatchObject({ status: 'applied', replayed: false });
    const { readFileSync } = await import('node:fs');
    const state = JSON.parse(readFileSync(`${t.config.dataDir}/simulator/sim-wfcrm.json`, 'utf8'));
    expect(state.workflowEnrolments).toEqual([
      expect.objectContaining({ contactExternalId: contact.external_id, workflowId: 'wf-nurture' }),
    ]);
  });

  it("another organization's workflows and executions are 404", async () => {
    const { workflow } = await create({ name: 'Mine', steps: [{ id: 'gate', type: 'approval_wait' }] });
    const id = await run(workflow.id);
    await settle(id, ['waiting_approval']);
    const intruder = await signUp(t.app, 'wf-intruder');
    const calls: Array<[string, string, Body?]> = [
      ['GET', `/api/v1/workflows/${workflow.id}`],
      ['PATCH', `/api/v1/workflows/${workflow.id}`, { name: 'Hijacked' }],
      ['DELETE', `/api/v1/workflows/${workflow.id}`],
      ['POST', `/api/v1/workflows/${workflow.id}/runs`, {}],
      ['GET', `/api/v1/workflows/${workflow.id}/runs`],
      ['GET', `/api/v1/workflows/executions/${id}`],
      ['POST', `/api/v1/workflows/executions/${id}/cancel`],
      ['POST', `/api/v1/workflows/executions/${id}/steps/gate/approve`, {}],
    ];
    for (const [method, url, payload] of calls) {
      const res = await t.app.inject(
        as(intruder, { method: method as 'GET', url, ...(payload ? { payload } : {}) }),
      );
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await execution(id)).status).toBe('waiting_approval');
    const list = await t.app.inject(as(intruder, { method: 'GET', url: '/api/v1/workflows' }));
    expect(list.json().items).toEqual([]);
    // A threshold cannot watch another organization's client or campaign.
    const client = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: '/api/v1/clients',
        payload: { name: 'Owner client', email: 'owner-client@example.test' },
      }),
    );
    expect(client.statusCode, client.body).toBe(201);
    for (const target of [{ clientId: client.json().id }, { campaignId: 'cmp_notyours0000' }]) {
      const foreign = await t.app.inject(
        as(intruder, {
          method: 'POST',
          url: '/api/v1/workflows',
          payload: {
            name: 'Watch theirs',
            steps: [notify('n', 'Low spend')],
            triggers: { thresholds: [{ id: 'low', metric: 'spendMicros', op: 'lt', value: 1, ...target }] },
          },
        }),
      );
      expect(foreign.statusCode, foreign.body).toBe(404);
    }
  });
});
