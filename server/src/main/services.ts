/**
 * Composition root shared by the API, the worker and the CLI: builds every module from config with
 * plain factories. Nothing here is a singleton; tests build as many as they like.
 */
import type { Config } from '../config.ts';
import { createWriteBackReconciler } from '../modules/actions/actions.reconcile.ts';
import { createActions } from '../modules/actions/actions.service.ts';
import { agentDefinitions } from '../modules/agents/agents.registry.ts';
import { createAgents } from '../modules/agents/agents.service.ts';
import {
  type AgentDefinition,
  type AgentKind,
  agentPurgeTargets,
  createAgentHistory,
  createAgentRuntime,
  type LanguageModel,
} from '../modules/agents/index.ts';
import { createAnalyticsModule } from '../modules/analytics/index.ts';
import { createAuditKeys } from '../modules/audit/audit.chain.ts';
import { createAudit } from '../modules/audit/audit.service.ts';
import { createAuth } from '../modules/auth/auth.service.ts';
import { createMfa } from '../modules/auth/mfa.service.ts';
import { createPasswordReset } from '../modules/auth/password-reset.service.ts';
import { createTokenService } from '../modules/auth/tokens.ts';
import { createBillingModule } from '../modules/billing/index.ts';
import { createCatalogModule } from '../modules/catalog/index.ts';
import { createConnections } from '../modules/connections/connections.service.ts';
import { createRedisBudget } from '../modules/connectors/budget.redis.ts';
import { createMemoryBudget } from '../modules/connectors/budget.ts';
import type { ConnectorDefinition, RequestBudget } from '../modules/connectors/connector.port.ts';
import { createConnectorRegistry } from '../modules/connectors/registry.ts';
import { createLedger } from '../modules/ledger/index.ts';
import { createOracle } from '../modules/oracle/index.ts';
import { createPortalModule } from '../modules/portal/index.ts';
import { createProposalsModule, createWriteBackLink } from '../modules/proposals/index.ts';
import { createRetention } from '../modules/retention/retention.service.ts';
import { createRules } from '../modules/rules/index.ts';
import { createSync } from '../modules/sync/sync.service.ts';
import { createApiKeys } from '../modules/tenancy/api-keys.service.ts';
import { createClients } from '../modules/tenancy/clients.service.ts';
import { createInvitations } from '../modules/tenancy/invitations.service.ts';
import { createOrganizations } from '../modules/tenancy/organizations.service.ts';
import { createEventHub, createWorkflowsModule } from '../modules/workflows/index.ts';
import { type Clock, systemClock } from '../platform/clock.ts';
import { createSecretBox } from '../platform/crypto.ts';
import { createLogger, type Logger } from '../platform/logger.ts';
import { createConfiguredMailer, deliverOrLog, type Mailer } from '../platform/mailer.ts';
import { createQueue, type Queue } from '../queue/index.ts';
import { createStorage, type Storage } from '../storage/db.ts';

export interface ServiceOverrides {
  storage?: Storage;
  clock?: Clock;
  mailer?: Mailer;
  logger?: Logger;
  queue?: Queue;
  /** Vendor HTTP (tests point connectors at local fakes through settings; this replaces fetch itself). */
  fetch?: typeof fetch;
  registry?: Record<string, ConnectorDefinition>;
  budget?: RequestBudget;
  /** Agent definitions instead of the registry's (tests run small ones). */
  agentDefinitions?: Partial<Record<AgentKind, AgentDefinition>>;
  /** A language model instead of the OpenAI adapter. */
  languageModel?: LanguageModel;
}

