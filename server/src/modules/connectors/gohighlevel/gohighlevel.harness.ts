/**
 * Test wiring: the GoHighLevel connector pointed at the local fake (only base URLs, the webhook key
 * and the page size differ from production).
 */
import {
  type GoHighLevelFake,
  type GoHighLevelFakeOptions,
  startGoHighLevelFake,
} from '../../../../test/fakes/gohighlevel/fake.ts';
import { createMemoryBudget } from '../budget.ts';
import type { ConnectorContext } from '../connector.port.ts';
import type { CrmHarness, CrmScenario } from './crm.contract.ts';
import { gohighlevel } from './index.ts';

export const testApp = {
  clientId: 'client-123',
  clientSecret: 'secret-456',
  redirectUri: 'http://localhost:3000/api/v1/connections/oauth/callback',
};

export async function startGhl(
  sc: CrmScenario,
  opts: GoHighLevelFakeOptions = {},
): Promise<{ ctx: ConnectorContext; fake: GoHighLevelFake }> {
  // A short burst window keeps rate-limit waits in tests to milliseconds; GHL's is 10 s.
  const fake = await startGoHighLevelFake(sc, { burstIntervalMs: 50, ...opts });
  const ctx: ConnectorContext = {
    tokens: {
      accessToken: fake.accessToken,
      refreshToken: 'ghl-refresh-0',
      expiresAt: null,
      scope: null,
      extra: { locationId: fake.locationId, companyId: 'c9pQcompanyId0000001', userType: 'Location' },
    },
    settings: {
      ...gohighlevel.defaultSettings,
      apiBaseUrl: fake.url,
      tokenUrl: `${fake.url}/oauth/token`,
      webhookPublicKey: fake.publicKeyPem,
      pageSize: sc.pageSize,
    },
    fetch,
    budget: createMemoryBudget(),
  };
  return { ctx, fake };
}

export const ghlHarness: CrmHarness = {
  definition: gohighlevel,
  supports: { currency: false, liFatId: true },
  start: (sc) => startGhl(sc),
  oauthApp: testApp,
};
