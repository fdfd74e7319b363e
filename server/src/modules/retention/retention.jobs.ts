/** The nightly retention purge, scheduled once per day for all organizations. */
import { z } from 'zod';
import { defineJob, handle, type JobBinding } from '../../queue/index.ts';
import type { Retention } from './retention.service.ts';

export const retentionPurgeJob = defineJob({
  name: 'retention.purge',
  payload: z.object({ organizationId: z.string().optional() }),
  retries: 3,
  backoff: { type: 'exponential', delayMs: 60_000 },
  timeoutMs: 30 * 60_000,
});

/** 03:17 UTC: off the hour, when agencies are least likely to be looking. */
export const RETENTION_CRON = '17 3 * * *';

export function retentionJobs(retention: Retention): JobBinding[] {
  return [
    handle(retentionPurgeJob, async (p, ctx) => {
      if (p.organizationId) return retention.purge(p.organizationId);
      const results = await retention.purgeAll();
      await ctx.progress({ organizations: results.length });
      return {
        organizations: results.length,
        deleted: results.reduce((n, r) => n + Object.values(r.deleted).reduce((a, b) => a + b, 0), 0),
      };
    }),
  ];
}
