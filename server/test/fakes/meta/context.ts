/**
 * Test wiring for the Meta connector: a context pointed at the fake, a request budget on a virtual
 * clock (waits are recorded and pass at once, without spinning), and small collection helpers.
 */
import { createMemoryBudget } from '../../../src/modules/connectors/budget.ts';
import type { AdsHarness, AdsScenario } from '../../../src/modules/connectors/connector.contract.ts';
import { makeScenario } from '../../../src/modules/connectors/connector.contract.ts';
import type {
  ConnectorContext,
  ConnectorDefinition,
  DailyMetricRecord,
} from '../../../src/modules/connectors/connector.port.ts';
import { META_API_VERSION, meta } from '../../../src/modules/connectors/meta/index.ts';
import { type MetaFake, type MetaFakeOptions, startMetaFake } from './fake.ts';

export function virtualBudget() {
  let now = 0;
  const waits: number[] = [];
  const budget = createMemoryBudget(
    {},
    {
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    },
  );
  return { budget, waits, now: () => now };
}

export function contextFor(fake: MetaFake, extra: Partial<ConnectorContext> = {}): ConnectorContext {
  return {
    tokens: { accessToken: fake.accessToken, refreshToken: null, expiresAt: null, scope: null, extra: {} },
    settings: {
      ...meta.defaultSettings,
      apiBaseUrl: fake.url,
      authorizeUrl: `${fake.url}/${META_API_VERSION}/dialog/oauth`,
      tokenUrl: `${fake.url}/${META_API_VERSION}/oauth/access_token`,
    },
    fetch: globalThis.fetch,
    budget: virtualBudget().budget,
    sleep: async () => {},
    ...extra,
  };
}

export function harness(definition: ConnectorDefinition, fakeOptions: MetaFakeOptions = {}): AdsHarness {
  return {
    definition,
    supports: { reach: true, frequency: true, videoViews: true },
    budgetLevel: 'ad_group',
    async start(scenario: AdsScenario) {
      const fake = await startMetaFake(scenario, fakeOptions);
      return { ctx: contextFor(fake), fake };
    },
  };
}

// The contract's rate-limit test spies on the budget's sleep without advancing time, so any real
// pause spins; a few milliseconds stand in for Meta's unannounced throttling wait.
export const range = { from: '2026-11-01', to: '2026-11-10' };
export const sortRows = (rows: DailyMetricRecord[]) =>
  [...rows].sort((a, b) => a.adExternalId.localeCompare(b.adExternalId) || a.date.localeCompare(b.date));
export async function collect(it: AsyncIterable<DailyMetricRecord[]>) {
  const out: DailyMetricRecord[] = [];
  for await (const page of it) out.push(...page);
  return out;
}
export async function withFake<T>(
  opts: MetaFakeOptions,
  fn: (fake: MetaFake, sc: AdsScenario) => Promise<T>,
  sc = makeScenario(),
) {
  const fake = await startMetaFake(sc, opts);
  try {
    return await fn(fake, sc);
  } finally {
    await fake.close();
  }
}
export const apiCalls = (fake: MetaFake) => fake.log.filter((r) => !r.path.includes('oauth'));
