/**
 * The language-model engine against a local fake of the OpenAI Responses API (real `openai` SDK,
 * real HTTP): scripted tool order and call ids fed back, output validation with one corrective
 * turn, token and step budgets, 429/5xx retries, a real agent of the registry, tenant isolation.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOpenAi, startFakeOpenAi } from '../../../test/fakes/openai.ts';
import { as, createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { connectSimulator } from '../../../test/helpers/simulator.ts';
import { testDialect } from '../../storage/testing.ts';
import { agentDefinitions } from './agents.registry.ts';
import { testAgent } from './agents.testing.ts';

interface StepView {
  seq: number;
  type: string;
  toolName: string | null;
  callId: string | null;
  input: unknown;
  output: unknown;
  error: { code: string } | null;
  inputTokens: number;
  outputTokens: number;
}

describe(`agent runs on the language-model engine (fake Responses API) on ${testDialect()}`, () => {
  let fake: FakeOpenAi;
  let t: TestApp;
  let owner: Signed;
  let other: Signed;
  const req = (who: Signed, opts: InjectOptions) => t.app.inject(as(who, opts));
  const runLlm = (input: unknown, who = owner, agent = 'analytics') =>
    req(who, { method: 'POST', url: `/api/v1/agents/${agent}/runs`, payload: { input, engine: 'llm' } });
  const setLimits = async (limits: Record<string, number>) => {
    const res = await req(owner, { method: 'PATCH', url: '/api/v1/agents/analytics', payload: { limits } });
    expect(res.statusCode, res.body).toBe(200);
  };
  const shape = (steps: StepView[]) => steps.map((s) => (s.type === 'model_turn' ? 'model' : s.toolName));
  const final = { summary: 'Total 10', total: 10 };

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    t = await createTestApp({
      env: {
        OMNIFY_OPENAI_API_KEY: fake.apiKey,
        OMNIFY_OPENAI_BASE_URL: fake.baseUrl,
        OMNIFY_OPENAI_MODEL: 'gpt-4.1-mini',
      },
      services: { agentDefinitions: { ...agentDefinitions, analytics: testAgent } },
    });
    owner = await signUp(t.app, 'llm-owner');
    other = await signUp(t.app, 'llm-other');
  });
  beforeEach(() => fake.reset());
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('executes the tools in the scripted order and feeds each output back under its call id', async () => {
    fake.script(
      {
        toolCalls: [
          { name: 'add', arguments: { a: 1, b: 2 }, callId: 'call_first' },
          { name: 'add', arguments: { a: 3, b: 4 }, callId: 'call_second' },
        ],
      },
      { toolCalls: [{ name: 'whoami', arguments: {}, callId: 'call_third' }] },
      { text: final },
    );
    const res = await runLlm({ numbers: [1, 2, 3, 4] });
    expect(res.statusCode, res.body).toBe(200);
    const e = res.json();
    expect(e).toMatchObject({ status: 'succeeded', engine: 'llm', output: final, model: 'gpt-4.1-mini' });
    expect(shape(e.steps)).toEqual(['model', 'add', 'add', 'model', 'whoami', 'model']);
    expect(
      e.steps.filter((s: StepView) => s.type === 'tool_call').map((s: StepView) => [s.callId, s.output]),
    ).toEqual([
      ['call_first', { sum: 3 }],
      ['call_second', { sum: 7 }],
      ['call_third', { actor: { type: 'agent', id: e.agentId }, executionId: e.id, clients: 0 }],
    ]);
    // Tokens and cost: three turns of 100 in + 20 out at gpt-4.1-mini prices (0.40 / 1.60 USD per 1M).
    expect([e.inputTokens, e.outputTokens, e.costMicros, e.costKnown]).toEqual([300, 60, 216, true]);

    expect(fake.requests).toHaveLength(3);
    const [first, second, third] = fake.requests;
    expect(first?.instructions).toBe(testAgent.instructions);
    expect(first?.tools?.map((x) => [x.type, x.name])).toEqual([
      ['function', 'add'],
      ['function', 'whoami'],
      ['function', 'fail'],
      ['function', 'wait'],
    ]);
    expect(first?.tools?.[0]).toMatchObject({
      strict: true,
      parameters: { type: 'object', required: ['a', 'b'], additionalProperties: false },
    });
    expect(first?.text?.format).toMatchObject({
      type: 'json_schema',
      name: 'analytics_output',
      strict: true,
    });
    expect(second?.input.slice(1)).toEqual([
      { type: 'function_call', call_id: 'call_first', name: 'add', arguments: '{"a":1,"b":2}' },
      { type: 'function_call_output', call_id: 'call_first', output: '{"sum":3}' },
      { type: 'function_call', call_id: 'call_second', name: 'add', arguments: '{"a":3,"b":4}' },
      { type: 'function_call_output', call_id: 'call_second', output: '{"sum":7}' },
    ]);
    expect(third?.input.at(-1)).toMatchObject({ type: 'function_call_output', call_id: 'call_third' });
  });

  it('a tool error or malformed arguments go back to the model as the call’s output, and the run goes on', async () => {
    fake.script(
      {
        toolCalls: [
          { name: 'add', arguments: { a: 'one' }, callId: 'c1' },
          { name: 'add', arguments: '{oops', callId: 'c2' },
        ],
      },
      { toolCalls: [{ name: 'nope', arguments: {}, callId: 'c3' }] },
      { text: final },
    );
    const res = await runLlm({ numbers: [1] });
    expect(res.json().status).toBe('succeeded');
    const tools = res.json().steps.filter((s: StepView) => s.type === 'tool_call');
    expect(tools.map((s: StepView) => s.error?.code)).toEqual([
      'invalid_input',
      'invalid_json',
      'unknown_tool',
    ]);
    const outputs = fake.requests[1]?.input.filter((i) => i.type === 'function_call_output');
    expect(outputs?.map((o) => JSON.parse(String(o.output)).error.code)).toEqual([
      'invalid_input',
      'invalid_json',
    ]);
  });

  it('an answer that fails the output schema gets one corrective turn naming the errors, then succeeds', async () => {
    fake.script({ text: { summary: 'no total' } }, { text: final });
    const res = await runLlm({ numbers: [10] });
    expect(res.json()).toMatchObject({ status: 'succeeded', output: final });
    const correction = fake.requests[1]?.input.at(-1) as { role: string; content: string };
    expect(correction.role).toBe('user');
    expect(correction.content).toContain('does not match the output schema');
    expect(correction.content).toContain('total');
    expect(fake.requests[1]?.input.at(-2)).toMatchObject({
      role: 'assistant',
      content: '{"summary":"no total"}',
    });
  });

  it('a second invalid answer fails the run as invalid_output, with both turns recorded', async () => {
    fake.script({ text: { summary: 'no total' } }, { text: 'not json at all' }, { text: final });
    const res = await runLlm({ numbers: [10] });
    expect(res.json()).toMatchObject({ status: 'failed', output: null, error: { code: 'invalid_output' } });
    expect(shape(res.json().steps)).toEqual(['model', 'model']);
    expect(fake.requests).toHaveLength(2);
    expect(fake.remaining()).toBe(1);
  });

  it('token budget exhaustion ends the run cleanly as budget_exhausted and keeps its steps', async () => {
    await setLimits({ maxTokensPerRun: 500 });
    fake.script(
      { toolCalls: [{ name: 'add', arguments: { a: 1, b: 1 } }], usage: { input: 300, output: 50 } },
      { toolCalls: [{ name: 'add', arguments: { a: 2, b: 2 } }], usage: { input: 400, output: 50 } },
      { text: final },
    );
    const res = await runLlm({ numbers: [1] });
    await setLimits({ maxTokensPerRun: 20_000 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'budget_exhausted',
      error: { code: 'max_tokens' },
      inputTokens: 700,
      outputTokens: 100,
      output: null,
    });
    // The second turn is recorded; the tool call it asked for is not executed.
    expect(shape(res.json().steps)).toEqual(['model', 'add', 'model']);
    expect(fake.requests[1]?.max_output_tokens).toBe(150);
    expect(fake.remaining()).toBe(1);
  });

  it('maxSteps ends a model that keeps calling tools', async () => {
    await setLimits({ maxSteps: 4 });
    fake.script(
      ...Array.from({ length: 5 }, () => ({ toolCalls: [{ name: 'add', arguments: { a: 1, b: 1 } }] })),
    );
    const res = await runLlm({ numbers: [1] });
    await setLimits({ maxSteps: 12 });
    expect(res.json()).toMatchObject({
      status: 'budget_exhausted',
      error: { code: 'max_steps' },
      stepCount: 4,
    });
    expect(shape(res.json().steps)).toEqual(['model', 'add', 'model', 'add']);
    // Turns left unplayed: the run stopped asking.
    expect(fake.remaining()).toBe(3);
  });

  it('retries a 429 (honouring retry-after-ms) and a 500, then succeeds; the turn records the retries', async () => {
    fake.script(
      {
        http: {
          status: 429,
          headers: { 'retry-after-ms': '20', 'x-ratelimit-remaining-requests': '0' },
          json: {
            error: {
              message: 'Rate limit reached',
              type: 'requests',
              param: null,
              code: 'rate_limit_exceeded',
            },
          },
        },
      },
      {
        http: {
          status: 500,
          json: { error: { message: 'boom', type: 'server_error', param: null, code: null } },
        },
      },
      { text: final },
    );
    const res = await runLlm({ numbers: [1] });
    expect(res.json()).toMatchObject({ status: 'succeeded', output: final });
    expect(fake.requests).toHaveLength(3);
    expect(res.json().steps[0].input).toMatchObject({ retries: 2 });
  });

  it('a 429 for exhausted quota is not retried: the run fails with model_failed', async () => {
    fake.script(
      {
        http: {
          status: 429,
          json: {
            error: {
              message: 'You exceeded your current quota',
              type: 'insufficient_quota',
              param: null,
              code: 'insufficient_quota',
            },
          },
        },
      },
      { text: final },
    );
    const res = await runLlm({ numbers: [1] });
    expect(res.json()).toMatchObject({
      status: 'failed',
      error: { code: 'model_failed', details: { kind: 'quota' } },
    });
    expect(fake.requests).toHaveLength(1);
  });

  it('runs a real agent of the registry: the model replays the built-in engine’s tool calls and answer', async () => {
    const kind = 'creative_intelligence';
    if (!agentDefinitions[kind]) return expect.fail('creative_intelligence is not in the registry');
    await connectSimulator(t, owner, 'llmreal');
    const builtin = await req(owner, {
      method: 'POST',
      url: `/api/v1/agents/${kind}/runs`,
      payload: { input: { limit: 3 }, engine: 'builtin' },
    });
    expect(builtin.json().status, builtin.body).toBe('succeeded');
    const calls = builtin.json().steps.map((s: StepView, i: number) => ({
      name: s.toolName as string,
      arguments: s.input,
      callId: `call_real_${i}`,
    }));
    expect(calls.length).toBeGreaterThan(0);
    fake.script({ toolCalls: calls }, { text: builtin.json().output });
    const res = await runLlm({ limit: 3 }, owner, kind);
    expect(res.json().status, res.body).toBe('succeeded');
    expect(res.json().output).toEqual(builtin.json().output);
    expect(
      res
        .json()
        .steps.filter((s: StepView) => s.type === 'tool_call')
        .map((s: StepView) => s.output),
    ).toEqual(builtin.json().steps.map((s: StepView) => s.output));
  });

  it('another organization cannot read or cancel these runs, and its own history stays empty', async () => {
    const mine = (await req(owner, { method: 'GET', url: '/api/v1/agents/analytics/runs?limit=1' })).json()
      .items[0];
    expect(mine.engine).toBe('llm');
    expect(
      (await req(other, { method: 'GET', url: `/api/v1/agents/executions/${mine.id}` })).statusCode,
    ).toBe(404);
    expect(
      (await req(other, { method: 'POST', url: `/api/v1/agents/executions/${mine.id}/cancel` })).statusCode,
    ).toBe(404);
    expect((await req(other, { method: 'GET', url: '/api/v1/agents/analytics/runs' })).json().items).toEqual(
      [],
    );
    const m = (await req(other, { method: 'GET', url: '/api/v1/agents/analytics/metrics' })).json();
    expect([m.runs, m.inputTokens, m.costMicros]).toEqual([0, 0, 0]);
  });
});
