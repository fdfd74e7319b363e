/**
 * `agents.run`: a run started with `wait: false`. No retries: the execution row says whether it ran,
 * and a job that runs again (after a crash) re-runs only its own execution left `running` past its
 * expiry; proposals made by tools are idempotent per execution id.
 */
import { z } from 'zod';
import { defineJob, handle, type JobBinding } from '../../queue/index.ts';
import type { AgentRuntime } from './agents.runtime.ts';

export const agentRunJob = defineJob({
  name: 'agents.run',
  payload: z.object({ executionId: z.string().min(1).max(64) }),
  retries: 0,
  // The agent's own maxRunSeconds (at most an hour) ends the run first.
  timeoutMs: 3_700_000,
});

export function agentJobs(runtime: AgentRuntime): JobBinding[] {
  return [
    handle(agentRunJob, async (p, jc) => {
      if (!jc.organizationId) throw new Error('agents.run needs an organization');
      const e = await runtime.runQueued(jc.organizationId, p.executionId, jc.jobId, jc.signal);
      return e ? { executionId: e.id, status: e.status } : { executionId: p.executionId, skipped: true };
    }),
  ];
}

/** Executions (and, by cascade, their steps) older than the organization's `executionsDays`. */
export const agentPurgeTargets = [
  { table: 'agent_executions', column: 'created_at', policy: 'executionsDays' as const },
];
