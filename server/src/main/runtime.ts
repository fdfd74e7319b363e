/**
 * A running Omnify: config → services → queue → job handlers and schedules. Used by `serve`,
 * `worker` and `demo`; each decides whether to listen for HTTP and whether to consume jobs.
 */
import type { FastifyInstance } from 'fastify';
import { type Config, loadConfig } from '../config.ts';
import {
  actionsJobs,
  RECONCILE_WRITE_BACKS_CRON,
  reconcileWriteBacksJob,
} from '../modules/actions/actions.jobs.ts';
import { agentJobs } from '../modules/agents/index.ts';
import { LEDGER_SCORE_CRON, ledgerJobs, ledgerScoreJob } from '../modules/ledger/index.ts';
import { ORACLE_NIGHTLY_CRON, oracleJobs, oracleNightlyJob } from '../modules/oracle/index.ts';
import { RETENTION_CRON, retentionJobs, retentionPurgeJob } from '../modules/retention/retention.jobs.ts';
import { RULES_EVALUATE_CRON, rulesEvaluateJob, rulesJobs } from '../modules/rules/index.ts';
import { syncJobs } from '../modules/sync/sync.handlers.ts';
import { syncAllJob } from '../modules/sync/sync.jobs.ts';
import { WORKFLOW_CRON, workflowCronJob, workflowJobs } from '../modules/workflows/index.ts';
import { describeMailer } from '../platform/mailer.ts';
import { type JobBinding, type Queue, type RunningWorker, runWorker } from '../queue/index.ts';
import { buildApi } from './api.ts';
import { createServices, type ServiceOverrides, type Services } from './services.ts';

export interface Runtime {
  config: Config;
  services: Services;
  queue: Queue;
  handlers: JobBinding[];
  close(): Promise<void>;
}

export function warnAboutGeneratedSecrets(config: Config, services: Services) {
  for (const file of config.secrets.generated) {
    services.logger.warn(
      { file },
      `!!! Using a secret generated and stored at ${file}. Fine for one box; in production set OMNIFY_ENCRYPTION_KEY, OMNIFY_JWT_SECRET and OMNIFY_AUDIT_KEY (openssl rand -base64 32), the same for every process, and keep them safe: losing the encryption key loses every stored vendor token, losing the audit key leaves the audit trail unverifiable.`,
    );
  }
}

export async function createRuntime(
  config: Config = loadConfig(),
  overrides: ServiceOverrides = {},
): Promise<Runtime> {
  const services = createServices(config, overrides);
  warnAboutGeneratedSecrets(config, services);
  if (!overrides.mailer)
    services.logger[config.mail.kind === 'smtp' ? 'info' : 'warn'](describeMailer(config.mail));
  const applied = await services.storage.migrate();
  if (applied.length) services.logger.info({ migrations: applied }, 'database migrated');
  const queue = services.queue;
  const handlers = [
    ...agentJobs(services.agentRuntime),
    ...retentionJobs(services.retention),
    ...syncJobs({ sync: services.sync, storage: services.storage }),
    ...oracleJobs({ storage: services.storage, oracle: services.oracle }),
    ...ledgerJobs({ storage: services.storage, ledger: services.ledger }),
    ...workflowJobs(services.workflows),
    ...rulesJobs(services.rules),
    ...actionsJobs(services.writeBacks),
  ];
  queue.schedule(retentionPurgeJob, RETENTION_CRON, {});
  queue.schedule(oracleNightlyJob, ORACLE_NIGHTLY_CRON, {});
  queue.schedule(ledgerScoreJob, LEDGER_SCORE_CRON, {});
  queue.schedule(workflowCronJob, WORKFLOW_CRON, {});
  queue.schedule(rulesEvaluateJob, RULES_EVALUATE_CRON, {});
  queue.schedule(reconcileWriteBacksJob, RECONCILE_WRITE_BACKS_CRON, {});
  // Incremental syncs of every active connection, at the configured interval (minutes past the hour).
  const every = config.sync.intervalMinutes;
  queue.schedule(
    syncAllJob,
    every >= 60 ? `7 */${Math.max(1, Math.round(every / 60))} * * *` : `*/${every} * * * *`,
    {},
  );
  return {
    config,
    services,
    queue,
    handlers,
    close: services.close,
  };
}

/** Starts the HTTP API (and, in one-box mode, job processing in the same process). */
export async function serve(rt: Runtime, opts: { port?: number; host?: string; worker?: boolean } = {}) {
  const { config, services, queue } = rt;
  const app: FastifyInstance = await buildApi(services, { readiness: { queue: () => queue.ping() } });
  let worker: RunningWorker | undefined;
  if (opts.worker ?? config.worker.runInApi) {
    worker = await runWorker({
      queue,
      handlers: rt.handlers,
      concurrency: config.worker.concurrency,
      logger: services.logger,
      signals: [],
    });
  }
  const port = opts.port ?? config.http.port;
  const host = opts.host ?? config.http.host;
  await app.listen({ port, host });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const stop = async () => {
    await app.close();
    await worker?.stop();
    await rt.close();
  };
  return { app, port: actualPort, stop };
}