export function createServices(config: Config, o: ServiceOverrides = {}) {
  const logger = o.logger ?? createLogger(config.logLevel);
  const storage = o.storage ?? createStorage(config.database);
  const clock = o.clock ?? systemClock;
  const mailer = o.mailer ?? createConfiguredMailer(config.mail, logger);
  const box = createSecretBox(config.secrets.encryptionKey, config.secrets.oldEncryptionKeys);
  const publicUrl = config.http.publicUrl;

  const audit = createAudit({
    storage,
    clock,
    keys: createAuditKeys(config.secrets.auditKey, config.secrets.oldAuditKeys),
  });
  const billing = createBillingModule({ storage, audit, clock, config, logger });
  const agents = createAgents({ storage, audit, clock });
  const retention = createRetention({
    storage,
    audit,
    clock,
    targets: [
      ...agentPurgeTargets,
      // Finished runs only (a running or waiting execution has no finished_at); step runs before
      // their executions, whether or not the database enforces the cascade.
      { table: 'workflow_step_runs', column: 'finished_at', policy: 'executionsDays' },
      { table: 'workflow_executions', column: 'finished_at', policy: 'executionsDays' },
      { table: 'rule_runs', column: 'finished_at', policy: 'executionsDays' },
      // Metrics by the day they are of.
      { table: 'daily_metric_revisions', column: 'date', policy: 'metricsDays' },
      { table: 'daily_metrics_by_account', column: 'date', policy: 'metricsDays' },
      { table: 'daily_metrics', column: 'date', policy: 'metricsDays' },
    ],
  });
  const organizations = createOrganizations({ storage, audit, agents, retention, clock });
  const clients = createClients({ storage, audit, clock, limits: billing.limits });
  // The invitation is saved before it is mailed, and its answer carries the token: a failed send
  // is logged rather than turned into an error that would hide that token from the inviter.
  const invitationMailer = deliverOrLog(
    mailer,
    logger,
    'The invitation is saved and its token was in the answer to the inviter: share it, or invite again once mail works',
  );
  const invitations = createInvitations({
    storage,
    audit,
    clock,
    mailer: invitationMailer,
    publicUrl,
    limits: billing.limits,
  });
  const apiKeys = createApiKeys({ storage, audit, clock });
  const tokens = createTokenService(config.secrets.jwtSecret, config.auth.accessTokenTtlSeconds);
  const mfa = createMfa({ storage, audit, clock, box });
  const auth = createAuth({
    storage,
    audit,
    organizations,
    invitations,
    tokens,
    mfa,
    clock,
    config: config.auth,
  });
  // The answer to a reset request must not tell whether the address has an account: neither a
  // failed send (logged) nor the time a send takes (in the background) may show in it.
  const resetMailer = deliverOrLog(
    mailer,
    logger,
    'The reset link was not delivered; the user can ask for a new one once mail works',
    { background: true },
  );
  const passwordReset = createPasswordReset({ storage, audit, clock, mailer: resetMailer, publicUrl });

  const queue = o.queue ?? createQueue({ config, storage, clock, logger });
  const registry = o.registry ?? createConnectorRegistry({ dataDir: config.dataDir, clock });
  // One budget for every caller of a platform: in this process on one box, through Redis when
  // scaled out. GoHighLevel allows 100 calls per 10 s per location; Meta is throttled by its headers.
  const budgetRules = {
    gohighlevel: { max: 90, windowMs: 10_000 },
    meta: { max: 1000, windowMs: 60_000, slowAbovePct: 75 },
  };
  const redisBudget =
    !o.budget && config.queue.kind === 'bullmq'
      ? createRedisBudget(config.queue.redisUrl, budgetRules, { prefix: config.queue.prefix })
      : undefined;
  const budget = o.budget ?? redisBudget ?? createMemoryBudget(budgetRules);
  const connections = createConnections({
    storage,
    audit,
    clock,
    box,
    config,
    registry,
    budget,
    ...(o.fetch ? { fetch: o.fetch } : {}),
  });
  // Sync and ORACLE announce finished syncs and found anomalies here; workflows listen.
  const events = createEventHub();
  const sync = createSync({
    storage,
    audit,
    clock,
    connections,
    queue,
    config,
    limits: billing.limits,
    events,
  });
  const actions = createActions({ storage, audit, clock, connections });
  const proposals = createProposalsModule({ storage, audit, clock, actions, agents });
  // Settles write-backs a dead process left pending, and the proposals they belong to.
  const writeBacks = createWriteBackReconciler({
    storage,
    audit,
    clock,
    connections,
    afterMinutes: config.writeBacks.reconcileAfterMinutes,
    link: createWriteBackLink({ audit, clock }),
  });
  const analytics = createAnalyticsModule({ storage, audit, clock });
  const oracle = createOracle({ storage, clock, analytics, events });
  const rules = createRules({ storage, audit, clock, mailer, oracle, proposals });
  const workflows = createWorkflowsModule({
    storage,
    audit,
    clock,
    box,
    queue,
    mailer,
    proposals,
    sync,
    oracle,
    analytics,
    events,
    // Built further down; read when an agent_run step runs.
    agentRunner: () => agentRuntime,
  });
  const catalog = createCatalogModule({ storage });
  const portal = createPortalModule({
    storage,
    audit,
    clock,
    mailer,
    publicUrl,
    tokens,
    authConfig: config.auth,
    analytics,
    catalog,
  });
  const ledger = createLedger({ storage, clock });
  // Agent tools reach every service; the object is bound below, once it exists.
  let built: Services | undefined;
  const agentRuntime = createAgentRuntime({
    storage,
    audit,
    clock,
    queue,
    limits: billing.limits,
    config: config.agents,
    logger,
    definitions: o.agentDefinitions ?? agentDefinitions,
    services: () => {
      if (!built) throw new Error('services are not built yet');
      return built;
    },
    ...(o.languageModel ? { languageModel: o.languageModel } : {}),
  });
  const agentHistory = createAgentHistory({ storage, clock, runtime: agentRuntime });

  const close = async () => {
    await queue.close({ timeoutMs: 30_000 });
    await redisBudget?.close();
    await billing.close();
    await storage.close();
  };

  const services = {
    queue,
    registry,
    budget,
    connections,
    sync,
    actions,
    writeBacks,
    proposals,
    rules,
    close,
    config,
    logger,
    storage,
    clock,
    mailer,
    box,
    audit,
    agents,
    agentRuntime,
    agentHistory,
    retention,
    organizations,
    clients,
    invitations,
    apiKeys,
    tokens,
    mfa,
    auth,
    passwordReset,
    analytics,
    oracle,
    workflows,
    ledger,
    catalog,
    portal,
    billing,
  };
  built = services;
  return services;
}

export type Services = ReturnType<typeof createServices>;
