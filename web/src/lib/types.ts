/** Response shapes of the API endpoints the dashboard reads (a subset of the OpenAPI document). */

export type Role = 'owner' | 'admin' | 'manager' | 'member' | 'viewer';

export interface Organization {
  id: string;
  name: string;
  reportingCurrency: string;
  mfaRequired: boolean;
  role?: Role;
}

export interface Me {
  user: { id: string; email: string; name: string; mfaEnabled: boolean } | null;
  actor: { type: string; id: string | null };
  organizationId: string;
  role: Role;
  permissions: string[];
  organizations: Array<Organization & { role: Role }>;
}

export interface Client {
  id: string;
  name: string;
  email: string | null;
  company: string | null;
  status: string;
  monthlyBudgetMicros: number | null;
  currency: string;
  portalSlug?: string | null;
  createdAt: string;
}

export interface Campaign {
  id: string;
  adAccountId: string;
  clientId: string | null;
  platform: string;
  name: string;
  status: string;
  currency: string;
  objective: string | null;
  dailyBudgetMicros: number | null;
  adAccountName?: string;
  adGroupCount?: number;
  adCount?: number;
}

export interface Creative {
  format: string;
  headline: string | null;
  body: string | null;
  callToAction: string | null;
  mediaUrl: string | null;
  landingUrl: string | null;
}

export interface Ad {
  id: string;
  clientId: string | null;
  platform: string;
  name: string;
  status: string;
  currency: string;
  campaignId: string;
  adGroupId: string;
  platformCreatedAt: string | null;
  creative: Creative;
  campaignName?: string | null;
  adGroupName?: string | null;
  adAccountName?: string;
}

export interface Totals {
  impressions: number;
  clicks: number;
  spendMicros: number;
  conversions: number;
  conversionValueMicros: number;
  ctr: number | null;
  cpcMicros: number | null;
  cpaMicros: number | null;
  roas: number | null;
  conversionRate: number | null;
}

export interface MetricsRow extends Totals {
  day?: string;
  week?: string;
  platform?: string | null;
  clientId?: string | null;
  clientName?: string | null;
  campaignId?: string | null;
  campaignName?: string | null;
  adId?: string | null;
  adName?: string | null;
}

export interface Delta {
  previous: number | null;
  change: number | null;
  changeRatio: number | null;
}

export interface Metrics {
  from: string;
  to: string;
  currency: string;
  rows: MetricsRow[];
  totals: Totals;
  comparison: { from: string; to: string; totals: Totals; deltas: Record<string, Delta> } | null;
  warnings: Array<{ code: string; message: string }>;
}

export interface Fatigue {
  adId: string;
  adName: string;
  campaignId: string;
  clientId: string | null;
  platform: string;
  asOf: string;
  p7: number;
  p14: number;
  predictedDrop: number;
  /** `detail` is the compact form (on hover), `text` the server's sentence. */
  riskFactors: Array<{ factor: string; contribution: number; detail: string; text: string }>;
  refreshBy: string | null;
  class: string;
  /** The compact rule that set the class (on hover). */
  rule: string;
  /** Why the ad is in its class, in one sentence, written by the server from its classifier's thresholds. */
  reason: string;
  /** Impressions in the 7 days up to asOf. */
  delivering: boolean;
  /**
   * Delivering and fatigued already: p7/p14 are chances of an onset still to come, so they do not
   * apply (the page says "Already fatigued" instead).
   */
  fatiguedNow: boolean;
  /** Delivering, and fatigued now or its refresh date within 14 days of asOf. */
  refreshSoon: boolean;
  features?: Record<string, number | boolean | null>;
}

/** The fatigue list's count of the ads to refresh soon, and what "soon" is. */
export interface RefreshSoon {
  withinDays: number;
  until: string | null;
  count: number;
  fatiguedNow: number;
  notDelivering: number;
}

export interface Anomaly {
  id: string;
  entityType: string;
  entityId: string | null;
  date: string;
  metric: string;
  score: number;
  severity: string;
  /** The server's sentence on why the severity (older servers send none). */
  severityReason?: string;
  /** The flagged metric that set the severity (the one severityReason names; older servers: absent). */
  severityMetric?: string | null;
  /** Currency of spend, CPC and CPM in `metrics` (null for findings stored before it was kept). */
  currency?: string | null;
  cause: string | null;
  causes: Array<{ cause: string; confidence: number; reason: string }>;
  flaggedMetrics: string[];
  metrics: Record<string, { actual: number; expected: number; score: number }>;
  computedAt: string;
}

