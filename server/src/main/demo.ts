/**
 * The demo agency: a user (demo@omnify.local / omnify-demo unless OMNIFY_DEMO_EMAIL and
 * OMNIFY_DEMO_PASSWORD say otherwise) owning an organization with three clients, each connected to
 * the simulator (Google Ads, Meta and LinkedIn accounts plus a CRM) and synced over 150 days.
 * Created once; running the demo again reuses it.
 */
import type { Ctx } from '../modules/auth/context.ts';
import { clientProfiles } from '../modules/connectors/simulator/catalog.ts';
import { seedDemoRules } from '../modules/rules/rules.demo.ts';
import { createProgressBar } from './progress.ts';
import type { Services } from './services.ts';

/** Password of the demo's client-portal users (one per client, portal@<client domain>). */
export const DEMO_PORTAL_PASSWORD = 'omnify-portal';

export interface DemoPortalLogin {
  client: string;
  path: string;
  email: string;
  password: string;
}

/**
 * Each demo client is one simulator client (its `industry`), so its name and billing currency are
 * the simulated accounts' own: the accounts are named "<client> (Google Ads)" and bill in the
 * client's currency. The agency reports in USD; its clients bill in USD, GBP and EUR. Monthly budgets
 * are in the client's currency: the figure here is the starting value, replaced after the first sync
 * by `budgetFromCampaigns` with what the seeded campaigns spend (a fixed figure was half of what the
 * simulated campaigns spend, so every fresh demo showed churn "high" and "Overspending 197%").
 */
const demoClients = (
  [
    {
      industry: 'dental',
      email: 'marketing@brightsmile.example',
      company: 'Bright Smile Dental Group',
      monthlyBudgetMicros: 18_000_000_000,
      accentColor: '#14b8a6',
    },
    {
      industry: 'fitness',
      email: 'growth@peakfitness.example',
      company: 'Peak Fitness Clubs Ltd',
      monthlyBudgetMicros: 25_000_000_000,
      accentColor: '#f97316',
    },
    {
      industry: 'realestate',
      email: 'leads@maisonverte.example',
      company: 'Maison Verte Immobilier SAS',
      monthlyBudgetMicros: 42_000_000_000,
      accentColor: '#0ea5e9',
    },
  ] as const
).map((c) => {
  const profile = clientProfiles.find((p) => p.key === c.industry);
  if (!profile) throw new Error(`demo: no simulator profile ${c.industry}`);
  return { ...c, name: profile.name, currency: profile.currency };
});

export const DEMO_DAYS = 150;

export async function seedDemo(
  s: Services,
  opts: { days?: number; quiet?: boolean } = {},
): Promise<{
  organizationId: string;
  email: string;
  password: string;
  created: boolean;
  portal: DemoPortalLogin[];
}> {
  const { email, password } = s.config.demo;
  const days = opts.days ?? DEMO_DAYS;
  const existing = await s.storage.db
    .selectFrom('users')
    .innerJoin('memberships', 'memberships.user_id', 'users.id')
    .select(['users.id', 'memberships.organization_id'])
    .where('users.email', '=', email.toLowerCase())
    .executeTakeFirst();
  if (existing) {
    const portal = await seedPortal(s, existing.organization_id, existing.id);
    await refreshDemo(s, existing.organization_id, days);
    return { organizationId: existing.organization_id, email, password, created: false, portal };
  }
  const reg = await s.auth.register(
    { email, password, name: 'Demo Owner', organizationName: 'Northwind Digital (demo)' },
    { ip: '127.0.0.1', userAgent: 'omnify demo', requestId: null },
  );
  const organizationId = reg.tokens.organizationId;
  const ctx = {
    organizationId,
    actor: { type: 'system' as const, id: 'demo' },
    userId: reg.user.id,
    role: 'owner' as const,
  };
  await loadDemoRates(s, days);
  for (const [i, { industry, accentColor: _accent, ...c }] of demoClients.entries()) {
    const client = await s.clients.create(ctx, c);
    const { connection } = await s.connections.create(ctx, {
      platform: 'simulator',
      clientId: client.id,
      name: `${c.name} (simulated Google Ads, Meta, LinkedIn and CRM)`,
      // One simulated client per connection, each from its own seed. No endDate: the simulator's
      // last day is today, so the hourly sync brings each new day (and restates recent conversions)
      // as a real platform does, and an approved write-back shows in delivery from the next day.
      settings: { seed: `demo${i + 1}`, clients: '1', industry, days: String(days) },
    });
    const run = await s.sync.start(ctx, connection.id, { kind: 'backfill', days });
    const bar = opts.quiet ? undefined : createProgressBar(`Syncing ${c.name}`);
    const done = await s.sync.execute(organizationId, run.id, {
      progress: async (p) => {
        const { unitsDone, unitsTotal } = p as { unitsDone: number; unitsTotal: number };
        bar?.update(unitsDone, unitsTotal);
      },
    });
    bar?.done(`${done.rowsUpserted} rows`);
    const budget = await budgetFromCampaigns(s, organizationId, client.id, c.currency);
    if (budget !== null) await s.clients.update(ctx, client.id, { monthlyBudgetMicros: budget });
  }
  await seedDemoRules(s.rules, ctx);
  const portal = await seedPortal(s, organizationId, reg.user.id);
  return { organizationId, email, password, created: true, portal };
}

/**
 * A client's monthly budget consistent with what its seeded campaigns spend: their average daily
 * spend over the last 28 synced days (in the client's currency, its accounts'), times the days of the
 * current month, rounded to the nearest 1,000 units. The campaigns' daily budgets are the fallback
 * when nothing was spent; they overstate a month where the simulator delivers under budget (Peak
 * Fitness read "Underspending 76%" against its campaign budgets). Null when neither is known.
 */
