/**
 * Runs a definition's built-in engine without the agents runtime: tool inputs are validated with
 * their zod schemas and every call is recorded as a step, as the runtime does. Used by the agents'
 * own tests (and usable wherever an agent must run in-process with a known actor).
 */
import { zodInvalidInput } from '../../../platform/errors.ts';
import type { Ctx } from '../../auth/context.ts';
import type { AgentDefinition, AgentServices, BuiltinRun, ToolContext } from '../agents.definition.ts';

export interface RecordedStep {
  tool: string;
  input: unknown;
  output: unknown;
}

/** The context an agent's tools run with: the agent is the actor, so audits and proposals name it. */
export const agentCtx = (organizationId: string, agentId: string): Ctx => ({
  organizationId,
  actor: { type: 'agent', id: agentId },
  userId: null,
  role: 'manager',
});

export function directRun(
  def: AgentDefinition,
  opts: {
    services: AgentServices;
    organizationId: string;
    agentId: string;
    executionId?: string;
    now?: Date;
  },
): { run: BuiltinRun; steps: RecordedStep[]; tc: ToolContext } {
  const ctx = agentCtx(opts.organizationId, opts.agentId);
  const now = opts.now ?? opts.services.clock.now();
  const tc: ToolContext = {
    ctx,
    agentId: opts.agentId,
    executionId: opts.executionId ?? `exe_test_${opts.agentId}`,
    services: opts.services,
    signal: new AbortController().signal,
    now,
  };
  const steps: RecordedStep[] = [];
  const run: BuiltinRun = {
    ctx,
    now,
    async call<O>(toolName: string, input: unknown): Promise<O> {
      const tool = def.tools.find((t) => t.name === toolName);
      if (!tool) throw new Error(`${def.kind} has no tool ${toolName}`);
      const output = await tool.run(tool.input.parse(input), tc);
      // Tool outputs must be plain JSON, as the language-model engine sends them back to the model.
      steps.push({ tool: toolName, input, output: JSON.parse(JSON.stringify(output ?? null)) });
      return output as O;
    },
  };
  return { run, steps, tc };
}

/** Validates input, runs the built-in engine, validates the output: what a run through the runtime checks. */
export async function runDirect<O>(
  def: AgentDefinition,
  input: unknown,
  opts: Parameters<typeof directRun>[1],
): Promise<{ output: O; steps: RecordedStep[] }> {
  const { run, steps } = directRun(def, opts);
  const parsed = def.input.parse(input);
  const problems = def.checkInput?.(parsed, run.now) ?? [];
  if (problems.length)
    throw zodInvalidInput({ issues: problems.map((p) => ({ code: 'custom', ...p })) }, 'input');
  const output = await def.builtin(parsed, run);
  return { output: def.output.parse(output) as O, steps };
}
