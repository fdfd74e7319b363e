/** Sync jobs: one run per job, and an hourly fan-out that starts incremental runs. */
import { z } from 'zod';
import { defineJob } from '../../queue/index.ts';

export const syncConnectionJob = defineJob({
  name: 'connectors.sync',
  payload: z.object({ organizationId: z.string(), syncRunId: z.string() }),
  retries: 5,
  backoff: { type: 'exponential', delayMs: 30_000 },
  timeoutMs: 6 * 60 * 60_000,
});

export const syncAllJob = defineJob({
  name: 'connectors.schedule',
  payload: z.object({}),
  retries: 2,
  backoff: { type: 'fixed', delayMs: 60_000 },
  timeoutMs: 10 * 60_000,
});
