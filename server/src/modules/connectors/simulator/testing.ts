/**
 * Helpers for tests and scripts that drive the simulator through its public connector API, the
 * way the sync service does.
 */
import { createMemoryBudget } from '../budget.ts';
import type {
  AccountStructure,
  AdAccountRecord,
  ConnectorContext,
  ConnectorDefinition,
  DailyMetricRecord,
} from '../connector.port.ts';

/** A context for a simulator connection configured by `extra` (see config.ts for the keys). */
export function simContext(definition: ConnectorDefinition, extra: Record<string, string>): ConnectorContext {
  return {
    tokens: { accessToken: 'simulator', refreshToken: null, expiresAt: null, scope: null, extra },
    settings: definition.defaultSettings,
    fetch: (() => {
      throw new Error('the simulator must not use the network');
    }) as typeof fetch,
    budget: createMemoryBudget(),
  };
}

export async function collect<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of it) out.push(...page);
  return out;
}

export interface AgencySnapshot {
  accounts: AdAccountRecord[];
  structure: Map<string, AccountStructure>;
  rows: Map<string, DailyMetricRecord[]>;
}

/** Everything a full sync would read: accounts, structures and every daily row up to endDate. */
export async function fetchAgency(definition: ConnectorDefinition, extra: Record<string, string>) {
  const ads = definition.ads!;
  const ctx = simContext(definition, extra);
  const accounts = await ads.listAccounts(ctx);
  const snapshot: AgencySnapshot = { accounts, structure: new Map(), rows: new Map() };
  for (const a of accounts) {
    snapshot.structure.set(a.externalId, await ads.fetchStructure(ctx, a.externalId));
    const range = { from: '2000-01-01', to: '2100-01-01' };
    snapshot.rows.set(a.externalId, await collect(ads.fetchDailyMetrics(ctx, a.externalId, range)));
  }
  return snapshot;
}

/** Sums a metric of rows by date. */
export function byDate(
  rows: DailyMetricRecord[],
  metric: (r: DailyMetricRecord) => number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows) out.set(r.date, (out.get(r.date) ?? 0) + metric(r));
  return out;
}

export const addDays = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00.000Z`) + n * 86_400_000).toISOString().slice(0, 10);
