/**
 * Row types of every table, as Kysely sees them. Timestamps are ISO-8601 UTC text; money is integer
 * micros beside a currency code; JSON is text; flags are nullable timestamps or 0/1 integers, so that
 * one query path serves SQLite and PostgreSQL.
 */

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
  /** Public, globally unique name of the client's portal (migration 011). */
  portal_slug?: string | null;
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
  /** 1: unkeyed SHA-256 (entries from before migration 014); 2: HMAC-SHA256 with the audit key `key_id`. */
  hash_version: number;
  key_id: string | null;
}

export interface AuditChainHeadsTable {
  organization_id: string;
  last_seq: number;
  last_hash: string;
  /** After a retention purge: the first kept entry's seq and the hash it chains from. */
  anchor_seq: number;
  anchor_hash: string;
  /** Entries from this seq on must be keyed (hash_version 2); older ones are the unkeyed legacy prefix. */
  keyed_from_seq: number | null;
  /** HMAC of the head's fields with the audit key `key_id`: a head changed in the database no longer matches. */
  key_id: string | null;
  seal: string | null;
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

export interface ConnectionsTable {
  id: string;
  organization_id: string;
  client_id: string | null;
  platform: string;
  name: string;
  /** active | needs_reconnect | disconnected | error */
  status: string;
  tokens_sealed: string | null;
  token_expires_at: string | null;
  settings: string;
  last_sync_at: string | null;
  last_error: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface OauthStatesTable {
  id: string;
  organization_id: string;
  state_hash: string;
  platform: string;
  client_id: string | null;
  connection_id: string | null;
  code_verifier_sealed: string | null;
  created_by: string | null;
  expires_at: string;
  used_at: string | null;
  created_at: string;
}

export interface AdAccountsTable {
  id: string;
  organization_id: string;
  connection_id: string;
  client_id: string | null;
  platform: string;
  external_id: string;
  name: string;
  currency: string;
  time_zone: string;
  status: string;
  enabled: number;
  created_at: string;
  updated_at: string;
}

interface EntityColumns {
  id: string;
  organization_id: string;
  ad_account_id: string;
  client_id: string | null;
  platform: string;
  external_id: string;
  name: string;
  status: string;
  first_seen_at: string;
  updated_at: string;
}

export interface CampaignsTable extends EntityColumns {
  objective: string | null;
  daily_budget_micros: number | null;
  lifetime_budget_micros: number | null;
  start_date: string | null;
  end_date: string | null;
}

export interface AdGroupsTable extends EntityColumns {
  campaign_id: string;
  daily_budget_micros: number | null;
}

export interface AdsTable extends EntityColumns {
  campaign_id: string;
  ad_group_id: string;
  creative_external_id: string | null;
  creative_format: string;
  headline: string | null;
  body: string | null;
  call_to_action: string | null;
  media_url: string | null;
  landing_url: string | null;
  platform_created_at: string | null;
}

export interface DailyMetricsTable {
  organization_id: string;
  ad_id: string;
  date: string;
  ad_account_id: string;
  campaign_id: string;
  ad_group_id: string;
  client_id: string | null;
  platform: string;
  currency: string;
  impressions: number;
  clicks: number;
  spend_micros: number;
  conversions: number;
  conversion_value_micros: number;
  reach: number | null;
  frequency: number | null;
  video_views: number | null;
  synced_at: string;
}

export interface DailyMetricRevisionsTable {
  organization_id: string;
  ad_id: string;
  date: string;
  observed_at: string;
  conversions: number;
  conversion_value_micros: number;
  spend_micros: number;
}

export interface CrmContactsTable {
  id: string;
  organization_id: string;
  connection_id: string;
  client_id: string | null;
  external_id: string;
  email: string | null;
  phone: string | null;
  first_name: string | null;
  last_name: string | null;
  source: string | null;
  tags: string;
  gclid: string | null;
  fbclid: string | null;
  li_fat_id: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_content: string | null;
  utm_term: string | null;
  platform_created_at: string;
  platform_updated_at: string;
  synced_at: string;
}

export interface CrmPipelinesTable {
  id: string;
  organization_id: string;
  connection_id: string;
  external_id: string;
  name: string;
  stages: string;
  synced_at: string;
}

export interface CrmOpportunitiesTable {
  id: string;
  organization_id: string;
  connection_id: string;
  client_id: string | null;
  external_id: string;
  pipeline_external_id: string;
  stage_external_id: string;
  contact_external_id: string | null;
  name: string;
  status: string;
  value_micros: number;
  currency: string | null;
  won_at: string | null;
  lost_at: string | null;
  platform_created_at: string;
  platform_updated_at: string;
  synced_at: string;
}

export interface SyncRunsTable {
  id: string;
  organization_id: string;
  connection_id: string;
  kind: string;
  status: string;
  job_id: string | null;
  range_from: string | null;
  range_to: string | null;
  units_total: number;
  units_done: number;
  cursor: string | null;
  rows_upserted: number;
  calls_made: number;
  errors: string;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface SyncCursorsTable {
  organization_id: string;
  /** An ad account id (metrics) or a connection id (CRM streams). */
  scope_id: string;
  stream: string;
  value: string;
  updated_at: string;
}

export interface WriteActionsTable {
  id: string;
  organization_id: string;
  connection_id: string;
  ad_account_id: string;
  level: string;
  entity_id: string;
  external_id: string;
  type: string;
  payload: string;
  idempotency_key: string;
  status: string;
  before: string | null;
  after: string | null;
  error: string | null;
  actor_type: string;
  actor_id: string | null;
  created_at: string;
  applied_at: string | null;
}

export interface FxRatesTable {
  date: string;
  base: string;
  quote: string;
  rate: number;
}

/** Rates an organization loads for itself; they win over `fx_rates` for the same pair and day. */
export interface OrganizationFxRatesTable {
  organization_id: string;
  date: string;
  base: string;
  quote: string;
  rate: number;
  updated_at: string;
}

/**
 * `daily_metrics` summed per organization, day and ad account (with the client, platform and
 * currency its rows carry), kept by triggers (migration 003). `client_key` is '' for no client;
 * conversions are in millionths so that additions and subtractions stay exact.
 */
export interface DailyMetricsByAccountTable {
  organization_id: string;
  date: string;
  ad_account_id: string;
  client_key: string;
  platform: string;
  currency: string;
  row_count: number;
  impressions: number;
  clicks: number;
  spend_micros: number;
  conversions_micro: number;
  conversion_value_micros: number;
  reach: number;
  reach_rows: number;
  impressions_with_reach: number;
}

/** ORACLE predictions (migration 005): one row per forecast step or anomaly finding. */
export interface PredictionsTable {
  id: string;
  organization_id: string;
  run_id: string;
  type: string;
  entity_type: string;
  entity_id: string;
  metric: string;
  horizon_days: number;
  step: number;
  for_date: string;
  computed_at: string;
  value: number;
  lo80: number | null;
  hi80: number | null;
  lo95: number | null;
  hi95: number | null;
  confidence: number | null;
  model: string;
  model_version: string;
  inputs_hash: string;
  /** JSON. */
  explanation: string;
}

export interface BillingAccountsTable {
  organization_id: string;
  plan: string;
  /** Stripe's subscription status (trialing, active, past_due, canceled, unpaid, …) or `none` before any. */
  status: string;
  stripe_customer_id: string | null;
  stripe_subscription_id: string | null;
  subscription_created_at: string | null;
  price_id: string | null;
  trial_ends_at: string | null;
  current_period_end: string | null;
  cancel_at_period_end: number;
  synced_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface BillingEventsTable {
  id: string;
  organization_id: string | null;
  type: string;
  stripe_created: number;
  outcome: string;
  received_at: string;
}

export interface BillingUsageTable {
  organization_id: string;
  metric: string;
  /** Calendar month, UTC: `YYYY-MM`. */
  period: string;
  count: number;
  updated_at: string;
}

export interface BillingHeldAdAccountsTable {
  ad_account_id: string;
  organization_id: string;
  created_at: string;
}

/** Proposed actions (migration 006): JSON columns hold the action, snapshots, impact, checks, approvals. */
export interface ProposalsTable {
  id: string;
  organization_id: string;
  source_type: string;
  source_id: string | null;
  kind: string;
  level: string;
  entity_id: string;
  client_id: string | null;
  action: string;
  before: string;
  after: string;
  expected_impact: string;
  risk: string;
  reason: string | null;
  checks: string;
  required_approvals: number;
  approvals: string;
  status: string;
  idempotency_key: string | null;
  created_by_type: string;
  created_by_id: string | null;
  decided_by: string | null;
  decided_at: string | null;
  decision_comment: string | null;
  applied_action_id: string | null;
  applied_at: string | null;
  revert_action_id: string | null;
  reverted_by: string | null;
  reverted_at: string | null;
  error: string | null;
  expires_at: string;
  created_at: string;
  updated_at: string;
}

/** Guardrail policy of an organization (client_id '') or a client's overrides (migration 006). */
export interface ProposalPoliciesTable {
  id: string;
  organization_id: string;
  client_id: string;
  policy: string;
  updated_by: string | null;
  updated_at: string;
}

/** Portal branding of an organization (client_id '') or a client's overrides (migration 011). */
export interface PortalBrandingTable {
  id: string;
  organization_id: string;
  client_id: string;
  agency_name: string | null;
  logo_url: string | null;
  logo_data: string | null;
  logo_content_type: string | null;
  primary_color: string | null;
  accent_color: string | null;
  support_email: string | null;
  portal_domain: string | null;
  updated_by: string | null;
  updated_at: string;
}

/** A client's own person, signing in to the portal of that one client (migration 011). */
export interface PortalUsersTable {
  id: string;
  organization_id: string;
  client_id: string;
  email: string;
  name: string;
  password_hash: string | null;
  invite_token_hash: string | null;
  invite_expires_at: string | null;
  invited_by: string | null;
  accepted_at: string | null;
  revoked_at: string | null;
  failed_login_count: number;
  locked_until: string | null;
  last_login_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface PortalSessionsTable {
  id: string;
  organization_id: string;
  portal_user_id: string;
  client_id: string;
  ip: string | null;
  user_agent: string | null;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_reason: string | null;
}

export interface PortalRefreshTokensTable {
  id: string;
  organization_id: string;
  session_id: string;
  token_hash: string;
  created_at: string;
  used_at: string | null;
}

/** A workflow: its current definition (a DAG of steps) and triggers; older versions in workflow_versions. */
export interface WorkflowsTable {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  version: number;
  /** JSON: { steps: [...] } of the current version. */
  definition: string;
  /** JSON: { cron?, timezone?, events?, thresholds?, webhook? }. */
  triggers: string;
  enabled: number;
  template_id: string | null;
  /** Public id of the signed inbound webhook (null without one). */
  hook_id: string | null;
  /** The webhook's HMAC secret, sealed with the secret box. */
  hook_secret_sealed: string | null;
  /** Last cron tick that started (or was considered for) a run. */
  cron_last_tick: string | null;
  /** JSON: per threshold trigger, whether it was crossed at the last evaluation. */
  threshold_state: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface WorkflowVersionsTable {
  id: string;
  organization_id: string;
  workflow_id: string;
  version: number;
  definition: string;
  triggers: string;
  created_by: string | null;
  created_at: string;
}

export interface WorkflowExecutionsTable {
  id: string;
  organization_id: string;
  workflow_id: string;
  version: number;
  /** queued | running | waiting_approval | succeeded | failed | cancelled */
  status: string;
  trigger_type: string;
  /** JSON: the trigger payload (run input, event payload, webhook body). */
  trigger: string;
  idempotency_key: string | null;
  error: string | null;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

export interface WorkflowStepRunsTable {
  id: string;
  organization_id: string;
  execution_id: string;
  step_id: string;
  type: string;
  /** pending | queued | running | polling | waiting_approval | succeeded | failed | skipped | cancelled */
  status: string;
  attempts: number;
  input: string | null;
  output: string | null;
  /** JSON: what a step remembers between its job runs (the sync run it started, polls). */
  state: string | null;
  error: string | null;
  decided_by: string | null;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

export interface WorkflowNotificationsTable {
  id: string;
  organization_id: string;
  execution_id: string;
  step_id: string;
  recipients: string;
  subject: string;
  body: string;
  created_at: string;
}

/** Change ledger (migration 012): one entry per applied write-back; `before`/`after` are JSON. */
export interface LedgerEntriesTable {
  id: string;
  organization_id: string;
  write_action_id: string;
  proposal_id: string | null;
  source_type: string;
  source_id: string | null;
  kind: string;
  level: string;
  entity_id: string;
  client_id: string | null;
  platform: string;
  before: string;
  after: string;
  change_pct: number | null;
  applied_at: string;
  applied_date: string;
  reverted_at: string | null;
  verdict: string;
  verdict_horizon: number | null;
  effect_pct: number | null;
  created_at: string;
  updated_at: string;
}

/** A ledger entry's score at 7 or 14 days (migration 012); `details` is JSON. */
export interface LedgerScoresTable {
  id: string;
  organization_id: string;
  entry_id: string;
  horizon_days: number;
  scored_at: string;
  verdict: string;
  reason: string;
  metric: string | null;
  effect_pct: number | null;
  lo_pct: number | null;
  hi_pct: number | null;
  controls: number;
  details: string;
}

/** An agent run (migration 008). JSON in input, output and error. */
export interface AgentExecutionsTable {
  id: string;
  organization_id: string;
  agent_id: string;
  kind: string;
  engine: string;
  status: string;
  trigger: string;
  input: string;
  output: string | null;
  error: string | null;
  steps: number;
  input_tokens: number;
  output_tokens: number;
  cost_micros: number;
  model: string | null;
  job_id: string | null;
  cancel_requested_at: string | null;
  expires_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  created_by_type: string;
  created_by_id: string | null;
  created_at: string;
  updated_at: string;
}

/** One model turn or tool call of an agent run (migration 008). */
export interface AgentStepsTable {
  organization_id: string;
  execution_id: string;
  seq: number;
  type: string;
  tool_name: string | null;
  call_id: string | null;
  input: string | null;
  output: string | null;
  error: string | null;
  input_tokens: number;
  output_tokens: number;
  started_at: string;
  finished_at: string;
  duration_ms: number;
}

/** Automation rules (migration 009): JSON columns hold the scope, conditions and actions. */
export interface RulesTable {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  enabled: number;
  level: string;
  scope: string;
  conditions: string;
  actions: string;
  schedule_cron: string;
  cooldown_hours: number;
  next_run_at: string | null;
  last_run_at: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface RuleRunsTable {
  id: string;
  organization_id: string;
  rule_id: string;
  trigger: string;
  trigger_key: string;
  status: string;
  evaluated: number;
  matched: number;
  proposed: number;
  result: string | null;
  error: string | null;
  started_at: string;
  finished_at: string | null;
}

export interface RuleCooldownsTable {
  id: string;
  organization_id: string;
  rule_id: string;
  entity_id: string;
  last_acted_at: string;
  proposal_id: string | null;
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
  agent_executions: AgentExecutionsTable;
  agent_steps: AgentStepsTable;
  audit_log: AuditLogTable;
  audit_chain_heads: AuditChainHeadsTable;
  retention_policies: RetentionPoliciesTable;
  jobs: JobsTable;
  connections: ConnectionsTable;
  oauth_states: OauthStatesTable;
  ad_accounts: AdAccountsTable;
  campaigns: CampaignsTable;
  ad_groups: AdGroupsTable;
  ads: AdsTable;
  daily_metrics: DailyMetricsTable;
  daily_metric_revisions: DailyMetricRevisionsTable;
  crm_contacts: CrmContactsTable;
  crm_pipelines: CrmPipelinesTable;
  crm_opportunities: CrmOpportunitiesTable;
  sync_runs: SyncRunsTable;
  sync_cursors: SyncCursorsTable;
  write_actions: WriteActionsTable;
  fx_rates: FxRatesTable;
  organization_fx_rates: OrganizationFxRatesTable;
  daily_metrics_by_account: DailyMetricsByAccountTable;
  billing_accounts: BillingAccountsTable;
  billing_events: BillingEventsTable;
  billing_usage: BillingUsageTable;
  billing_held_ad_accounts: BillingHeldAdAccountsTable;
  predictions: PredictionsTable;
  proposals: ProposalsTable;
  proposal_policies: ProposalPoliciesTable;
  rules: RulesTable;
  rule_runs: RuleRunsTable;
  rule_cooldowns: RuleCooldownsTable;
  workflows: WorkflowsTable;
  workflow_versions: WorkflowVersionsTable;
  workflow_executions: WorkflowExecutionsTable;
  workflow_step_runs: WorkflowStepRunsTable;
  workflow_notifications: WorkflowNotificationsTable;
  portal_branding: PortalBrandingTable;
  portal_users: PortalUsersTable;
  portal_sessions: PortalSessionsTable;
  portal_refresh_tokens: PortalRefreshTokensTable;
  ledger_entries: LedgerEntriesTable;
  ledger_scores: LedgerScoresTable;
}
