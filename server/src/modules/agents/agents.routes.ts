/** The organization's agents and their limits. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import { ctxOf } from '../auth/auth.plugin.ts';
import { agentKinds } from './agents.defaults.ts';
import type { AgentHistory } from './agents.history.ts';
import { toJsonSchema } from './agents.json-schema.ts';
import { agentRunsRoutes } from './agents.runs.routes.ts';
import type { AgentRuntime } from './agents.runtime.ts';
import { definitionSchema } from './agents.schema.ts';
import { type Agents, agentLimitsSchema } from './agents.service.ts';

const agentSchema = z.object({
  id: z.string(),
  kind: z.enum(agentKinds),
  name: z.string(),
  enabled: z.boolean(),
  limits: agentLimitsSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function agentsRoutes(
  app: FastifyInstance,
  deps: {
    agents: Agents;
    agentRuntime: AgentRuntime;
    agentHistory: AgentHistory;
    config: Pick<Config, 'agents'>;
  },
) {
  const { agents, agentRuntime } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const params = z.object({
    id: z.string().min(1).max(64).describe('Agent id, or its kind (e.g. analytics)'),
  });
  r.get(
    '/api/v1/agents',
    {
      config: { permission: 'agents:read' },
      schema: {
        tags: ['agents'],
        summary: 'The seven agents of the organization and their limits',
        response: { 200: z.object({ items: z.array(agentSchema) }) },
      },
    },
    async (req) => ({ items: await agents.list(ctxOf(req)) }),
  );
  r.get(
    '/api/v1/agents/:id',
    {
      config: { permission: 'agents:read' },
      schema: {
        tags: ['agents'],
        summary: 'One agent, with its definition: instructions, tools and input/output JSON schemas',
        params,
        response: { 200: agentSchema.extend({ definition: definitionSchema.nullable() }) },
      },
    },
    async (req) => {
      const agent = await agents.get(ctxOf(req), req.params.id);
      const def = agentRuntime.definitionOf(agent.kind);
      return {
        ...agent,
        definition: def
          ? {
              instructions: def.instructions,
              tools: def.tools.map((t) => ({
                name: t.name,
                description: t.description,
                inputSchema: toJsonSchema(t.input),
              })),
              inputSchema: toJsonSchema(def.input),
              outputSchema: toJsonSchema(def.output),
              engines: agentRuntime.engines(),
            }
          : null,
      };
    },
  );
  r.patch(
    '/api/v1/agents/:id',
    {
      config: { permission: 'agents:manage' },
      schema: {
        tags: ['agents'],
        summary: 'Enable or disable an agent, or change its limits',
        params,
        body: z
          .strictObject({ enabled: z.boolean().optional(), limits: agentLimitsSchema.partial().optional() })
          .refine((b) => b.enabled !== undefined || b.limits !== undefined, 'Send enabled or limits'),
        response: { 200: agentSchema },
      },
    },
    async (req) => agents.update(ctxOf(req), req.params.id, req.body),
  );
  agentRunsRoutes(app, {
    agentRuntime,
    agentHistory: deps.agentHistory,
    inlineWaitMs: deps.config.agents.inlineWaitMs,
  });
}
