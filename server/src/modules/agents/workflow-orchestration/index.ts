/**
 * Workflow orchestration: designs a multi-step workflow (a DAG in the workflows module's shape) from
 * a goal, validates it, and on request saves and starts it. Saving and starting are audited with the
 * agent as actor; what the steps change still goes through proposals and guardrails.
 */
import { z } from 'zod';
import { defineAgent } from '../agents.definition.ts';
import { type DesignedStep, designWorkflow } from './design.ts';
import { workflowTools } from './tools.ts';

const id = z.string().min(1).max(64);

export const workflowInput = z.strictObject({
  goal: z
    .string()
    .min(3)
    .max(2000)
    .describe('What the workflow should achieve, in words')
    // The dashboard starts its goal field from the first example, so a default run is a valid one.
    .meta({ examples: ['Check the health of our campaigns every week and tell the team about problems'] }),
  clientId: id.optional(),
  campaignId: id.optional(),
  connectionId: id.optional(),
  notifyEmail: z.email().optional(),
  name: z.string().min(1).max(200).optional(),
  create: z.boolean().default(false).describe('Save the designed workflow'),
  start: z.boolean().default(false).describe('Save it and start one run now'),
  runInput: z.record(z.string(), z.unknown()).default({}),
});

export const workflowOutput = z.object({
  pattern: z.string(),
  name: z.string(),
  definition: z.object({
    steps: z.array(
      z.object({
        id: z.string(),
        type: z.string(),
        name: z.string(),
        dependsOn: z.array(z.string()),
        config: z.record(z.string(), z.unknown()),
        input: z.record(z.string(), z.unknown()),
        retries: z.number().optional(),
        timeoutMs: z.number().optional(),
      }),
    ),
    triggers: z.record(z.string(), z.unknown()),
  }),
  /** Steps in order of execution, by level: steps of one level run in parallel. */
  levels: z.array(z.array(z.string())),
  needs: z.array(z.string()),
  validation: z.object({
    ok: z.boolean(),
    problems: z.array(z.object({ path: z.string(), message: z.string() })),
  }),
  workflowId: z.string().nullable(),
  workflowExecutionId: z.string().nullable(),
  summary: z.string(),
});

type Input = z.infer<typeof workflowInput>;
type Output = z.infer<typeof workflowOutput>;
type Blocks = {
  agents: Array<{ agentId: string; kind: string }>;
  connections: Array<{ connectionId: string; clientId: string | null }>;
};

/** Topological levels: a step's level is one more than the deepest step it depends on. */
export function levelsOf(steps: DesignedStep[]): string[][] {
  const level = new Map<string, number>();
  const visit = (s: DesignedStep): number => {
    const known = level.get(s.id);
    if (known !== undefined) return known;
    const deps = s.dependsOn.map((d) => steps.find((x) => x.id === d)).filter((x): x is DesignedStep => !!x);
    const l = deps.length ? Math.max(...deps.map(visit)) + 1 : 0;
    level.set(s.id, l);
    return l;
  };
  steps.forEach(visit);
  const out: string[][] = [];
  for (const s of steps) {
    const l = level.get(s.id) as number;
    out[l] = [...(out[l] ?? []), s.id];
  }
  return out;
}

export const workflowOrchestration = defineAgent<Input, Output>({
  kind: 'workflow_orchestration',
  instructions: [
    'You are the workflow orchestration agent of a marketing agency.',
    'From the goal, design a workflow as a DAG of steps (agent_run, connector_sync, oracle_job, condition, approval_wait, notify, ghl_action, proposal) with dependsOn, config and {{trigger.x}} / {{steps.<id>.output.y}} mappings.',
    'Read workflow_building_blocks for agent and connection ids, check the draft with validate_workflow until it has no problems, then create_workflow and start_workflow only when the input asks for it.',
    'Changes to ads always go through a proposal or approval_wait step. Answer with the output schema.',
  ].join(' '),
  input: workflowInput,
  output: workflowOutput,
  tools: workflowTools,
  async builtin(input, run) {
    const blocks = await run.call<Blocks>('workflow_building_blocks', { clientId: input.clientId });
    const agentIds = Object.fromEntries(blocks.agents.map((a) => [a.kind, a.agentId]));
    // Without a connection named, a client's only active connection is the obvious one to sync.
    const clientConnections = blocks.connections.filter(
      (c) => !input.clientId || c.clientId === input.clientId,
    );
    const connectionId =
      input.connectionId ?? (clientConnections.length === 1 ? clientConnections[0]?.connectionId : undefined);
    const design = designWorkflow({
      goal: input.goal,
      clientId: input.clientId,
      campaignId: input.campaignId,
      connectionId,
      notifyEmail: input.notifyEmail,
      agentIds,
    });
    const validation = await run.call<{ ok: boolean; problems: Array<{ path: string; message: string }> }>(
      'validate_workflow',
      { steps: design.steps, triggers: design.triggers },
    );
    const name =
      input.name ??
      `${design.pattern.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase())}: ${input.goal.slice(0, 80)}`;
    let workflowId: string | null = null;
    let workflowExecutionId: string | null = null;
    const ready = validation.ok && design.needs.length === 0;
    if ((input.create || input.start) && ready) {
      workflowId = (
        await run.call<{ workflowId: string }>('create_workflow', {
          name,
          steps: design.steps,
          triggers: design.triggers,
        })
      ).workflowId;
      if (input.start)
        workflowExecutionId = (
          await run.call<{ workflowExecutionId: string }>('start_workflow', {
            workflowId,
            input: input.runInput,
          })
        ).workflowExecutionId;
    }
    const levels = levelsOf(design.steps);
    const summary = [
      `Designed a ${design.pattern.replace(/_/g, ' ')} workflow of ${design.steps.length} steps in ${levels.length} stage${levels.length === 1 ? '' : 's'}: ${levels.map((l) => l.join(' + ')).join(' → ')}.`,
      design.needs.length ? `Needs ${design.needs.join(', ')} before it can be saved.` : '',
      validation.ok ? '' : `Validation found ${validation.problems.length} problem(s).`,
      workflowId ? `Saved as ${workflowId}.` : (input.create || input.start) && !ready ? 'Not saved.' : '',
      workflowExecutionId ? `Started run ${workflowExecutionId}.` : '',
    ]
      .filter(Boolean)
      .join(' ');
    return {
      pattern: design.pattern,
      name,
      definition: { steps: design.steps, triggers: design.triggers },
      levels,
      needs: design.needs,
      validation,
      workflowId,
      workflowExecutionId,
      summary,
    };
  },
});
