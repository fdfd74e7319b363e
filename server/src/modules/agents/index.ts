/** The agents module: agent rows and limits, the runtime and its two engines, runs API and job. */
export { type AgentKind, agentKinds } from './agents.defaults.ts';
export type {
  AgentDefinition,
  AgentServices,
  AgentTool,
  BuiltinRun,
  ToolContext,
} from './agents.definition.ts';
export type { Execution, ExecutionStatus, Step, Trigger } from './agents.executions.repo.ts';
export { type AgentHistory, createAgentHistory } from './agents.history.ts';
export { agentJobs, agentPurgeTargets, agentRunJob } from './agents.jobs.ts';
export type { LanguageModel } from './agents.llm.port.ts';
export { agentsRoutes } from './agents.routes.ts';
export {
  type AgentRuntime,
  agentCtx,
  createAgentRuntime,
  type ExecuteOptions,
  type ExecutionDetail,
} from './agents.runtime.ts';
export { type Agents, createAgents } from './agents.service.ts';
