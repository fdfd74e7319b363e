/**
 * The one reader of process.env. Every setting Omnify understands is declared here, parsed once at
 * boot; an invalid value stops boot with every problem listed (see `ConfigError`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

const base64Key = z
  .string()
  .refine(
    (v) => Buffer.from(v, 'base64').length === 32,
    'must be 32 bytes, base64-encoded (openssl rand -base64 32)',
  );

/** `addr@host` or `Name <addr@host>`, on one line. */
const mailbox = z
  .string()
  .trim()
  .refine((v) => {
    const m = /^(?:[^<>\r\n]*<([^<>\s]+)>|([^<>\s]+))$/.exec(v);
    return z.email().safeParse(m?.[1] ?? m?.[2]).success;
  }, 'must be an address, or a name and an address: Omnify <omnify@example.com>');

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: z.url().optional(),
  OMNIFY_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .refine((v) => /^(postgres(ql)?:\/\/|sqlite:|file:)/.test(v) || v === ':memory:', {
      message: 'must be postgres://…, postgresql://…, sqlite:<path>, file:<path> or :memory:',
    })
    .optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: z
    .string()
    .refine((v) => /^rediss?:\/\//.test(v), 'must be redis://… or rediss://…')
    .optional(),
  OMNIFY_QUEUE_PREFIX: z.string().min(1).default('omnify'),
  /** Current AES-256-GCM key for secrets at rest. */
  OMNIFY_ENCRYPTION_KEY: base64Key.optional(),
  /** Retired keys still accepted for decryption during key rotation, comma-separated. */
  OMNIFY_ENCRYPTION_KEYS_OLD: csv.pipe(z.array(base64Key)).default([]),
  OMNIFY_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** HMAC-SHA256 key of the audit hash chain (modules/audit); never stored in the database. */
  OMNIFY_AUDIT_KEY: base64Key.optional(),
  /** Retired audit keys, comma-separated: entries sealed with them still verify. Never drop one while its entries are kept. */
  OMNIFY_AUDIT_KEYS_OLD: csv.pipe(z.array(base64Key)).default([]),
  OMNIFY_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86400).default(900),
  OMNIFY_REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  OMNIFY_LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  OMNIFY_LOGIN_LOCKOUT_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  OMNIFY_LOGIN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(20),
  OMNIFY_CORS_ORIGINS: csv.default([]),
  OMNIFY_TRUST_PROXY: bool.default(false),
  OMNIFY_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  OMNIFY_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** With `serve`: also run job handlers in the API process (the one-box default). */
  OMNIFY_RUN_WORKER_IN_API: bool.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OMNIFY_SYNC_INTERVAL_MINUTES: z.coerce.number().int().min(5).max(1440).default(60),
  OMNIFY_SYNC_BACKFILL_DAYS: z.coerce.number().int().min(1).max(1095).default(90),
  OMNIFY_WRITE_BACK_RECONCILE_AFTER_MINUTES: z.coerce.number().int().min(15).max(10080).default(90),
  OMNIFY_DEMO_EMAIL: z.email().default('demo@omnify.local'),
  OMNIFY_DEMO_PASSWORD: z.string().min(8).default('omnify-demo'),
  /** Billing: on when a Stripe secret key is set (see `billingSection`). */
  STRIPE_SECRET_KEY: z
    .string()
    .trim()
    .regex(/^(sk|rk)_/, 'must be a Stripe secret key (sk_… or rk_…)')
    .optional(),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .trim()
    .regex(/^whsec_/, 'must be a webhook signing secret (whsec_…)')
    .optional(),
  /** Where the Stripe SDK sends requests (host, port and protocol only): tests point it at a local fake. */
  OMNIFY_STRIPE_API_BASE_URL: z.url().optional(),
  OMNIFY_STRIPE_WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  OMNIFY_BILLING_TRIAL_DAYS: z.coerce.number().int().min(0).max(365).default(14),
  OMNIFY_BILLING_DEFAULT_PLAN: z.string().min(1).max(32).default('starter'),
  OMNIFY_PLANS_JSON: z.string().optional(),
  OMNIFY_BILLING_SUCCESS_URL: z.url().optional(),
  OMNIFY_BILLING_CANCEL_URL: z.url().optional(),
  OMNIFY_BILLING_PORTAL_RETURN_URL: z.url().optional(),
  OMNIFY_BILLING_USAGE_FLUSH_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Outgoing mail through an SMTP server (`MailConfig`); unset, mail is written to the log. */
  SMTP_URL: z
    .string()
    .trim()
    .refine((v) => {
      try {
        const u = new URL(v);
        return /^smtps?:$/.test(u.protocol) && u.hostname !== '';
      } catch {
        return false;
      }
    }, 'must be smtp://[user:password@]host[:port] or smtps://…')
    .optional(),
  MAIL_FROM: mailbox.optional(),
  /** Agents: the default engine, and the language model (any OpenAI Responses-compatible server). */
  OMNIFY_AGENTS_ENGINE: z.enum(['builtin', 'llm']).default('builtin'),
  OMNIFY_OPENAI_API_KEY: z.string().trim().min(1).optional(),
  OMNIFY_OPENAI_BASE_URL: z.url().optional(),
  OMNIFY_OPENAI_MODEL: z.string().trim().min(1).max(200).default('gpt-4.1-mini'),
  /** How long POST /agents/{id}/runs waits for a run before answering 202 (it goes on in the background). */
  OMNIFY_AGENTS_WAIT_SECONDS: z.coerce.number().int().min(1).max(60).default(5),
});

