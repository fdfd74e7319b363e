/**
 * Test fixture: a client of the organization with its own simulated Google Ads, Meta, LinkedIn and
 * CRM connection, synced through the services (as the demo does), so client-level agents have
 * data with a client id. Not used outside tests.
 */
import type { Services } from '../../../main/services.ts';
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
