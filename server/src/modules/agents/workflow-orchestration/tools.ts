/** Workflow orchestration tools: what can be wired (agents, connections, templates), validation, create and start. */
import { z } from 'zod';
import { AppError } from '../../../platform/errors.ts';
// The definition checker is pure; the workflows module runs the same one on create.
import { validateDefinition } from '../../workflows/workflows.definition.ts';
import { defineTool } from '../agents.definition.ts';

const id = z.string().min(1).max(64);
const steps = z.array(z.record(z.string(), z.unknown())).min(1).max(100);

export const workflowTools = [
  defineTool({
    name: 'workflow_building_blocks',
    description:
      "The organization's agents (id per kind), its connections (optionally of one client) and the built-in workflow templates.",
    input: z.strictObject({ clientId: id.optional() }),
    async run(i, { ctx, services }) {
      const [agents, connections] = await Promise.all([
        services.agents.list(ctx),
        services.connections.list(ctx, i.clientId ? { clientId: i.clientId } : {}),
      ]);
      return {
        agents: agents.filter((a) => a.enabled).map((a) => ({ agentId: a.id, kind: a.kind })),
        connections: connections
          .filter((c) => c.status === 'active')
          .map((c) => ({ connectionId: c.id, platform: c.platform, clientId: c.clientId, name: c.name })),
        templates: services.workflows
          .templates()
          .map((t) => ({ id: t.id, name: t.name, description: t.description })),
      };
    },
  }),
  defineTool({
    name: 'validate_workflow',
    description:
      'Checks a workflow definition (steps with dependsOn, config and {{…}} mappings; triggers) as the workflows module will: every problem at once.',
    input: z.strictObject({ steps, triggers: z.record(z.string(), z.unknown()).default({}) }),
    async run(i) {
      try {
        const v = validateDefinition({ steps: i.steps }, i.triggers);
        return { ok: true as const, steps: v.definition.steps.length, problems: [] };
      } catch (e) {
        if (!(e instanceof AppError) || e.code !== 'invalid_input') throw e;
        // The API's issues (`path` as keys and indexes) as the agent reads them: `steps.0.dependsOn.1`.
        const issues = (e.details as { issues?: Array<{ path: Array<string | number>; message: string }> })
          ?.issues;
        const problems = issues?.length
          ? issues.map((p) => ({ path: p.path.join('.'), message: p.message }))
          : [{ path: '', message: e.message }];
        return { ok: false as const, steps: i.steps.length, problems };
      }
    },
  }),
  defineTool({
    name: 'create_workflow',
    description:
      'Saves a workflow (audited with the agent as actor). Triggers such as cron only fire once it is saved and enabled.',
    input: z.strictObject({
      name: z.string().min(1).max(200),
      description: z.string().max(2000).optional(),
      steps,
      triggers: z.record(z.string(), z.unknown()).default({}),
      enabled: z.boolean().default(true),
    }),
    async run(i, { ctx, services }) {
      const { workflow } = await services.workflows.create(ctx, {
        name: i.name,
        description: i.description ?? null,
        steps: i.steps,
        triggers: i.triggers,
        enabled: i.enabled,
      });
      return { workflowId: workflow.id, name: workflow.name, enabled: workflow.enabled };
    },
  }),
  defineTool({
    name: 'start_workflow',
    description:
      'Starts a run of a saved workflow with the given input; the same run of this agent never starts it twice.',
    input: z.strictObject({ workflowId: id, input: z.record(z.string(), z.unknown()).default({}) }),
    async run(i, { ctx, services, executionId }) {
      const r = await services.workflows.run(ctx, i.workflowId, {
        input: i.input,
        idempotencyKey: `agent:${executionId}:${i.workflowId}`,
      });
      return { workflowExecutionId: r.executionId, replayed: r.replayed, status: r.execution.status };
    },
  }),
];
