/**
 * The demo agency: a user (demo@omnify.local / omnify-demo unless OMNIFY_DEMO_EMAIL and
 * OMNIFY_DEMO_PASSWORD say otherwise) owning an organization with three clients, each connected to
 * the simulator (Google Ads, Meta and LinkedIn accounts plus a CRM) and synced over 150 days.
 * Created once; running the demo again reuses it.
 */
import { createProgressBar } from './progress.ts';
import type { Services } from './services.ts';

const demoClients = [
  {
    name: 'Bright Smile Dental',
    email: 'marketing@brightsmile.example',
    company: 'Bright Smile Dental Group',
    monthlyBudgetMicros: 18_000_000_000,
    industry: 'dental',
  },
  {
    name: 'Peak Fitness',
    email: 'growth@peakfitness.example',
    company: 'Peak Fitness Clubs',
    monthlyBudgetMicros: 32_000_000_000,
    industry: 'fitness',
  },
  {
    name: 'Harbor Home Loans',
    email: 'leads@harborloans.example',
    company: 'Harbor Home Loans LLC',
    monthlyBudgetMicros: 45_000_000_000,
    industry: 'realestate',
  },
];

export const DEMO_DAYS = 150;

export async function seedDemo(
  s: Services,
  opts: { days?: number; quiet?: boolean } = {},
): Promise<{ organizationId: string; email: string; password: string; created: boolean }> {
  const { email, password } = s.config.demo;
  const days = opts.days ?? DEMO_DAYS;
  const existing = await s.storage.db
    .selectFrom('users')
    .innerJoin('memberships', 'memberships.user_id', 'users.id')
    .select(['users.id', 'memberships.organization_id'])
    .where('users.email', '=', email.toLowerCase())
    .executeTakeFirst();
  if (existing) return { organizationId: existing.organization_id, email, password, created: false };
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
  const endDate = s.clock.now().toISOString().slice(0, 10);
  // The simulated accounts bill in USD, EUR and GBP; the agency reports in USD. Daily demo rates
  // (round figures near late-2026 levels, not market data) let analytics convert every row.
  const demoRates = { EUR: 1.08, GBP: 1.27 };
  const rates = [];
  for (let d = 0; d <= days + 1; d++) {
    const date = new Date(s.clock.now().getTime() - d * 86_400_000).toISOString().slice(0, 10);
    for (const [base, rate] of Object.entries(demoRates)) rates.push({ date, base, quote: 'USD', rate });
  }
  await s.analytics.fx.loadInstallRates(rates);
  for (const [i, { industry, ...c }] of demoClients.entries()) {
    const client = await s.clients.create(ctx, { ...c, currency: 'USD' });
    const { connection } = await s.connections.create(ctx, {
      platform: 'simulator',
      clientId: client.id,
      name: `${c.name} (simulated Google Ads, Meta, LinkedIn and CRM)`,
      // One simulated client per connection, each from its own seed, ending today.
      settings: { seed: `demo${i + 1}`, clients: '1', industry, days: String(days), endDate },
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
  }
  return { organizationId, email, password, created: true };
}