export type Env = z.infer<typeof envSchema>;

/**
 * Per-platform settings: `OMNIFY_<PLATFORM>_<KEY>` with PLATFORM one of GOOGLE_ADS, META, LINKEDIN,
 * GOHIGHLEVEL. CLIENT_ID/CLIENT_SECRET register the OAuth app; API_BASE_URL, AUTHORIZE_URL,
 * TOKEN_URL and API_VERSION override the vendor defaults (tests point them at local fakes);
 * RESTATEMENT_DAYS is how far back each sync re-reads days the platform may still restate.
 */
export const connectorPlatforms = {
  google_ads: 'GOOGLE_ADS',
  meta: 'META',
  linkedin: 'LINKEDIN',
  gohighlevel: 'GOHIGHLEVEL',
} as const;
const connectorKeys = [
  'CLIENT_ID',
  'CLIENT_SECRET',
  'API_BASE_URL',
  'AUTHORIZE_URL',
  'TOKEN_URL',
  'API_VERSION',
  'DEVELOPER_TOKEN',
  'LOGIN_CUSTOMER_ID',
  'APP_SECRET',
  'WEBHOOK_PUBLIC_KEY',
  'RESTATEMENT_DAYS',
] as const;
const defaultRestatementDays: Record<keyof typeof connectorPlatforms, number> = {
  google_ads: 30,
  meta: 28,
  linkedin: 14,
  gohighlevel: 0,
};

export interface ConnectorConfig {
  clientId?: string;
  clientSecret?: string;
  overrides: {
    apiBaseUrl?: string;
    authorizeUrl?: string;
    tokenUrl?: string;
    apiVersion?: string;
    developerToken?: string;
    loginCustomerId?: string;
    appSecret?: string;
    webhookPublicKey?: string;
  };
  restatementDays: number;
}

