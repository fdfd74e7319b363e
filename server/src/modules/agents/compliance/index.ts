/**
 * Compliance: policy checks over live ads' copy, audit trail review with hash-chain verification,
 * retention status and SOC 2 control evidence (CC6.1, CC6.3, CC7.2, CC8.1, C1.2) from the data.
 */
import { z } from 'zod';
import { defineAgent } from '../agents.definition.ts';
import { controlEvidence, type EvidenceInput } from './controls.ts';
import { complianceTools } from './tools.ts';

const id = z.string().min(1).max(64);

export const complianceInput = z.strictObject({
  clientId: id.optional().describe('Check only this client’s live ads (the rest is organization-wide)'),
  days: z
    .number()
    .int()
    .min(1)
    .max(365)
    .default(30)
    .describe('Review window for the audit trail and changes'),
});

const control = z.object({
  control: z.string(),
  title: z.string(),
  status: z.enum(['pass', 'attention', 'fail']),
  evidence: z.array(z.string()),
});

export const complianceOutput = z.object({
  adPolicy: z.object({
    checked: z.number(),
    truncated: z.boolean(),
    withFindings: z.number(),
    violations: z.number(),
    items: z.array(
      z.object({
        adId: z.string(),
        name: z.string(),
        platform: z.string(),
        clientId: z.string().nullable(),
        policy: z.array(
          z.object({
            rule: z.string(),
            severity: z.string(),
            field: z.string(),
            match: z.string(),
            detail: z.string(),
          }),
        ),
        tooLong: z.array(z.object({ name: z.string(), length: z.number(), limit: z.number() })),
      }),
    ),
  }),
  audit: z.object({
    from: z.string(),
    entries: z.number(),
    truncated: z.boolean(),
    byActor: z.record(z.string(), z.number()),
    byArea: z.record(z.string(), z.number()),
    latestAgentActions: z.array(
      z.object({
        at: z.string(),
        action: z.string(),
        agentId: z.string().nullable(),
        target: z.object({ type: z.string(), id: z.string() }).nullable(),
      }),
    ),
    chain: z.object({
      ok: z.boolean(),
      checked: z.number(),
      firstProblem: z.object({ seq: z.number(), problem: z.string(), message: z.string() }).nullable(),
    }),
  }),
  retention: z.object({
    policy: z.object({ auditDays: z.number(), executionsDays: z.number(), metricsDays: z.number() }),
    lastPurgeAt: z.string().nullable(),
    hoursSinceLastPurge: z.number().nullable(),
    lastDeleted: z.record(z.string(), z.number()).nullable(),
  }),
  controls: z.array(control),
  summary: z.string(),
});

type Input = z.infer<typeof complianceInput>;
type Output = z.infer<typeof complianceOutput>;

export const compliance = defineAgent<Input, Output>({
  kind: 'compliance',
  instructions: [
    'You are the compliance agent of a marketing agency.',
    "Check live ads' copy with live_ad_policy, review the audit trail and verify its hash chain with audit_review, read retention_status,",
    'access_review (MFA, roles, API keys), change_review (approvals on applied changes) and connection_health, then give SOC 2 evidence for CC6.1, CC6.3, CC7.2, CC8.1 and C1.2 with a status each.',
    'Report only what the tools returned; a broken audit chain or a change applied without approval is a failure. Answer with the output schema.',
  ].join(' '),
  input: complianceInput,
  output: complianceOutput,
  tools: complianceTools,
  async builtin(input, run) {
    const adPolicy = await run.call<Output['adPolicy']>('live_ad_policy', { clientId: input.clientId });
    const audit = await run.call<Output['audit']>('audit_review', { days: input.days });
    const retention = await run.call<Output['retention']>('retention_status', {});
    const access = await run.call<EvidenceInput['access']>('access_review', {});
    const changes = await run.call<EvidenceInput['changes']>('change_review', { days: input.days });
    const connections = await run.call<EvidenceInput['connections']>('connection_health', {});
    const controls = controlEvidence({ access, audit, changes, retention, connections, adPolicy });
    const failing = controls.filter((c) => c.status === 'fail');
    const attention = controls.filter((c) => c.status === 'attention');
    const summary = [
      `${adPolicy.checked} live ad(s) checked: ${adPolicy.violations} policy or length finding(s) on ${adPolicy.withFindings} ad(s).`,
      audit.chain.ok
        ? `Audit chain verified (${audit.chain.checked} entries).`
        : `Audit chain BROKEN: ${audit.chain.firstProblem?.message}.`,
      `${audit.entries} audit entries in ${input.days} days.`,
      `SOC 2 evidence: ${controls.length - failing.length - attention.length} pass, ${attention.length} need attention${attention.length ? ` (${attention.map((c) => c.control).join(', ')})` : ''}, ${failing.length} fail${failing.length ? ` (${failing.map((c) => c.control).join(', ')})` : ''}.`,
    ].join(' ');
    return { adPolicy, audit, retention, controls, summary };
  },
});
