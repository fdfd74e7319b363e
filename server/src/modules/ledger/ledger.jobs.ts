/**
 * `ledger.score`, daily: per organization, records the changes applied since the last run and scores
 * every entry whose 7- or 14-day post-period now has data. Idempotent: an entry is recorded once
 * (unique on its write-back) and a horizon scored once (unique on entry and horizon).
 */
import { z } from 'zod';
import { defineJob, handle, type JobBinding } from '../../queue/index.ts';
import type { Storage } from '../../storage/db.ts';
import type { Ledger, RunResult } from './ledger.service.ts';

export const ledgerScoreJob = defineJob({
  name: 'ledger.score',
  payload: z.object({ organizationId: z.string().optional() }),
  retries: 3,
  backoff: { type: 'exponential', delayMs: 60_000 },
  timeoutMs: 30 * 60_000,
});

/** 05:41 UTC: after the night's syncs and ORACLE's nightly run (04:23), so yesterday's data is in. */
export const LEDGER_SCORE_CRON = '41 5 * * *';

export async function runLedger(
  { storage, ledger }: { storage: Storage; ledger: Ledger },
  organizationId?: string,
): Promise<RunResult & { organizations: number }> {
  const orgs = organizationId
    ? [organizationId]
    : (await storage.db.selectFrom('organizations').select('id').orderBy('id').execute()).map((o) => o.id);
  const total = { organizations: orgs.length, recorded: 0, reverted: 0, scored: 0, lastDataDay: null };
  for (const org of orgs) {
    const r = await ledger.run(org);
    total.recorded += r.recorded;
    total.reverted += r.reverted;
    total.scored += r.scored;
  }
  return total;
}

export function ledgerJobs(deps: { storage: Storage; ledger: Ledger }): JobBinding[] {
  return [
    handle(ledgerScoreJob, async (p, ctx) => {
      const r = await runLedger(deps, p.organizationId);
      await ctx.progress({ organizations: r.organizations, scored: r.scored });
      return r;
    }),
  ];
}
