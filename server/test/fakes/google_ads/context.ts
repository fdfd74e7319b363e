/**
 * Starts the Google Ads fake and a ConnectorContext pointing at it: the given production settings
 * with only the base URLs swapped, the fake's valid tokens, a fresh budget and no real sleeping.
 */
import { createMemoryBudget } from '../../../src/modules/connectors/budget.ts';
import { type AdsScenario, makeScenario } from '../../../src/modules/connectors/connector.contract.ts';
import type { ConnectorContext, VendorSettings } from '../../../src/modules/connectors/connector.port.ts';
import { type GoogleAdsFake, type GoogleAdsFakeOptions, startGoogleAdsFake } from './fake.ts';

export async function startGoogleAdsContext(
  production: VendorSettings,
  opts: GoogleAdsFakeOptions = {},
  overrides: Partial<VendorSettings> = {},
  scenario: AdsScenario = makeScenario(),
): Promise<{ ctx: ConnectorContext; fake: GoogleAdsFake }> {
  const fake = await startGoogleAdsFake(scenario, opts);
  const ctx: ConnectorContext = {
    tokens: {
      accessToken: fake.accessToken,
      refreshToken: fake.refreshToken,
      expiresAt: null,
      scope: null,
      extra: {},
    },
    settings: {
      ...production,
      apiBaseUrl: fake.url,
      tokenUrl: `${fake.url}/token`,
      authorizeUrl: `${fake.url}/o/oauth2/v2/auth`,
      ...overrides,
    },
    fetch: globalThis.fetch,
    budget: createMemoryBudget(),
    sleep: async () => {},
  };
  return { ctx, fake };
}
