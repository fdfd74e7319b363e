/**
 * Test fixture: a client of the organization with its own simulated Google Ads, Meta, LinkedIn and
 * CRM connection, synced through the services (as the demo does), so client-level agents have
 * data with a client id. Not used outside tests.
 */
import type { Services } from '../../../main/services.ts';
import { addDays } from '../../analytics/periods.ts';
import { systemCtx } from '../../auth/context.ts';

export async function simulatedClient(
  services: Services,
  organizationId: string,
  opts: {
    seed: string;
    days?: number;
    endDate?: string;
    monthlyBudgetMicros?: number;
    industry?: string;
    name?: string;
  },
) {
  const ctx = systemCtx(organizationId);
  const days = opts.days ?? 70;
  const client = await services.clients.create(ctx, {
    name: opts.name ?? `Client ${opts.seed}`,
    email: `${opts.seed}-${Date.now().toString(36)}@client.example`,
    monthlyBudgetMicros: opts.monthlyBudgetMicros ?? null,
    currency: 'USD',
  });
  const { connection } = await services.connections.create(ctx, {
    platform: 'simulator',
    clientId: client.id,
    name: `${client.name} (simulated)`,
    settings: {
      seed: opts.seed,
      clients: '1',
      days: String(days),
      endDate: opts.endDate ?? '2026-11-20',
      scale: '0.25',
      industry: opts.industry ?? 'dental',
    },
  });
  const run = await services.sync.start(ctx, connection.id, { kind: 'backfill', days });
  const done = await services.sync.execute(organizationId, run.id);
  if (done.status !== 'succeeded') throw new Error(`sync failed: ${JSON.stringify(done.errors)}`);
  return { client, connection };
}

/**
 * Test fixture: daily install rates to USD from `from` to `to` (the demo's round figures), so
 * analytics converts a client's GBP or EUR accounts into a USD reporting currency as in the demo.
 */
export async function loadUsdRates(
  services: Services,
  from: string,
  to: string,
  rates: Record<string, number> = { EUR: 1.08, GBP: 1.27 },
) {
  const rows = [];
  for (let d = from; d <= to; d = addDays(d, 1))
    for (const [base, rate] of Object.entries(rates)) rows.push({ date: d, base, quote: 'USD', rate });
  return services.analytics.fx.loadInstallRates(rows);
}
