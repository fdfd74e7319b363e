/**
 * The behaviour of the seven agents: one definition per kind, each in its own folder. The runtime
 * looks a row's kind up here; a kind without a definition cannot run.
 */
import type { AgentKind } from './agents.defaults.ts';
import type { AgentDefinition } from './agents.definition.ts';
import { analyticsAgent } from './analytics/index.ts';
import { clientManagement } from './client-management/index.ts';
import { compliance } from './compliance/index.ts';
import { creativeIntelligence } from './creative-intelligence/index.ts';
import { marketingAutomation } from './marketing-automation/index.ts';
import { performanceOptimization } from './performance-optimization/index.ts';
import { workflowOrchestration } from './workflow-orchestration/index.ts';

export const agentDefinitions: Partial<Record<AgentKind, AgentDefinition>> = {
  creative_intelligence: creativeIntelligence,
  analytics: analyticsAgent,
  client_management: clientManagement,
  marketing_automation: marketingAutomation,
  compliance,
  performance_optimization: performanceOptimization,
  workflow_orchestration: workflowOrchestration,
};