function connectorConfig(
  raw: Record<string, string | undefined>,
  problems: string[],
): Record<string, ConnectorConfig> {
  const out: Record<string, ConnectorConfig> = {};
  for (const [platform, prefix] of Object.entries(connectorPlatforms)) {
    const get = (k: (typeof connectorKeys)[number]) => raw[`OMNIFY_${prefix}_${k}`] || undefined;
    for (const k of ['API_BASE_URL', 'AUTHORIZE_URL', 'TOKEN_URL'] as const) {
      const v = get(k);
      if (v && !z.url().safeParse(v).success) problems.push(`OMNIFY_${prefix}_${k}: must be a URL`);
    }
    const days = get('RESTATEMENT_DAYS');
    const restatementDays =
      days === undefined ? defaultRestatementDays[platform as keyof typeof connectorPlatforms] : Number(days);
    if (!Number.isInteger(restatementDays) || restatementDays < 0 || restatementDays > 90)
      problems.push(`OMNIFY_${prefix}_RESTATEMENT_DAYS: must be 0-90`);
    const overrides: ConnectorConfig['overrides'] = {};
    const set = (key: keyof ConnectorConfig['overrides'], env: (typeof connectorKeys)[number]) => {
      const v = get(env);
      if (v) overrides[key] = v;
    };
    set('apiBaseUrl', 'API_BASE_URL');
    set('authorizeUrl', 'AUTHORIZE_URL');
    set('tokenUrl', 'TOKEN_URL');
    set('apiVersion', 'API_VERSION');
    set('developerToken', 'DEVELOPER_TOKEN');
    set('loginCustomerId', 'LOGIN_CUSTOMER_ID');
    set('appSecret', 'APP_SECRET');
    set('webhookPublicKey', 'WEBHOOK_PUBLIC_KEY');
    out[platform] = {
      clientId: get('CLIENT_ID'),
      clientSecret: get('CLIENT_SECRET'),
      overrides,
      restatementDays,
    };
  }
  return out;
}

/** What a plan limits; `null` is unlimited. Counts (users, clients, ad accounts) and calendar-month meters. */
export const limitNames = [
  'users',
  'clients',
  'adAccounts',
  'agentRunsPerMonth',
  'apiCallsPerMonth',
] as const;
export type LimitName = (typeof limitNames)[number];
export type PlanLimits = Record<LimitName, number | null>;
export interface PlanConfig {
  id: string;
  name: string;
  /** The Stripe price a Checkout session subscribes to (`OMNIFY_STRIPE_PRICE_<PLAN>` or the plans JSON). */
  priceId: string | null;
  limits: PlanLimits;
}
export interface BillingConfig {
  /** With a Stripe key: plans, trials and subscriptions. Without: no billing, `selfHostedLimits` apply. */
  enabled: boolean;
  stripe: {
    secretKey: string;
    webhookSecret: string | null;
    webhookToleranceSeconds: number;
    api: { host: string; port: number; protocol: 'http' | 'https' } | null;
  } | null;
  plans: PlanConfig[];
  defaultPlan: string;
  trialDays: number;
  /** `OMNIFY_LIMIT_<NAME>` (USERS, CLIENTS, AD_ACCOUNTS, AGENT_RUNS_PER_MONTH, API_CALLS_PER_MONTH); unset is unlimited. */
  selfHostedLimits: PlanLimits;
  urls: { success: string; cancel: string; portalReturn: string };
  usageFlushSeconds: number;
}

