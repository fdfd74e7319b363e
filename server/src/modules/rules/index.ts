/** Automation rules: CRUD, runs (manual and scheduled), backtests; actions become proposals. */
import type { Ctx } from '../auth/context.ts';
import { backtest } from './rules.backtest.ts';
import { toRule } from './rules.model.ts';
import { createRunner, type RunnerDeps } from './rules.runner.ts';
import { createRuleStore, findRule } from './rules.service.ts';

export function createRules(deps: RunnerDeps) {
  const store = createRuleStore(deps);
  const runner = createRunner(deps);
  return {
    ...store,
    run: (ctx: Ctx, id: string) => runner.run(ctx, id, 'manual'),
    runs: runner.runs,
    runDue: runner.runDue,
    backtest: async (ctx: Ctx, id: string, days: number) => {
      const rule = await deps.storage.withTenant(ctx.organizationId, async (trx) =>
        toRule(await findRule(trx, ctx.organizationId, id)),
      );
      return backtest(deps, ctx, rule, days);
    },
  };
}

export type Rules = ReturnType<typeof createRules>;
export { RULES_EVALUATE_CRON, rulesEvaluateJob, rulesJobs } from './rules.jobs.ts';
export { rulesRoutes } from './rules.routes.ts';
