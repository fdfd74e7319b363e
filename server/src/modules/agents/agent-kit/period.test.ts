import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  type Signed,
  signUp,
  type TestApp,
  uniqueEmail,
} from '../../../../test/helpers/app.ts';
import { testDialect } from '../../../storage/testing.ts';
import { analyticsAgent } from '../analytics/index.ts';
import { marketingAutomation } from '../marketing-automation/index.ts';
import { directRun } from './testing.ts';

/**
 * An agent's ORACLE tools on a client with nothing synced: ORACLE answers 422 no_data, and the tool
 * reports "not available" with the reason rather than failing the run.
 */
describe(`agent ORACLE tools on a client without data on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let clientId: string;

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'agent-nodata');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/clients',
      headers: owner.headers,
      payload: { name: 'Nothing synced', email: uniqueEmail('agent-nodata') },
    });
    expect(res.statusCode, res.body).toBe(201);
    clientId = res.json().id;
  });
  afterAll(() => t?.close());

  it('forecast, anomalies and budget allocation say "not available" with ORACLE’s reason', async () => {
    const opts = { services: t.services, organizationId: owner.organizationId, agentId: 'agt_nodata' };
    const analytics = directRun(analyticsAgent, opts).run;
    const forecast = await analytics.call<{ available: boolean; reason?: string }>('forecast', {
      entityType: 'client',
      entityId: clientId,
      metric: 'spend',
    });
    expect(forecast).toEqual({ available: false, reason: expect.stringMatching(/no daily metrics/) });
    const anomalies = await analytics.call<{ available: boolean; reason?: string }>('anomalies', {
      entityType: 'client',
      entityId: clientId,
    });
    expect(anomalies).toEqual({ available: false, reason: expect.stringMatching(/no daily metrics/) });
    const marketing = directRun(marketingAutomation, opts).run;
    const allocation = await marketing.call<{ available: boolean; reason?: string }>('budget_allocation', {
      clientId,
    });
    expect(allocation).toEqual({ available: false, reason: expect.stringMatching(/No daily metrics/) });
  });
});
