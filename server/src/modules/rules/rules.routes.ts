/**
 * /api/v1/rules: automation rules (CRUD, enable/disable), run now, runs history, backtest.
 * Managing rules needs agents:manage (they act on their own, like agents); running one needs
 * agents:run; reading and backtesting (no writes) agents:read.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageQuery, pageSchema } from '../../platform/pagination.ts';
import { ctxOf } from '../auth/auth.plugin.ts';
import type { Rules } from './index.ts';
import {
  backtestBody,
  backtestView,
  idParam,
  listQuery,
  ruleBody,
  rulePatch,
  ruleView,
  runView,
} from './rules.schema.ts';

export function rulesRoutes(app: FastifyInstance, { rules }: { rules: Rules }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['rules'];

  r.post(
    '/api/v1/rules',
    {
      config: { permission: 'agents:manage' },
      schema: {
        tags,
        summary: 'Create a rule (scope, conditions, actions, schedule of at most every 15 minutes)',
        body: ruleBody,
        response: { 201: ruleView },
      },
    },
    async (req, reply) => reply.status(201).send(await rules.create(ctxOf(req), req.body)),
  );

  r.get(
    '/api/v1/rules',
    {
      config: { permission: 'agents:read' },
      schema: {
        tags,
        summary: 'Rules, newest first',
        querystring: listQuery,
        response: { 200: pageSchema(ruleView) },
      },
    },
    async (req) => rules.list(ctxOf(req), req.query),
  );

  r.get(
    '/api/v1/rules/:id',
    {
      config: { permission: 'agents:read' },
      schema: { tags, summary: 'One rule', params: idParam, response: { 200: ruleView } },
    },
    async (req) => rules.get(ctxOf(req), req.params.id),
  );

  r.patch(
    '/api/v1/rules/:id',
    {
      config: { permission: 'agents:manage' },
      schema: {
        tags,
        summary: 'Change a rule (the fields sent replace the stored ones)',
        params: idParam,
        body: rulePatch,
        response: { 200: ruleView },
      },
    },
    async (req) => rules.update(ctxOf(req), req.params.id, req.body),
  );

  r.delete(
    '/api/v1/rules/:id',
    {
      config: { permission: 'agents:manage' },
      schema: { tags, summary: 'Delete a rule (its proposals stay)', params: idParam },
    },
    async (req, reply) => {
      await rules.remove(ctxOf(req), req.params.id);
      return reply.status(204).send();
    },
  );

  for (const verb of ['enable', 'disable'] as const)
    r.post(
      `/api/v1/rules/:id/${verb}`,
      {
        config: { permission: 'agents:manage' },
        schema: {
          tags,
          summary:
            verb === 'enable'
              ? 'Enable: scheduled again from the next tick'
              : 'Disable: no more scheduled runs',
          params: idParam,
          response: { 200: ruleView },
        },
      },
      async (req) => rules.setEnabled(ctxOf(req), req.params.id, verb === 'enable'),
    );

  r.post(
    '/api/v1/rules/:id/run',
    {
      config: { permission: 'agents:run' },
      schema: {
        tags,
        summary: 'Evaluate now: matching entities get proposals (guardrails decide apply or approval)',
        params: idParam,
        response: { 200: runView },
      },
    },
    async (req) => rules.run(ctxOf(req), req.params.id),
  );

  r.get(
    '/api/v1/rules/:id/runs',
    {
      config: { permission: 'agents:read' },
      schema: {
        tags,
        summary: "The rule's runs, newest first, each with every entity's evaluation",
        params: idParam,
        querystring: z.object({ ...pageQuery }),
        response: { 200: pageSchema(runView) },
      },
    },
    async (req) => rules.runs(ctxOf(req), req.params.id, req.query),
  );

  r.post(
    '/api/v1/rules/:id/backtest',
    {
      config: { permission: 'agents:read' },
      schema: {
        tags,
        summary: 'Replay the last N days day by day: what the rule would have done (writes nothing)',
        params: idParam,
        body: backtestBody,
        response: { 200: backtestView },
      },
    },
    async (req) => rules.backtest(ctxOf(req), req.params.id, req.body.days),
  );
}