const planLimitsSchema = z.strictObject(
  Object.fromEntries(limitNames.map((n) => [n, z.number().int().min(0).nullable()])) as Record<
    LimitName,
    z.ZodNullable<z.ZodNumber>
  >,
);
const plansJsonSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'plan ids are lower-case letters, digits and _'),
  z.strictObject({
    name: z.string().min(1).max(100),
    priceId: z.string().min(1).optional(),
    limits: planLimitsSchema,
  }),
);
export const defaultPlans: PlanConfig[] = [
  {
    id: 'starter',
    name: 'Starter',
    priceId: null,
    limits: { users: 3, clients: 10, adAccounts: 10, agentRunsPerMonth: 1_000, apiCallsPerMonth: 10_000 },
  },
  {
    id: 'professional',
    name: 'Professional',
    priceId: null,
    limits: { users: 10, clients: 50, adAccounts: 50, agentRunsPerMonth: 10_000, apiCallsPerMonth: 100_000 },
  },
  {
    id: 'enterprise',
    name: 'Enterprise',
    priceId: null,
    limits: { users: null, clients: null, adAccounts: null, agentRunsPerMonth: null, apiCallsPerMonth: null },
  },
];
const limitEnv = (n: LimitName) => `OMNIFY_LIMIT_${n.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

function billingSection(e: Env, raw: Record<string, string | undefined>, problems: string[]): BillingConfig {
  let plans = defaultPlans.map((p) => ({ ...p, limits: { ...p.limits } }));
  if (e.OMNIFY_PLANS_JSON) {
    let json: unknown;
    try {
      json = JSON.parse(e.OMNIFY_PLANS_JSON);
    } catch {
      problems.push('OMNIFY_PLANS_JSON: must be JSON');
    }
    const parsed = plansJsonSchema.safeParse(json);
    if (json !== undefined && !parsed.success)
      for (const i of parsed.error.issues)
        problems.push(`OMNIFY_PLANS_JSON.${i.path.join('.')}: ${i.message}`);
    else if (parsed.success) {
      plans = Object.entries(parsed.data).map(([id, p]) => ({
        id,
        name: p.name,
        priceId: p.priceId ?? null,
        limits: p.limits,
      }));
      if (!plans.length) problems.push('OMNIFY_PLANS_JSON: must define at least one plan');
    }
  }
  for (const p of plans) p.priceId = raw[`OMNIFY_STRIPE_PRICE_${p.id.toUpperCase()}`]?.trim() || p.priceId;
  if (plans.length && !plans.some((p) => p.id === e.OMNIFY_BILLING_DEFAULT_PLAN))
    problems.push(
      `OMNIFY_BILLING_DEFAULT_PLAN: ${e.OMNIFY_BILLING_DEFAULT_PLAN} is not one of the plans (${plans.map((p) => p.id).join(', ')})`,
    );
  const selfHostedLimits = Object.fromEntries(
    limitNames.map((n) => {
      const v = raw[limitEnv(n)]?.trim();
      if (v === undefined || v === '') return [n, null];
      if (!/^\d{1,12}$/.test(v))
        problems.push(`${limitEnv(n)}: must be a whole number (unset for unlimited)`);
      return [n, Number(v)];
    }),
  ) as PlanLimits;
  let api: NonNullable<BillingConfig['stripe']>['api'] = null;
  if (e.OMNIFY_STRIPE_API_BASE_URL) {
    const u = new URL(e.OMNIFY_STRIPE_API_BASE_URL);
    const protocol = u.protocol === 'http:' ? 'http' : 'https';
    api = { host: u.hostname, port: u.port ? Number(u.port) : protocol === 'http' ? 80 : 443, protocol };
  }
  if (e.STRIPE_SECRET_KEY && !e.STRIPE_WEBHOOK_SECRET)
    problems.push(
      'STRIPE_WEBHOOK_SECRET: required with STRIPE_SECRET_KEY (the endpoint secret of /api/v1/billing/webhook)',
    );
  const billingPage = `${e.PUBLIC_URL ?? `http://localhost:${e.PORT}`}/settings/billing`;
  return {
    enabled: Boolean(e.STRIPE_SECRET_KEY),
    stripe: e.STRIPE_SECRET_KEY
      ? {
          secretKey: e.STRIPE_SECRET_KEY,
          webhookSecret: e.STRIPE_WEBHOOK_SECRET ?? null,
          webhookToleranceSeconds: e.OMNIFY_STRIPE_WEBHOOK_TOLERANCE_SECONDS,
          api,
        }
      : null,
    plans,
    defaultPlan: e.OMNIFY_BILLING_DEFAULT_PLAN,
    trialDays: e.OMNIFY_BILLING_TRIAL_DAYS,
    selfHostedLimits,
    urls: {
      success: e.OMNIFY_BILLING_SUCCESS_URL ?? `${billingPage}?checkout=success`,
      cancel: e.OMNIFY_BILLING_CANCEL_URL ?? `${billingPage}?checkout=canceled`,
      portalReturn: e.OMNIFY_BILLING_PORTAL_RETURN_URL ?? billingPage,
    },
    usageFlushSeconds: e.OMNIFY_BILLING_USAGE_FLUSH_SECONDS,
  };
}

export type DatabaseConfig =
  | { dialect: 'sqlite'; file: string }
  | { dialect: 'postgres'; url: string; poolMax: number };

export interface Config {
  env: Env['NODE_ENV'];
  http: {
    port: number;
    host: string;
    publicUrl: string;
    corsOrigins: string[];
    trustProxy: boolean;
    rateLimitPerMinute: number;
    bodyLimitBytes: number;
  };
  dataDir: string;
  database: DatabaseConfig;
  queue: { kind: 'in-process' } | { kind: 'bullmq'; redisUrl: string; prefix: string };
  worker: { concurrency: number; runInApi: boolean };
  secrets: {
    encryptionKey: Buffer;
    oldEncryptionKeys: Buffer[];
    jwtSecret: Uint8Array;
    /** Keys the audit chain with HMAC-SHA256; retired keys still verify the entries they sealed. */
    auditKey: Buffer;
    oldAuditKeys: Buffer[];
    /** Secrets that came from files under the data dir rather than the environment: warn loudly. */
    generated: string[];
  };
  auth: {
    accessTokenTtlSeconds: number;
    refreshTokenTtlDays: number;
    loginMaxFailures: number;
    loginLockoutMinutes: number;
    /** Sign-in attempts per minute per client IP (agency and portal sign-in routes). */
    loginRateLimitPerMinute: number;
  };
  logLevel: Env['LOG_LEVEL'];
  demo: { email: string; password: string };
  connectors: Record<string, ConnectorConfig>;
  sync: { intervalMinutes: number; backfillDays: number };
  /** A write-back pending longer than this is settled by reading the platform (actions.reconcile.ts). */
  writeBacks: { reconcileAfterMinutes: number };
  billing: BillingConfig;
  agents: AgentsConfig;
  mail: MailConfig;
}

/** Without SMTP_URL every message goes to the log (platform/mailer.ts). */
export type MailConfig = { kind: 'log' } | { kind: 'smtp'; url: string; from: string };

export interface AgentsConfig {
  /** The engine of runs that do not name one; 'llm' needs an API key. */
  defaultEngine: 'builtin' | 'llm';
  /** Null without OMNIFY_OPENAI_API_KEY: the language-model engine is off. */
  openai: { apiKey: string; baseUrl: string | null; model: string } | null;
  /** How long a run request waits for the outcome before answering 202. */
  inlineWaitMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads `.env` (if present) under the process environment; the environment wins. */
export function readEnvironment(
  cwd = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const file = path.join(cwd, '.env');
  const fromFile = existsSync(file) ? parseDotenv(readFileSync(file)) : {};
  const merged: Record<string, string> = { ...fromFile };
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') merged[k] = v;
  return merged;
}

/**
 * Parses and validates configuration. Secrets missing from the environment are generated once and
 * persisted under the data directory (with a warning in `secrets.generated`), so that a restart of a
 * one-box install keeps decrypting what it encrypted.
 */
export function loadConfig(raw: Record<string, string | undefined> = readEnvironment()): Config {
  const parsed = envSchema.safeParse(raw);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  const connectors = connectorConfig(raw, problems);
  const billing = parsed.success ? billingSection(parsed.data, raw, problems) : null;
  if (parsed.success && parsed.data.OMNIFY_AGENTS_ENGINE === 'llm' && !parsed.data.OMNIFY_OPENAI_API_KEY)
    problems.push('OMNIFY_AGENTS_ENGINE: llm needs OMNIFY_OPENAI_API_KEY');
  if (parsed.success && parsed.data.SMTP_URL && !parsed.data.MAIL_FROM)
    problems.push('MAIL_FROM: required with SMTP_URL (the sender, e.g. Omnify <omnify@example.com>)');
  if (!parsed.success || !billing || problems.length) throw new ConfigError(problems);
  const e = parsed.data;
  const dataDir = path.resolve(e.OMNIFY_DATA_DIR);
  const database = parseDatabaseUrl(e.DATABASE_URL, dataDir, e.DATABASE_POOL_MAX);
  const generated: string[] = [];
  const encryptionKey = e.OMNIFY_ENCRYPTION_KEY
    ? Buffer.from(e.OMNIFY_ENCRYPTION_KEY, 'base64')
    : persistedSecret(dataDir, 'encryption.key', generated);
  const jwtSecret = e.OMNIFY_JWT_SECRET
    ? new TextEncoder().encode(e.OMNIFY_JWT_SECRET)
    : new Uint8Array(persistedSecret(dataDir, 'jwt.key', generated));
  const auditKey = e.OMNIFY_AUDIT_KEY
    ? Buffer.from(e.OMNIFY_AUDIT_KEY, 'base64')
    : persistedSecret(dataDir, 'audit.key', generated);
  return {
    env: e.NODE_ENV,
    http: {
      port: e.PORT,
      host: e.HOST,
      publicUrl: e.PUBLIC_URL ?? `http://localhost:${e.PORT}`,
      corsOrigins: e.OMNIFY_CORS_ORIGINS,
      trustProxy: e.OMNIFY_TRUST_PROXY,
      rateLimitPerMinute: e.OMNIFY_RATE_LIMIT_PER_MINUTE,
      bodyLimitBytes: 1024 * 1024,
    },
    dataDir,
    database,
    queue: e.REDIS_URL
      ? { kind: 'bullmq', redisUrl: e.REDIS_URL, prefix: e.OMNIFY_QUEUE_PREFIX }
      : { kind: 'in-process' },
    worker: {
      concurrency: e.OMNIFY_WORKER_CONCURRENCY,
      runInApi: e.OMNIFY_RUN_WORKER_IN_API ?? !e.REDIS_URL,
    },
    secrets: {
      encryptionKey,
      oldEncryptionKeys: e.OMNIFY_ENCRYPTION_KEYS_OLD.map((k) => Buffer.from(k, 'base64')),
      jwtSecret,
      auditKey,
      oldAuditKeys: e.OMNIFY_AUDIT_KEYS_OLD.map((k) => Buffer.from(k, 'base64')),
      generated,
    },
    auth: {
      accessTokenTtlSeconds: e.OMNIFY_ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlDays: e.OMNIFY_REFRESH_TOKEN_TTL_DAYS,
      loginMaxFailures: e.OMNIFY_LOGIN_MAX_FAILURES,
      loginLockoutMinutes: e.OMNIFY_LOGIN_LOCKOUT_MINUTES,
      loginRateLimitPerMinute: e.OMNIFY_LOGIN_RATE_LIMIT_PER_MINUTE,
    },
    logLevel: e.LOG_LEVEL,
    demo: { email: e.OMNIFY_DEMO_EMAIL, password: e.OMNIFY_DEMO_PASSWORD },
    connectors,
    sync: { intervalMinutes: e.OMNIFY_SYNC_INTERVAL_MINUTES, backfillDays: e.OMNIFY_SYNC_BACKFILL_DAYS },
    writeBacks: { reconcileAfterMinutes: e.OMNIFY_WRITE_BACK_RECONCILE_AFTER_MINUTES },
    billing,
    agents: {
      defaultEngine: e.OMNIFY_AGENTS_ENGINE,
      openai: e.OMNIFY_OPENAI_API_KEY
        ? {
            apiKey: e.OMNIFY_OPENAI_API_KEY,
            baseUrl: e.OMNIFY_OPENAI_BASE_URL ?? null,
            model: e.OMNIFY_OPENAI_MODEL,
          }
        : null,
      inlineWaitMs: e.OMNIFY_AGENTS_WAIT_SECONDS * 1000,
    },
    mail: e.SMTP_URL && e.MAIL_FROM ? { kind: 'smtp', url: e.SMTP_URL, from: e.MAIL_FROM } : { kind: 'log' },
  };
}

function parseDatabaseUrl(url: string | undefined, dataDir: string, poolMax: number): DatabaseConfig {
  if (!url) return { dialect: 'sqlite', file: path.join(dataDir, 'omnify.sqlite') };
  if (url.startsWith('postgres')) return { dialect: 'postgres', url, poolMax };
  if (url === ':memory:') return { dialect: 'sqlite', file: ':memory:' };
  const file = url.replace(/^(sqlite|file):(\/\/)?/, '');
  return { dialect: 'sqlite', file: file === ':memory:' ? file : path.resolve(file) };
}

function persistedSecret(dataDir: string, name: string, generated: string[]): Buffer {
  const file = path.join(dataDir, name);
  generated.push(file);
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64'), { mode: 0o600 });
  return key;
}
