/**
 * The seven agents through H1's runtime and runs API (built-in engine): each run succeeds within its
 * default limits, its output passes the definition's schema, and its steps are the recorded tool
 * calls. Another organization cannot read the executions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, type Signed, signUp, type TestApp } from '../../../../test/helpers/app.ts';
import { testDialect } from '../../../storage/testing.ts';
import { type AgentKind, agentDefaults, agentKinds } from '../agents.defaults.ts';
import { agentDefinitions } from '../agents.registry.ts';
import { simulatedClient } from './simulated-client.ts';

describe(`the seven agents through the runs API on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let other: Signed;
  let clientId: string;
  const executions: Partial<Record<AgentKind, string>> = {};

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'seven');
    other = await signUp(t.app, 'intruder');
    ({
      client: { id: clientId },
    } = await simulatedClient(t.services, owner.organizationId, { seed: 'seven' }));
  }, 180_000);
  afterAll(() => t?.close());

  const inputs = (): Record<AgentKind, unknown> => ({
    creative_intelligence: { clientId, limit: 5 },
    marketing_automation: { clientId },
    client_management: { clientId },
    analytics: { clientId, period: { from: '2026-10-24', to: '2026-11-20' } },
    workflow_orchestration: { goal: 'Weekly account health check', clientId },
    compliance: { clientId },
    performance_optimization: {},
  });

  it('every kind has a definition in the registry', () => {
    expect(Object.keys(agentDefinitions).sort()).toEqual([...agentKinds].sort());
  });

  for (const kind of agentKinds) {
    it(`${kind} runs to success within its default limits`, async () => {
      const res = await t.app.inject(
        as(owner, { method: 'POST', url: `/api/v1/agents/${kind}/runs`, payload: { input: inputs()[kind] } }),
      );
      expect(res.statusCode, res.body).toBe(200);
      const exe = res.json();
      expect(exe.status, JSON.stringify(exe.error)).toBe('succeeded');
      expect(agentDefinitions[kind]?.output.safeParse(exe.output).success).toBe(true);
      const tools = new Set(agentDefinitions[kind]?.tools.map((x) => x.name));
      expect(exe.steps.length).toBeGreaterThan(0);
      expect(exe.steps.length).toBeLessThanOrEqual(agentDefaults[kind].limits.maxSteps);
      for (const s of exe.steps) {
        expect(s.type).toBe('tool_call');
        expect(tools.has(s.toolName)).toBe(true);
      }
      expect(typeof exe.output.summary).toBe('string');
      executions[kind] = exe.id;
    }, 120_000);
  }

  it("a user of another organization cannot read the agents' executions", async () => {
    for (const id of Object.values(executions)) {
      const res = await t.app.inject(as(other, { method: 'GET', url: `/api/v1/agents/executions/${id}` }));
      expect(res.statusCode).toBe(404);
    }
  });
});
