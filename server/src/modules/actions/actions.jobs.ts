/**
 * `writeBacks.reconcile`, every 5 minutes: settles write-backs left pending by a process that died
 * during the platform call (see actions.reconcile.ts). Idempotent: a write-back is resolved once
 * (the update is conditional on `pending`), so overlapping sweeps or a CLI run at the same time are
 * harmless.
 */
import { z } from 'zod';
import { defineJob, handle, type JobBinding } from '../../queue/index.ts';
import type { WriteBackReconciler } from './actions.reconcile.ts';

export const reconcileWriteBacksJob = defineJob({
  name: 'writeBacks.reconcile',
  payload: z.object({ organizationId: z.string().optional() }),
  retries: 1,
  backoff: { type: 'fixed', delayMs: 60_000 },
  timeoutMs: 10 * 60_000,
});

/** Every 5 minutes; a write-back is looked at once it has been pending longer than the timeout. */
export const RECONCILE_WRITE_BACKS_CRON = '*/5 * * * *';

export function actionsJobs(reconciler: WriteBackReconciler): JobBinding[] {
  return [
    handle(reconcileWriteBacksJob, async (p, ctx) => {
      const r = await reconciler.reconcile(p.organizationId ? { organizationId: p.organizationId } : {});
      await ctx.progress({ ...r });
      return r;
    }),
  ];
}
