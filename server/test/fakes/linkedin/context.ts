/**
 * Test helpers for the LinkedIn connector: a context pointed at the fake (the same connector
 * definition, only base URLs differ), a fake-per-test wrapper and raw calls to the fake.
 */
import { createMemoryBudget } from '../../../src/modules/connectors/budget.ts';
import { type AdsScenario, makeScenario } from '../../../src/modules/connectors/connector.contract.ts';
import type { ConnectorContext, DailyMetricRecord } from '../../../src/modules/connectors/connector.port.ts';
import { LINKEDIN_API_VERSION, linkedin } from '../../../src/modules/connectors/linkedin/index.ts';
import { FAKE_ACCESS_TOKEN, type LinkedInFake, startLinkedInFake } from './fake.ts';

export function contextFor(fake: { url: string }, scenario: AdsScenario): ConnectorContext {
  return {
    tokens: { accessToken: FAKE_ACCESS_TOKEN, refreshToken: null, expiresAt: null, scope: null, extra: {} },
    settings: {
      ...linkedin.defaultSettings,
      apiBaseUrl: `${fake.url}/rest`,
      authorizeUrl: `${fake.url}/oauth/v2/authorization`,
      tokenUrl: `${fake.url}/oauth/v2/accessToken`,
      pageSize: scenario.pageSize,
    },
    fetch,
    budget: createMemoryBudget(),
    sleep: async () => {},
  };
}

export async function collect(it: AsyncIterable<DailyMetricRecord[]>): Promise<DailyMetricRecord[]> {
  const out: DailyMetricRecord[] = [];
  for await (const page of it) out.push(...page);
  return out;
}

/** Runs `fn` against a fresh fake serving the contract scenario and always closes it. */
export async function withFake(
  fn: (ctx: ConnectorContext, fake: LinkedInFake, sc: AdsScenario) => Promise<void>,
): Promise<void> {
  const sc = makeScenario();
  const fake = await startLinkedInFake(sc);
  try {
    await fn(contextFor(fake, sc), fake, sc);
  } finally {
    await fake.close();
  }
}

/** A hand-written GET with valid headers, to probe how the fake parses the wire syntax. */
export const rawGet = (fake: LinkedInFake, pathAndQuery: string, headers: Record<string, string> = {}) =>
  fetch(`${fake.url}/rest${pathAndQuery}`, {
    headers: {
      authorization: `Bearer ${FAKE_ACCESS_TOKEN}`,
      'linkedin-version': LINKEDIN_API_VERSION,
      'x-restli-protocol-version': '2.0.0',
      ...headers,
    },
  });