export interface ForecastPoint {
  step: number;
  date: string;
  mean: number;
  lo80: number;
  hi80: number;
  lo95: number;
  hi95: number;
}

/** A forecast model in words, written by the server from its model registry. */
export interface ModelDescription {
  text: string;
  combination: 'single' | 'mean' | 'ratio';
  members: Array<{ model: string; text: string }>;
}

export interface Forecast {
  id: string;
  entityType: string;
  entityId: string | null;
  metric: string;
  unit: string;
  horizon: number;
  model: string;
  modelDescription: ModelDescription;
  computedAt: string;
  explanation: { selectedModel: string; currency?: string; seriesTo?: string; warnings?: string[] };
  points: ForecastPoint[];
}

export interface Allocation {
  entityId: string;
  name: string;
  currentDailyMicros: number;
  recommendedDailyMicros: number;
  changePct: number;
  expectedResponse: number;
  currentResponse: number;
  binding: string | null;
  fitted: boolean;
  recentChange: {
    proposalId: string;
    status: 'pending_approval' | 'applied';
    at: string;
    dailyBudgetMicros: number | null;
  } | null;
  currentBudgetMicros: number | null;
  budgetChangePct: number | null;
  proposedBudgetMicros: number | null;
  observedRoas: number | null;
  fittedRoas: number | null;
  /** The curve's average and marginal ROAS (revenue per unit of the next spend) at each spend. */
  fittedRoasAtCurrent: number | null;
  fittedRoasAtRecommended: number | null;
  marginalRoasAtCurrent: number | null;
  marginalRoasAtRecommended: number | null;
}

export interface AllocationResult {
  predictionId: string;
  level: string;
  objective: string;
  clientId: string | null;
  currency: string;
  from: string;
  to: string;
  totals: {
    currentDailyMicros: number;
    recommendedDailyMicros: number;
    expectedGain: number;
    gainInterval: { p05: number; p50: number; p95: number };
    /** The marginal ROAS every campaign still free to move shares at the recommended split. */
    marginalRoas: number | null;
    expectedGainNetOfSpend: number | null;
  };
  /** The server's words: what the allocator maximises, and what the split is worth. */
  summary: { objective: string; headline: string; marginalBelowBreakEven: boolean | null };
  allocations: Allocation[];
}

export interface Proposal {
  id: string;
  source: { type: string; id: string | null };
  kind: string;
  level: string;
  entityId: string;
  clientId: string | null;
  before: { status?: string; dailyBudgetMicros?: number | null } | null;
  after: { status?: string; dailyBudgetMicros?: number | null } | null;
  expectedImpact: { summary?: string; currency?: string; note?: string | null } | null;
  risk: string;
  reason: string | null;
  checks: Array<{ check: string; outcome: string; message: string }>;
  requiredApprovals: number;
  approvals: Array<{ userId?: string; at?: string }>;
  status: string;
  decidedAt: string | null;
  decisionComment: string | null;
  /** The write-back that applied it, and the one that reverted it (GET /api/v1/write-backs/:id). */
  appliedActionId?: string | null;
  revertActionId?: string | null;
  error: string | null;
  expiresAt: string | null;
  createdAt: string;
}

export interface Connection {
  id: string;
  clientId: string | null;
  platform: string;
  name: string;
  status: string;
  needsReconnect: boolean;
  tokenExpiresAt: string | null;
  lastSyncAt: string | null;
  lastError: string | null;
  createdAt: string;
}

export interface SyncRun {
  id: string;
  connectionId: string;
  kind: string;
  status: string;
  range: { from: string; to: string } | null;
  progress: {
    unitsDone: number;
    unitsTotal: number;
    percent: number | null;
    etaSeconds: number | null;
  } | null;
  rowsUpserted: number;
  callsMade: number;
  errors: Array<{ message?: string; [k: string]: unknown }>;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface AuditEntry {
  id: string;
  seq: number;
  /** `name`: the server's name for the actor (also a member since removed), null when it has none. */
  actor: { type: string; id: string | null; name?: string | null };
  action: string;
  /** `name`: the server's name for the target (also one since deleted), null when it has none. */
  target: { type: string; id: string | null; name?: string | null } | null;
  ip: string | null;
  userAgent?: string | null;
  inputHash?: string | null;
  requestId: string | null;
  metadata: Record<string, unknown> | null;
  createdAt: string;
  hash: string;
  prevHash: string | null;
}

export interface Agent {
  id: string;
  kind: string;
  name: string;
  enabled: boolean;
  limits: Record<string, number>;
}
