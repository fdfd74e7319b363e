/**
 * A worker process for the crash test: `node --import tsx workflows.worker-child.ts` with the
 * parent's environment (DATABASE_URL, OMNIFY_TEST_SEARCH_PATH on PostgreSQL, REDIS_URL and
 * OMNIFY_QUEUE_PREFIX for BullMQ, OMNIFY_DATA_DIR for the simulator's state). It builds the same
 * services as `omnify worker` and consumes workflow and sync jobs with 1 s leases, so that after a
 * SIGKILL another worker takes its jobs over within seconds. Prints `ready` once consuming.
 */
import { loadConfig } from '../../config.ts';
import { createServices } from '../../main/services.ts';
import { createQueue, runWorker } from '../../queue/index.ts';
import { createStorage } from '../../storage/db.ts';
import { TEST_LEASE_MS, workflowHandlers } from './workflows.testing.ts';

const config = loadConfig(process.env);
const searchPath = process.env.OMNIFY_TEST_SEARCH_PATH;
const storage = createStorage(config.database, searchPath ? { searchPath } : {});
const queue = createQueue({ config, storage, tuning: { leaseMs: TEST_LEASE_MS, pollIntervalMs: 50 } });
const services = createServices(config, { storage, queue });
const worker = await runWorker({
  queue,
  handlers: workflowHandlers(services),
  concurrency: 4,
  shutdownTimeoutMs: 5_000,
});
process.stdout.write('ready\n');
await worker.stopped;
await services.close();
process.exit(0);
