/**
 * Performance optimization: system health of the organization's part of Omnify: queue lag and
 * failed jobs, sync freshness per connection against the sync interval, plan quota use and error
 * rates, with recommendations from templates.
 */
import { z } from 'zod';
import { defineAgent } from '../agents.definition.ts';
import { performanceTools } from './tools.ts';

export const performanceInput = z.strictObject({
  lagWarnSeconds: z
    .number()
    .int()
    .min(1)
    .max(86_400)
    .default(300)
    .describe('Queue lag above this is degraded'),
  quotaWarnShare: z
    .number()
    .min(0.1)
    .max(1)
    .default(0.8)
    .describe('Plan use above this share of a limit is flagged'),
});

const queue = z.object({
  adapter: z.string(),
  queued: z.number(),
  running: z.number(),
  failed: z.number(),
  completed: z.number(),
  oldestDueRunAt: z.string().nullable(),
  lagSeconds: z.number(),
  failureRate: z.number().nullable(),
});
const connection = z.object({
  connectionId: z.string(),
  name: z.string(),
  platform: z.string(),
  status: z.string(),
  lastSuccessAt: z.string().nullable(),
  ageMinutes: z.number().nullable(),
  intervalMinutes: z.number(),
  stale: z.boolean(),
  recentRuns: z.number(),
  recentFailures: z.number(),
  queuedRuns: z.number(),
  lastError: z.string().nullable(),
  callsLast24h: z.number(),
});
const usage = z.object({
  plan: z.object({ id: z.string(), name: z.string() }).nullable(),
  period: z.string(),
  usage: z.array(
    z.object({
      limit: z.string(),
      used: z.number(),
      allowed: z.number().nullable(),
      share: z.number().nullable(),
      overLimit: z.boolean(),
    }),
  ),
});

export const performanceOutput = z.object({
  status: z.enum(['healthy', 'degraded', 'critical']),
  queue,
  connections: z.array(connection),
  quota: usage,
  findings: z.array(
    z.object({
      area: z.enum(['queue', 'sync', 'quota', 'errors']),
      severity: z.enum(['warning', 'critical']),
      text: z.string(),
      recommendation: z.string(),
    }),
  ),
  summary: z.string(),
});

type Input = z.infer<typeof performanceInput>;
type Output = z.infer<typeof performanceOutput>;

export const performanceOptimization = defineAgent<Input, Output>({
  kind: 'performance_optimization',
  instructions: [
    'You are the performance optimization agent of Omnify for one agency.',
    'Read queue_health, sync_freshness and plan_usage; report queue lag and failed jobs, stale or failing connections, quota close to its limit and error rates,',
    'each with a concrete recommendation. Answer with the output schema; status is critical when something is down, degraded when something lags.',
  ].join(' '),
  input: performanceInput,
  output: performanceOutput,
  tools: performanceTools,
  async builtin(input, run) {
    const q = await run.call<Output['queue']>('queue_health', {});
    const connections = await run.call<Output['connections']>('sync_freshness', {});
    const quota = await run.call<Output['quota']>('plan_usage', {});
    const findings: Output['findings'] = [];
    if (q.lagSeconds > input.lagWarnSeconds)
      findings.push({
        area: 'queue',
        severity: q.lagSeconds > 12 * input.lagWarnSeconds ? 'critical' : 'warning',
        text: `The oldest due job has waited ${Math.round(q.lagSeconds / 60)} min (${q.queued} queued, ${q.running} running).`,
        recommendation:
          'Start another `omnify worker` process or raise worker concurrency; check that workers are running.',
      });
    if (q.failed > 0)
      findings.push({
        area: 'errors',
        severity: q.failureRate !== null && q.failureRate > 0.2 ? 'critical' : 'warning',
        text: `${q.failed} background job(s) failed for good (${q.failureRate === null ? 'n/a' : `${(q.failureRate * 100).toFixed(1)}%`} of finished jobs).`,
        recommendation:
          'Open the failed jobs, fix the cause (credentials, vendor limits, bad input) and re-run the sync or agent.',
      });
    for (const c of connections) {
      if (c.status === 'needs_reconnect')
        findings.push({
          area: 'sync',
          severity: 'critical',
          text: `${c.name} (${c.platform}) needs reconnecting: ${c.lastError ?? 'the vendor rejected our credentials'}.`,
          recommendation: 'Reconnect it from Connections; its data stops updating until then.',
        });
      else if (c.stale)
        findings.push({
          area: 'sync',
          severity: 'warning',
          text: `${c.name} (${c.platform}) last synced ${c.ageMinutes === null ? 'never' : `${Math.round(c.ageMinutes / 60)} h ago`}, against a ${c.intervalMinutes}-minute interval.`,
          recommendation: c.queuedRuns
            ? 'Its syncs are queued but not running: check the workers.'
            : 'Start a sync and check its errors.',
        });
      if (c.recentRuns >= 2 && c.recentFailures / c.recentRuns > 0.2)
        findings.push({
          area: 'errors',
          severity: 'warning',
          text: `${c.name} failed ${c.recentFailures} of its last ${c.recentRuns} syncs${c.lastError ? ` (last error: ${c.lastError})` : ''}.`,
          recommendation:
            'Look at the error kind: auth → reconnect, rate_limited → sync less often, invalid → report it.',
        });
    }
    for (const u of quota.usage)
      if (u.share !== null && (u.overLimit || u.share >= input.quotaWarnShare))
        findings.push({
          area: 'quota',
          severity: u.overLimit ? 'critical' : 'warning',
          text: `${u.limit}: ${u.used} of ${u.allowed} used this period.`,
          recommendation: u.overLimit
            ? 'Upgrade the plan: new work of this kind is refused.'
            : 'Upgrade the plan or reduce use before the limit stops new work.',
        });
    const status = findings.some((f) => f.severity === 'critical')
      ? 'critical'
      : findings.length
        ? 'degraded'
        : 'healthy';
    const fresh = connections.filter((c) => !c.stale && c.status === 'active').length;
    const summary = [
      `System ${status}.`,
      `Queue (${q.adapter}): ${q.queued} queued, ${q.running} running, ${q.failed} failed, lag ${q.lagSeconds} s.`,
      `${fresh} of ${connections.length} connection(s) fresh.`,
      findings.length
        ? `${findings.length} finding(s): ${findings.map((f) => f.text).join(' ')}`
        : 'Nothing needs attention.',
    ].join(' ');
    return { status, queue: q, connections, quota, findings, summary };
  },
});
