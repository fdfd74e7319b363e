/**
 * rules.evaluate: every 15 minutes, runs each enabled rule whose cron tick is due. Idempotent: a
 * tick's run is keyed by the tick, and its proposals by rule, tick and entity.
 */
import { z } from 'zod';
import { defineJob, handle, type JobBinding } from '../../queue/index.ts';
import type { Rules } from './index.ts';

export const RULES_EVALUATE_CRON = '*/15 * * * *';

export const rulesEvaluateJob = defineJob({
  name: 'rules.evaluate',
  payload: z.object({ organizationId: z.string().optional() }),
  retries: 2,
  backoff: { type: 'exponential', delayMs: 30_000 },
  timeoutMs: 14 * 60_000,
});

export function rulesJobs(rules: Pick<Rules, 'runDue'>): JobBinding[] {
  return [
    handle(rulesEvaluateJob, async (p, ctx) => {
      const r = await rules.runDue(p.organizationId);
      await ctx.progress(r);
      return r;
    }),
  ];
}