export async function budgetFromCampaigns(
  s: Services,
  organizationId: string,
  clientId: string,
  currency: string,
): Promise<number | null> {
  const db = s.storage.db;
  const last = await db
    .selectFrom('daily_metrics')
    .select((eb) => eb.fn.max('date').as('last'))
    .where('organization_id', '=', organizationId)
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  let daily = 0;
  if (last?.last) {
    const to = String(last.last);
    const from = new Date(Date.parse(`${to}T00:00:00Z`) - 27 * 86_400_000).toISOString().slice(0, 10);
    const spent = await db
      .selectFrom('daily_metrics')
      .select((eb) => eb.fn.sum<number | string | null>('spend_micros').as('spend'))
      .where('organization_id', '=', organizationId)
      .where('client_id', '=', clientId)
      .where('currency', '=', currency)
      .where('date', '>=', from)
      .where('date', '<=', to)
      .executeTakeFirst();
    daily = Number(spent?.spend ?? 0) / 28;
  }
  if (!(daily > 0)) {
    const r = await db
      .selectFrom('campaigns')
      .select((eb) => eb.fn.sum<number | string | null>('daily_budget_micros').as('daily'))
      .where('organization_id', '=', organizationId)
      .where('client_id', '=', clientId)
      .where('status', '=', 'active')
      .executeTakeFirst();
    daily = Number(r?.daily ?? 0);
  }
  if (!(daily > 0)) return null;
  const now = s.clock.now();
  const daysInMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).getUTCDate();
  const unit = 1_000 * 1_000_000;
  return Math.max(1, Math.round((daily * daysInMonth) / unit)) * unit;
}

/**
 * The simulated accounts bill in USD, EUR and GBP; the agency reports in USD. Daily demo rates (round
 * figures near late-2026 levels, not market data) for every day of the window through today let
 * analytics convert every row. Idempotent; `omnify demo` calls it again each day it keeps running.
 */
export async function loadDemoRates(s: Services, days = DEMO_DAYS): Promise<number> {
  const demoRates = { EUR: 1.08, GBP: 1.27 };
  const rates = [];
  for (let d = 0; d <= days + 1; d++) {
    const date = new Date(s.clock.now().getTime() - d * 86_400_000).toISOString().slice(0, 10);
    for (const [base, rate] of Object.entries(demoRates)) rates.push({ date, base, quote: 'USD', rate });
  }
  return s.analytics.fx.loadInstallRates(rates);
}

/**
 * A demo started again days later catches up: rates through today, and an incremental sync of each
 * of its simulator connections (run by the worker; a connection already syncing is left to it).
 * Returns how many syncs it started.
 */
async function refreshDemo(s: Services, organizationId: string, days: number): Promise<number> {
  await loadDemoRates(s, days);
  const ctx: Ctx = { organizationId, actor: { type: 'system', id: 'demo' }, userId: null, role: 'owner' };
  const connections = await s.storage.db
    .selectFrom('connections')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where('platform', '=', 'simulator')
    .where('status', '=', 'active')
    .execute();
  let started = 0;
  for (const c of connections) {
    try {
      if (await s.sync.startOnce(ctx, c.id)) started++;
    } catch (e) {
      s.logger.warn({ err: e, connectionId: c.id }, 'demo: could not start a catch-up sync');
    }
  }
  return started;
}

/**
 * The white-label portal of the demo: the agency's branding, a colour per client, and one portal
 * user per client (portal@<client's domain> / DEMO_PORTAL_PASSWORD). Idempotent: runs on every demo start.
 */
async function seedPortal(s: Services, organizationId: string, userId: string): Promise<DemoPortalLogin[]> {
  const ctx: Ctx = { organizationId, actor: { type: 'system', id: 'demo' }, userId, role: 'owner' };
  const org = await s.portal.branding.get(ctx, null);
  if (!org.updatedAt)
    await s.portal.branding.put(ctx, null, {
      agencyName: 'Northwind Digital',
      logoUpload: { contentType: 'image/svg+xml', dataBase64: Buffer.from(DEMO_LOGO).toString('base64') },
      primaryColor: '#4338ca',
      accentColor: '#f59e0b',
      supportEmail: 'support@northwind.example',
    });
  const clients = await s.storage.db
    .selectFrom('clients')
    .select(['id', 'name', 'email', 'portal_slug'])
    .where('organization_id', '=', organizationId)
    .orderBy('name')
    .execute();
  const logins: DemoPortalLogin[] = [];
  for (const c of clients) {
    const spec = demoClients.find((d) => d.name === c.name);
    if (!spec) continue;
    const own = await s.portal.branding.get(ctx, c.id);
    if (!own.updatedAt) await s.portal.branding.put(ctx, c.id, { accentColor: spec.accentColor });
    const email = `portal@${c.email.split('@')[1]}`;
    const users = await s.portal.users.list(ctx, c.id);
    if (!users.some((u) => u.email === email && u.status === 'active'))
      await s.portal.users.provision(ctx, c.id, {
        email,
        name: `${c.name} team`,
        password: DEMO_PORTAL_PASSWORD,
      });
    logins.push({
      client: c.name,
      path: `/portal/${c.portal_slug}/login`,
      email,
      password: DEMO_PORTAL_PASSWORD,
    });
  }
  return logins;
}

/** The demo agency's logo mark (the name is shown beside it): a plain, script-free SVG. */
const DEMO_LOGO =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#4338ca"/><path d="M9 23V9l14 14V9" stroke="#fff" stroke-width="3" fill="none"/><circle cx="25" cy="7" r="3" fill="#f59e0b"/></svg>';
