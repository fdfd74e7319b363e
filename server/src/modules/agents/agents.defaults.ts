/**
 * The seven agents every organization starts with, and their default limits. Their behaviour comes
 * with the agents module; here they are provisioned rows an organization can see and tune.
 */
export const agentKinds = [
  'creative_intelligence',
  'marketing_automation',
  'client_management',
  'analytics',
  'workflow_orchestration',
  'compliance',
  'performance_optimization',
] as const;
export type AgentKind = (typeof agentKinds)[number];

export interface AgentLimits {
  /** Tool calls and model turns per run. */
  maxSteps: number;
  /** Language-model tokens per run (input + output). */
  maxTokensPerRun: number;
  /** Wall-clock seconds per run. */
  maxRunSeconds: number;
  /** Runs of this agent at once in the organization. */
  maxConcurrentRuns: number;
  /** Runs per day in the organization. */
  maxRunsPerDay: number;
  /** Largest budget change an action of this agent may propose without human approval, in percent. */
  autoApproveBudgetChangePct: number;
}

const base: AgentLimits = {
  maxSteps: 12,
  maxTokensPerRun: 20_000,
  maxRunSeconds: 120,
  maxConcurrentRuns: 2,
  maxRunsPerDay: 200,
  autoApproveBudgetChangePct: 0,
};

export const agentDefaults: Record<AgentKind, { name: string; limits: AgentLimits }> = {
  creative_intelligence: { name: 'Creative Intelligence', limits: { ...base, maxTokensPerRun: 30_000 } },
  marketing_automation: { name: 'Marketing Automation', limits: { ...base, autoApproveBudgetChangePct: 10 } },
  client_management: { name: 'Client Management', limits: { ...base, maxRunsPerDay: 100 } },
  analytics: { name: 'Analytics', limits: { ...base, maxSteps: 20, maxRunSeconds: 300 } },
  workflow_orchestration: {
    name: 'Workflow Orchestration',
    limits: { ...base, maxSteps: 30, maxRunSeconds: 600 },
  },
  compliance: { name: 'Compliance', limits: { ...base, maxRunsPerDay: 50 } },
  performance_optimization: { name: 'Performance Optimization', limits: { ...base, maxConcurrentRuns: 1 } },
};
