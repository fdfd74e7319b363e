/** Job handlers of the sync engine. */

import { handle, type JobBinding } from '../../queue/index.ts';
import type { Storage } from '../../storage/db.ts';
import { syncAllJob, syncConnectionJob } from './sync.jobs.ts';
import type { Sync } from './sync.service.ts';

export function syncJobs({ sync, storage }: { sync: Sync; storage: Storage }): JobBinding[] {
  return [
    handle(syncConnectionJob, async (p, job) => {
      try {
        const run = await sync.execute(p.organizationId, p.syncRunId, {
          signal: job.signal,
          progress: job.progress,
        });
        return { status: run.status, rows: run.rowsUpserted, calls: run.callsMade };
      } catch (e) {
        // The last attempt failing ends the run; earlier ones leave it to resume on the retry.
        if (job.attempt >= job.maxAttempts) await sync.giveUp(p.organizationId, p.syncRunId);
        throw e;
      }
    }),
    handle(syncAllJob, async () => {
      const due = await storage.db
        .selectFrom('connections')
        .select(['id', 'organization_id'])
        .where('status', '=', 'active')
        .execute();
      let started = 0;
      for (const c of due) {
        const ctx = {
          organizationId: c.organization_id,
          actor: { type: 'system' as const, id: 'scheduler' },
          userId: null,
          role: 'owner' as const,
        };
        // A connection still syncing (a backfill, or the last hour's run) is left to finish.
        if (await sync.startOnce(ctx, c.id)) started++;
      }
      return { started };
    }),
  ];
}
