/**
 * Row types of every table, as Kysely sees them. Timestamps are ISO-8601 UTC text; money is integer
 * micros beside a currency code; JSON is text; flags are nullable timestamps or 0/1 integers, so that
 * one query path serves SQLite and PostgreSQL.
 */
import type { Generated } from 'kysely';

export interface OrganizationsTable {
  id: string;
  name: string;
  reporting_currency: string;
  mfa_required: number;
  created_at: string;
  updated_at: string;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  mfa_secret_sealed: string | null;
  mfa_enabled_at: string | null;
  /** A secret being enrolled, not yet confirmed with a code. */
  mfa_pending_secret_sealed: string | null;
  /** Last accepted TOTP time step: a code is never accepted twice. */
  mfa_last_step: number | null;
  failed_login_count: number;
  locked_until: string | null;
  created_at: string;
  updated_at: string;
}

export interface MembershipsTable {
  id: string;
  organization_id: string;
  user_id: string;
  role: string;
  created_at: string;
  updated_at: string;
}

export interface ClientsTable {
  id: string;
  organization_id: string;
  name: string;
  email: string;
  company: string | null;
  status: string;
  monthly_budget_micros: number | null;
  currency: string;
  notes: string | null;
  created_at: string;
  updated_at: string;
}

export interface InvitationsTable {
  id: string;
  organization_id: string;
  email: string;
  role: string;
  token_hash: string;
  invited_by: string;
  expires_at: string;
  accepted_at: string | null;
  revoked_at: string | null;
  created_at: string;
}

export interface ApiKeysTable {
  id: string;
  organization_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  scopes: string;
  created_by: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  created_at: string;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  organization_id: string;
  ip: string | null;
  user_agent: string | null;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_reason: string | null;
}

export interface RefreshTokensTable {
  id: string;
  session_id: string;
  token_hash: string;
  created_at: string;
  used_at: string | null;
}

export interface MfaRecoveryCodesTable {
  id: string;
  user_id: string;
  code_hash: string;
  used_at: string | null;
  created_at: string;
}

export interface PasswordResetsTable {
  id: string;
  user_id: string;
  token_hash: string;
  expires_at: string;
  used_at: string | null;
  created_at: string;
}

export interface AgentsTable {
  id: string;
  organization_id: string;
  kind: string;
  name: string;
  enabled: number;
  limits: string;
  created_at: string;
  updated_at: string;
}

export interface AuditLogTable {
  id: string;
  organization_id: string;
  seq: number;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  input_hash: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  metadata: string | null;
  created_at: string;
  prev_hash: string;
  hash: string;
}

export interface AuditChainHeadsTable {
  organization_id: string;
  last_seq: number;
  last_hash: string;
  /** After a retention purge: the first kept entry's seq and the hash it chains from. */
  anchor_seq: number;
  anchor_hash: string;
}

export interface RetentionPoliciesTable {
  organization_id: string;
  audit_days: number;
  executions_days: number;
  metrics_days: number;
  updated_at: string;
}

export interface JobsTable {
  id: string;
  name: string;
  payload: string;
  organization_id: string | null;
  status: string;
  attempts: number;
  max_attempts: number;
  run_at: string;
  locked_by: string | null;
  locked_until: string | null;
  idempotency_key: string | null;
  last_error: string | null;
  result: string | null;
  progress: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface JobEffectsTable {
  id: Generated<number>;
  job_id: string;
  effect: string;
  created_at: string;
}

export interface Database {
  organizations: OrganizationsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  clients: ClientsTable;
  invitations: InvitationsTable;
  api_keys: ApiKeysTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  password_resets: PasswordResetsTable;
  agents: AgentsTable;
  audit_log: AuditLogTable;
  audit_chain_heads: AuditChainHeadsTable;
  retention_policies: RetentionPoliciesTable;
  jobs: JobsTable;
}
