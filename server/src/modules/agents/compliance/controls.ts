/**
 * SOC 2 control evidence from Omnify's own data. Each control gets a status and the evidence it
 * rests on; "attention" means the evidence exists but shows a gap a person should look at, "fail"
 * that the control is not operating (a broken audit chain, a change applied without approval or
 * guardrail pass). This is evidence for an auditor, not an attestation.
 */

export type ControlStatus = 'pass' | 'attention' | 'fail';

export interface ControlEvidence {
  control: string;
  title: string;
  status: ControlStatus;
  evidence: string[];
}

export interface EvidenceInput {
  access: {
    mfaRequired: boolean;
    members: Array<{ role: string; mfaEnabled: boolean }>;
    apiKeys: { active: number; withoutExpiry: number; neverUsed: number; revoked: number };
  };
  audit: {
    entries: number;
    byActor: Record<string, number>;
    chain: { ok: boolean; checked: number; firstProblem: { message: string } | null };
  };
  changes: {
    proposals: number;
    applied: number;
    appliedWithHumanApproval: number;
    appliedWithinGuardrails: number;
    appliedWithoutApprovalOrPass: string[];
    reverted: number;
    blocked: number;
  };
  retention: {
    policy: { auditDays: number; executionsDays: number; metricsDays: number };
    lastPurgeAt: string | null;
    hoursSinceLastPurge: number | null;
  };
  connections: Array<{ status: string; lastError: string | null }>;
  adPolicy: { checked: number; violations: number };
}

const worst = (...s: ControlStatus[]): ControlStatus =>
  s.includes('fail') ? 'fail' : s.includes('attention') ? 'attention' : 'pass';

export function controlEvidence(e: EvidenceInput): ControlEvidence[] {
  const members = e.access.members.length;
  const mfa = e.access.members.filter((m) => m.mfaEnabled).length;
  const owners = e.access.members.filter((m) => m.role === 'owner').length;
  const admins = e.access.members.filter((m) => m.role === 'owner' || m.role === 'admin').length;
  const roles = [...new Set(e.access.members.map((m) => m.role))];
  const purgeOk = e.retention.hoursSinceLastPurge !== null && e.retention.hoursSinceLastPurge <= 48;
  const broken = e.connections.filter((c) => c.status === 'needs_reconnect' || c.lastError).length;
  return [
    {
      control: 'CC6.1',
      title: 'Logical access: authentication',
      status: worst(
        e.access.mfaRequired || mfa === members ? 'pass' : 'attention',
        e.access.apiKeys.withoutExpiry > 0 ? 'attention' : 'pass',
      ),
      evidence: [
        `MFA ${e.access.mfaRequired ? 'required by the organization' : 'not required by the organization'}; ${mfa} of ${members} member(s) enrolled`,
        `${e.access.apiKeys.active} active API key(s), ${e.access.apiKeys.withoutExpiry} without expiry, ${e.access.apiKeys.neverUsed} never used, ${e.access.apiKeys.revoked} revoked`,
      ],
    },
    {
      control: 'CC6.3',
      title: 'Logical access: role-based authorisation',
      status: owners >= 1 && admins <= Math.max(2, Math.ceil(members / 3)) ? 'pass' : 'attention',
      evidence: [
        `${members} member(s) in roles ${roles.join(', ')}; ${owners} owner(s), ${admins} owner/admin(s)`,
      ],
    },
    {
      control: 'CC7.2',
      title: 'Monitoring: tamper-evident audit trail and system alerts',
      status: worst(e.audit.chain.ok ? 'pass' : 'fail', broken ? 'attention' : 'pass'),
      evidence: [
        e.audit.chain.ok
          ? `audit hash chain (HMAC-SHA256, key kept outside the database) verified over ${e.audit.chain.checked} entries`
          : `audit hash chain broken: ${e.audit.chain.firstProblem?.message ?? 'unknown problem'}`,
        `${e.audit.entries} audit entries in the review window (${
          Object.entries(e.audit.byActor)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || 'none'
        })`,
        `${broken} connection(s) with a sync error or needing reconnection`,
      ],
    },
    {
      control: 'CC8.1',
      title: 'Change management: authorised, approved changes',
      status: e.changes.appliedWithoutApprovalOrPass.length ? 'fail' : 'pass',
      evidence: [
        `${e.changes.applied} change(s) applied: ${e.changes.appliedWithHumanApproval} approved by a person, ${e.changes.appliedWithinGuardrails} within guardrails`,
        `${e.changes.blocked} blocked by guardrails, ${e.changes.reverted} reverted, of ${e.changes.proposals} proposed`,
        ...(e.changes.appliedWithoutApprovalOrPass.length
          ? [
              `applied without approval or guardrail pass: ${e.changes.appliedWithoutApprovalOrPass.join(', ')}`,
            ]
          : []),
        `live ad copy: ${e.adPolicy.violations} policy finding(s) over ${e.adPolicy.checked} ad(s)`,
      ],
    },
    {
      control: 'C1.2',
      title: 'Confidentiality: retention and disposal',
      status: worst(e.retention.policy.auditDays >= 365 ? 'pass' : 'fail', purgeOk ? 'pass' : 'attention'),
      evidence: [
        `retention: audit ${e.retention.policy.auditDays} days, executions ${e.retention.policy.executionsDays} days, metrics ${e.retention.policy.metricsDays} days`,
        e.retention.lastPurgeAt
          ? `last purge ${e.retention.lastPurgeAt} (${e.retention.hoursSinceLastPurge} h ago)`
          : 'no purge has run yet',
      ],
    },
  ];
}
