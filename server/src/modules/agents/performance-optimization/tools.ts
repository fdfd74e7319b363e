/** Performance optimization tools: the organization's queue, sync freshness per connection, plan quota use. */
import { z } from 'zod';
import { defineTool } from '../agents.definition.ts';

const DAY_MS = 86_400_000;

export const performanceTools = [
  defineTool({
    name: 'queue_health',
    description:
      "The organization's background jobs by status and the lag of the oldest job that is due but not started.",
    input: z.strictObject({}),
    async run(_i, { ctx, services, now }) {
      const s = await services.queue.stats({ organizationId: ctx.organizationId, withLag: true });
      const oldest = s.oldestDueRunAt ?? null;
      return {
        adapter: services.queue.kind,
        queued: s.queued,
        running: s.running,
        failed: s.failed,
        completed: s.completed,
        oldestDueRunAt: oldest,
        lagSeconds: oldest ? Math.max(0, Math.round((now.getTime() - Date.parse(oldest)) / 1000)) : 0,
        failureRate: s.failed + s.completed > 0 ? s.failed / (s.failed + s.completed) : null,
      };
    },
  }),
  defineTool({
    name: 'sync_freshness',
    description:
      'Each connection: status, age of its last successful sync against the sync interval, failures among its recent runs, vendor calls in the last 24 hours.',
    input: z.strictObject({ recentRuns: z.number().int().min(1).max(50).default(10) }),
    async run(i, { ctx, services, now }) {
      const interval = services.config.sync.intervalMinutes;
      const out = [];
      for (const c of await services.connections.list(ctx)) {
        const runs = await services.sync.list(ctx, c.id, i.recentRuns);
        const lastSuccess = runs.find((r) => r.status === 'succeeded');
        const finished = runs.filter((r) => r.status === 'succeeded' || r.status === 'failed');
        const lastSuccessAt = lastSuccess?.finishedAt ?? null;
        const ageMinutes = lastSuccessAt
          ? Math.round((now.getTime() - Date.parse(lastSuccessAt)) / 60_000)
          : null;
        out.push({
          connectionId: c.id,
          name: c.name,
          platform: c.platform,
          status: c.status,
          lastSuccessAt,
          ageMinutes,
          intervalMinutes: interval,
          stale: c.status === 'active' && (ageMinutes === null || ageMinutes > 2 * interval),
          recentRuns: finished.length,
          recentFailures: finished.filter((r) => r.status === 'failed').length,
          queuedRuns: runs.filter((r) => r.status === 'queued').length,
          lastError: c.lastError ?? runs.flatMap((r) => r.errors).at(0)?.message ?? null,
          callsLast24h: runs
            .filter((r) => now.getTime() - Date.parse(r.startedAt) <= DAY_MS)
            .reduce((s, r) => s + r.callsMade, 0),
        });
      }
      return out;
    },
  }),
  defineTool({
    name: 'plan_usage',
    description:
      "The organization's plan limits and current use (users, clients, ad accounts, agent runs and API calls this month).",
    input: z.strictObject({}),
    async run(_i, { ctx, services }) {
      const u = await services.billing.service.usage(ctx);
      return {
        plan: u.plan,
        period: u.period,
        usage: Object.entries(u.usage).map(([limit, v]) => ({
          limit,
          used: v.used,
          allowed: v.allowed,
          share: v.allowed ? v.used / v.allowed : null,
          overLimit: v.overLimit,
        })),
      };
    },
  }),
];
