/** Every migration, in order. Add new ones at the end; never edit one that has shipped. */
import type { OmnifyMigration } from '../migrate.ts';
import { foundation } from './001_foundation.ts';
import { dataPlane } from './002_data_plane.ts';
import { analytics } from './003_analytics.ts';
import { billing } from './004_billing.ts';
import { oracle } from './005_oracle.ts';
import { proposals } from './006_proposals.ts';
import { writeActionIndex } from './007_write_action_index.ts';
import { agentRuns } from './008_agent_runs.ts';
import { rules } from './009_rules.ts';
import { workflows } from './010_workflows.ts';
import { portal } from './011_portal.ts';
import { ledger } from './012_ledger.ts';
import { writeActionStatusIndex } from './013_write_action_status_index.ts';
import { auditKeyedChain } from './014_audit_keyed_chain.ts';
import { syncRunOnePending } from './014_sync_run_one_pending.ts';
import { workflowExecutionStatusIndex } from './015_workflow_execution_status_index.ts';

export const migrations: Record<string, OmnifyMigration> = {
  '001_foundation': foundation,
  '002_data_plane': dataPlane,
  '003_analytics': analytics,
  '004_billing': billing,
  '005_oracle': oracle,
  '006_proposals': proposals,
  '007_write_action_index': writeActionIndex,
  '008_agent_runs': agentRuns,
  '009_rules': rules,
  '010_workflows': workflows,
  '011_portal': portal,
  '012_ledger': ledger,
  '013_write_action_status_index': writeActionStatusIndex,
  '014_audit_keyed_chain': auditKeyedChain,
  // Two helpers both took 014 the same day; Kysely runs by name, so this one runs second. Not renamed:
  // databases created since record it under this name.
  '014_sync_run_one_pending': syncRunOnePending,
  '015_workflow_execution_status_index': workflowExecutionStatusIndex,
};
