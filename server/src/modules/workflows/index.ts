/**
 * Workflows: DAGs of steps (agent runs, syncs, ORACLE jobs, conditions, approvals, notifications,
 * GoHighLevel actions, proposals) run step by step on the queue, with manual, cron, event,
 * threshold and signed-webhook triggers. Other modules use `createWorkflowsModule` (composition
 * root), `workflowJobs` (worker) and `workflowsRoutes` (API).
 */
import type { Clock } from '../../platform/clock.ts';
import type { SecretBox } from '../../platform/crypto.ts';
import type { Mailer } from '../../platform/mailer.ts';
import type { Queue } from '../../queue/index.ts';
import type { Storage } from '../../storage/db.ts';
import type { AnalyticsModule } from '../analytics/index.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Oracle } from '../oracle/index.ts';
import type { Proposals } from '../proposals/index.ts';
import type { Sync } from '../sync/sync.service.ts';
import { createEngine } from './workflows.engine.ts';
import type { createEventHub } from './workflows.events.ts';
import { createWorkflowService } from './workflows.service.ts';
import { createSettler } from './workflows.settle.ts';
import { type AgentRunner, createStepExecutors } from './workflows.steps.ts';
import { templates, templateView } from './workflows.templates.ts';
import { createTriggers } from './workflows.triggers.ts';

export { createEventHub, type DomainEvents } from './workflows.events.ts';
export { WORKFLOW_CRON, workflowCronJob, workflowJobs } from './workflows.jobs.ts';
export { workflowsRoutes } from './workflows.routes.ts';
export type { AgentRunner } from './workflows.steps.ts';
export { signWebhook } from './workflows.triggers.ts';

export interface WorkflowsDeps {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  box: SecretBox;
  queue: Queue;
  mailer: Mailer;
  /** `propose` for the steps; `get` to see what became of a `proposed` run's proposals. */
  proposals: Pick<Proposals, 'propose' | 'get'>;
  sync: Pick<Sync, 'startOrJoin' | 'get'>;
  oracle: Oracle;
  analytics: Pick<AnalyticsModule, 'metrics'>;
  /** The hub the sync service and ORACLE emit on; workflows listen to it. */
  events?: ReturnType<typeof createEventHub>;
  /** The agent runtime (built by the agents module), read when an agent_run step runs. */
  agentRunner?: () => AgentRunner | undefined;
}

export function createWorkflowsModule(deps: WorkflowsDeps) {
  const execute = createStepExecutors({
    storage: deps.storage,
    clock: deps.clock,
    mailer: deps.mailer,
    proposals: deps.proposals,
    sync: deps.sync,
    oracle: deps.oracle,
    agentRunner: deps.agentRunner ?? (() => undefined),
  });
  const engine = createEngine({ ...deps, execute });
  const service = createWorkflowService({ ...deps, engine });
  const triggers = createTriggers({ ...deps, engine });
  const settler = createSettler({ ...deps, engine });
  deps.events?.listen(triggers.onEvent);
  return {
    ...service,
    ...triggers,
    settleProposed: settler.settleProposed,
    runStep: engine.runStep,
    templates: () => templates.map(templateView),
  };
}

export type Workflows = ReturnType<typeof createWorkflowsModule>;
