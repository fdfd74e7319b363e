/** Compliance tools: ad policy over live copy, audit trail review and chain verification, retention, access and change evidence. */
import { z } from 'zod';
import { allPages, assertScope } from '../agent-kit/period.ts';
import { defineTool } from '../agents.definition.ts';
import { asCopyPlatform, checkLengths, checkPolicy } from '../creative-intelligence/checks.ts';

const id = z.string().min(1).max(64);
const DAY_MS = 86_400_000;

export const complianceTools = [
  defineTool({
    name: 'live_ad_policy',
    description:
      'Policy and hard length checks over the copy of every live ad (a client or the organization): ads with findings.',
    input: z.strictObject({
      clientId: id.optional(),
      maxAds: z.number().int().min(1).max(5000).default(1000),
    }),
    async run(i, tc) {
      await assertScope(tc, i);
      const ads = await allPages(
        (cursor) =>
          tc.services.catalog.listAds(tc.ctx, { clientId: i.clientId, status: 'active', limit: 500, cursor }),
        i.maxAds,
      );
      const findings = ads.items.flatMap((a) => {
        const copy = {
          headline: a.creative.headline,
          body: a.creative.body,
          callToAction: a.creative.callToAction,
        };
        const platform = asCopyPlatform(a.platform);
        const policy = checkPolicy(copy, platform);
        const tooLong = checkLengths(copy, platform).filter((l) => l.kind === 'max' && !l.ok);
        if (!policy.length && !tooLong.length) return [];
        return [
          {
            adId: a.id,
            name: a.name,
            platform: a.platform,
            clientId: a.clientId,
            policy,
            tooLong: tooLong.map((l) => ({ name: l.name, length: l.length, limit: l.limit })),
          },
        ];
      });
      return {
        checked: ads.items.length,
        truncated: ads.truncated,
        withFindings: findings.length,
        violations: findings.reduce(
          (s, f) => s + f.policy.filter((p) => p.severity === 'violation').length + f.tooLong.length,
          0,
        ),
        items: findings.slice(0, 100),
      };
    },
  }),
  defineTool({
    name: 'audit_review',
    description:
      'The audit trail of the last N days by actor type and action area, and a verification of the hash chain.',
    input: z.strictObject({ days: z.number().int().min(1).max(365).default(30) }),
    async run(i, { ctx, services, now }) {
      const from = new Date(now.getTime() - i.days * DAY_MS).toISOString();
      const entries = await allPages(
        (cursor) => services.audit.list(ctx.organizationId, { from, limit: 200, cursor }),
        10_000,
      );
      const byActor: Record<string, number> = {};
      const byArea: Record<string, number> = {};
      for (const e of entries.items) {
        byActor[e.actor.type] = (byActor[e.actor.type] ?? 0) + 1;
        const area = e.action.split('.')[0] as string;
        byArea[area] = (byArea[area] ?? 0) + 1;
      }
      const chain = await services.audit.verify(ctx.organizationId);
      return {
        from,
        entries: entries.items.length,
        truncated: entries.truncated,
        byActor,
        byArea,
        latestAgentActions: entries.items
          .filter((e) => e.actor.type === 'agent')
          .slice(0, 10)
          .map((e) => ({ at: e.createdAt, action: e.action, agentId: e.actor.id, target: e.target })),
        chain: {
          ok: chain.ok,
          checked: chain.checked,
          firstProblem: chain.firstProblem
            ? {
                seq: chain.firstProblem.seq,
                problem: chain.firstProblem.problem,
                message: chain.firstProblem.message,
              }
            : null,
        },
      };
    },
  }),
  defineTool({
    name: 'retention_status',
    description:
      "The organization's retention policy (audit, executions, metrics) and when the purge last ran.",
    input: z.strictObject({}),
    async run(_i, { ctx, services, now }) {
      const policy = await services.retention.get(ctx);
      const last =
        (await services.audit.list(ctx.organizationId, { action: 'retention.purged', limit: 1 })).items[0] ??
        null;
      return {
        policy,
        lastPurgeAt: last?.createdAt ?? null,
        hoursSinceLastPurge: last
          ? Math.round((now.getTime() - Date.parse(last.createdAt)) / 3_600_000)
          : null,
        lastDeleted: (last?.metadata?.deleted as Record<string, number> | undefined) ?? null,
      };
    },
  }),
  defineTool({
    name: 'access_review',
    description:
      'Members with their roles and MFA status, whether the organization requires MFA, and its API keys (active, expired, unused).',
    input: z.strictObject({}),
    async run(_i, { ctx, services, now }) {
      const [org, members, keys] = await Promise.all([
        services.organizations.get(ctx),
        services.organizations.listMembers(ctx),
        services.apiKeys.list(ctx),
      ]);
      const withMfa = [];
      for (const m of members) {
        // mfa.status answers for the signed-in user only; it is a read, so the member is named as that
        // user for this call alone (nothing is written or audited under their name).
        const s = await services.mfa.status({
          ...ctx,
          actor: { type: 'user', id: m.userId },
          userId: m.userId,
        });
        withMfa.push({ userId: m.userId, email: m.email, role: m.role, mfaEnabled: s.enabled });
      }
      const nowIso = now.toISOString();
      const active = keys.filter((k) => !k.revokedAt && (!k.expiresAt || k.expiresAt > nowIso));
      return {
        mfaRequired: org.mfaRequired,
        members: withMfa,
        apiKeys: {
          active: active.length,
          withoutExpiry: active.filter((k) => !k.expiresAt).length,
          neverUsed: active.filter((k) => !k.lastUsedAt).length,
          revoked: keys.filter((k) => k.revokedAt).length,
        },
      };
    },
  }),
  defineTool({
    name: 'change_review',
    description:
      'Proposed and applied changes of the last N days: who proposed, how many were approved by a person, applied within guardrails, blocked, reverted or failed.',
    input: z.strictObject({ days: z.number().int().min(1).max(365).default(30) }),
    async run(i, { ctx, services, now }) {
      const since = new Date(now.getTime() - i.days * DAY_MS).toISOString();
      const all = await allPages((cursor) => services.proposals.list(ctx, { limit: 200, cursor }), 5000);
      const recent = all.items.filter((p) => p.createdAt >= since);
      const count = (f: (p: (typeof recent)[number]) => boolean) => recent.filter(f).length;
      const applied = recent.filter((p) => p.appliedAt !== null);
      const policy = await services.proposals.policies.get(ctx, null);
      return {
        since,
        proposals: recent.length,
        bySource: Object.fromEntries(
          ['user', 'agent', 'rule', 'workflow'].map((s) => [s, count((p) => p.source.type === s)]),
        ),
        applied: applied.length,
        appliedWithHumanApproval: applied.filter((p) => p.approvals.some((a) => a.actorType === 'user'))
          .length,
        appliedWithinGuardrails: applied.filter((p) => p.checks.every((c) => c.outcome === 'pass')).length,
        appliedWithoutApprovalOrPass: applied
          .filter(
            (p) =>
              !p.approvals.some((a) => a.actorType === 'user') &&
              !p.checks.every((c) => c.outcome === 'pass'),
          )
          .map((p) => p.id),
        pending: count((p) => p.status === 'pending_approval'),
        blocked: count((p) => p.status === 'blocked'),
        rejected: count((p) => p.status === 'rejected'),
        reverted: count((p) => p.status === 'reverted'),
        failed: count((p) => p.status === 'failed'),
        guardrails: {
          autoApproveBudgetChangePct: policy.policy.autoApproveBudgetChangePct,
          alwaysRequireApproval: policy.policy.alwaysRequireApproval,
          approverRole: policy.policy.approverRole,
        },
      };
    },
  }),
  defineTool({
    name: 'connection_health',
    description: 'Platform connections with their status, last sync and last error.',
    input: z.strictObject({}),
    async run(_i, { ctx, services }) {
      return (await services.connections.list(ctx)).map((c) => ({
        connectionId: c.id,
        platform: c.platform,
        status: c.status,
        lastSyncAt: c.lastSyncAt,
        lastError: c.lastError,
      }));
    },
  }),
];
