/**
 * The connector contract. A connector is a pure adapter over one vendor's HTTP API: it maps the
 * vendor's shapes to Omnify's records and its failures to four kinds. It never touches the database
 * or the queue; the sync service owns cursors, upserts, scheduling and audit.
 */
export const platforms = ['google_ads', 'meta', 'linkedin', 'gohighlevel', 'simulator'] as const;
export type Platform = (typeof platforms)[number];

/** What every vendor failure becomes. */
export type ConnectorErrorKind = 'auth' | 'rate_limited' | 'transient' | 'invalid';

export class ConnectorError extends Error {
  readonly kind: ConnectorErrorKind;
  /** For rate_limited (and some transient errors): how long the vendor asked us to wait. */
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  readonly vendorCode: string | undefined;
  constructor(
    kind: ConnectorErrorKind,
    message: string,
    opts: { retryAfterMs?: number; status?: number; vendorCode?: string | number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ConnectorError';
    this.kind = kind;
    this.retryAfterMs = opts.retryAfterMs;
    this.status = opts.status;
    this.vendorCode = opts.vendorCode === undefined ? undefined : String(opts.vendorCode);
  }
}

export interface OAuthTokens {
  accessToken: string;
  refreshToken: string | null;
  /** ISO time the access token expires, if the vendor says. */
  expiresAt: string | null;
  scope: string | null;
  /** Vendor extras worth keeping (GoHighLevel locationId/companyId, LinkedIn refresh expiry, …). */
  extra: Record<string, string>;
}

/** An OAuth application registered with the vendor (from config). */
export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/**
 * Where and how to reach the vendor. Defaults are the real production endpoints; tests point the
 * same code at local fakes by overriding the base URLs only.
 */
export interface VendorSettings {
  apiBaseUrl: string;
  authorizeUrl: string;
  tokenUrl: string;
  apiVersion: string;
  /** Google Ads: optional developer token and manager (MCC) id; others ignore. */
  developerToken?: string;
  loginCustomerId?: string;
  /** Meta: app secret for appsecret_proof; GoHighLevel: webhook verification key. */
  appSecret?: string;
  webhookPublicKey?: string;
  /** Largest page the connector asks for (vendors' maxima by default; tests use small pages). */
  pageSize?: number;
}

/**
 * The per-platform request budget, shared by everything that calls that platform in this process
 * (and, with Redis, across processes). Connectors call `acquire` before each request and `report`
 * what the vendor said about usage after it.
 */
export interface RequestBudget {
  acquire(key: string, signal?: AbortSignal): Promise<void>;
  report(key: string, info: { retryAfterMs?: number; usagePct?: number }): void;
}

export interface ConnectorContext {
  tokens: OAuthTokens;
  settings: VendorSettings;
  fetch: typeof fetch;
  budget: RequestBudget;
  signal?: AbortSignal;
  /** Waits (injectable so tests need not sleep for real). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export type EntityStatus = 'active' | 'paused' | 'removed' | 'other';

export interface AdAccountRecord {
  externalId: string;
  /** Set by a connector that serves accounts of several platforms (the simulator); else the connection's. */
  platform?: Platform;
  name: string;
  currency: string;
  timeZone: string;
  status: EntityStatus;
}

export interface CampaignRecord {
  externalId: string;
  accountExternalId: string;
  name: string;
  status: EntityStatus;
  objective: string | null;
  dailyBudgetMicros: number | null;
  lifetimeBudgetMicros: number | null;
  startDate: string | null;
  endDate: string | null;
}

export interface AdGroupRecord {
  externalId: string;
  campaignExternalId: string;
  name: string;
  status: EntityStatus;
  dailyBudgetMicros: number | null;
}

export type CreativeFormat = 'image' | 'video' | 'carousel' | 'text' | 'responsive' | 'other';

export interface CreativeRecord {
  externalId: string | null;
  format: CreativeFormat;
  headline: string | null;
  body: string | null;
  callToAction: string | null;
  mediaUrl: string | null;
  landingUrl: string | null;
}

export interface AdRecord {
  externalId: string;
  adGroupExternalId: string;
  campaignExternalId: string;
  name: string;
  status: EntityStatus;
  creative: CreativeRecord;
  /** When the platform says the ad was created, if it does. */
  createdAt: string | null;
}

export interface AccountStructure {
  campaigns: CampaignRecord[];
  adGroups: AdGroupRecord[];
  ads: AdRecord[];
}

/** One ad on one day, in the account's currency and time zone. */
export interface DailyMetricRecord {
  adExternalId: string;
  date: string;
  impressions: number;
  clicks: number;
  spendMicros: number;
  conversions: number;
  conversionValueMicros: number;
  reach: number | null;
  frequency: number | null;
  videoViews: number | null;
}

export type WriteLevel = 'campaign' | 'ad_group' | 'ad';

export type WriteAction =
  | { type: 'set_status'; level: WriteLevel; externalId: string; status: 'active' | 'paused' }
  | {
      type: 'set_daily_budget';
      level: 'campaign' | 'ad_group';
      externalId: string;
      dailyBudgetMicros: number;
    };

export interface WriteResult {
  externalId: string;
  before: { status?: EntityStatus; dailyBudgetMicros?: number | null };
  after: { status?: EntityStatus; dailyBudgetMicros?: number | null };
}

export interface OAuthProvider {
  supportsPkce: boolean;
  scopes: string[];
  authorizationUrl(
    app: OAuthApp,
    settings: VendorSettings,
    p: { state: string; codeChallenge?: string },
  ): string;
  exchangeCode(
    app: OAuthApp,
    settings: VendorSettings,
    p: { code: string; codeVerifier?: string },
    http: { fetch: typeof fetch },
  ): Promise<OAuthTokens>;
  refresh(
    app: OAuthApp,
    settings: VendorSettings,
    tokens: OAuthTokens,
    http: { fetch: typeof fetch },
  ): Promise<OAuthTokens>;
}

export interface AdsApi {
  listAccounts(ctx: ConnectorContext): Promise<AdAccountRecord[]>;
  fetchStructure(ctx: ConnectorContext, accountExternalId: string): Promise<AccountStructure>;
  /** Daily rows per ad for the inclusive date range, page by page. */
  fetchDailyMetrics(
    ctx: ConnectorContext,
    accountExternalId: string,
    range: { from: string; to: string },
  ): AsyncIterable<DailyMetricRecord[]>;
  apply(ctx: ConnectorContext, accountExternalId: string, action: WriteAction): Promise<WriteResult>;
}

export interface ContactRecord {
  externalId: string;
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
  source: string | null;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  attribution: {
    gclid: string | null;
    fbclid: string | null;
    liFatId: string | null;
    utmSource: string | null;
    utmMedium: string | null;
    utmCampaign: string | null;
    utmContent: string | null;
    utmTerm: string | null;
  };
}

export interface PipelineRecord {
  externalId: string;
  name: string;
  stages: Array<{ externalId: string; name: string; position: number }>;
}

export interface OpportunityRecord {
  externalId: string;
  pipelineExternalId: string;
  stageExternalId: string;
  contactExternalId: string | null;
  name: string;
  status: 'open' | 'won' | 'lost' | 'abandoned';
  valueMicros: number;
  currency: string | null;
  wonAt: string | null;
  lostAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CrmApi {
  fetchContacts(ctx: ConnectorContext, p: { updatedSince?: string }): AsyncIterable<ContactRecord[]>;
  fetchPipelines(ctx: ConnectorContext): Promise<PipelineRecord[]>;
  fetchOpportunities(ctx: ConnectorContext, p: { updatedSince?: string }): AsyncIterable<OpportunityRecord[]>;
  upsertContact(
    ctx: ConnectorContext,
    input: Partial<Omit<ContactRecord, 'externalId' | 'createdAt' | 'updatedAt'>>,
  ): Promise<{ externalId: string; created: boolean }>;
  addContactToWorkflow(ctx: ConnectorContext, contactExternalId: string, workflowId: string): Promise<void>;
  sendMessage(
    ctx: ConnectorContext,
    p: { contactExternalId: string; channel: 'SMS' | 'Email'; message: string; subject?: string },
  ): Promise<{ messageId: string }>;
  /** Verifies an inbound webhook's signature over the raw body. */
  verifyWebhook(
    rawBody: Buffer,
    headers: Record<string, string | string[] | undefined>,
    settings: VendorSettings,
  ): boolean;
}

export interface ConnectorDefinition {
  platform: Platform;
  displayName: string;
  /** Real production endpoints; overridden per install or test. */
  defaultSettings: VendorSettings;
  oauth: OAuthProvider | null;
  ads?: AdsApi;
  crm?: CrmApi;
  /**
   * Checks the settings of a new connection before it is stored, with the connector's own parser:
   * the problems (setting key and message), none if it would sync with them. Absent: no settings
   * are read at creation.
   */
  validateSettings?: (
    settings: Record<string, string>,
    now: Date,
  ) => Array<{ field: string; message: string }>;
}
