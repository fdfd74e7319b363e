/**
 * The reconciler against the Google Ads fake over real HTTP: the Google Ads connector's own write
 * path is stopped inside the platform call (after the mutate answered, or before it was sent), and
 * the sweep settles the write-back by reading the account with GAQL; an expired token leaves it
 * pending with the error and marks the connection for reconnection.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GoogleAdsFake, startGoogleAdsFake } from '../../../test/fakes/google_ads/fake.ts';
import { as, createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { testDialect } from '../../storage/testing.ts';
import { makeScenario } from '../connectors/connector.contract.ts';
import type { ConnectorDefinition } from '../connectors/connector.port.ts';
import { googleAds } from '../connectors/google_ads/index.ts';
import { createConnectorRegistry } from '../connectors/registry.ts';

const sc = makeScenario();
const MINUTE = 60_000;

describe(`reconciling interrupted Google Ads write-backs on ${testDialect()}`, () => {
  let t: TestApp;
  let fake: GoogleAdsFake;
  let owner: Signed;
  let connectionId: string;
  let crash: 'none' | 'after_call' | 'before_call' = 'none';
  let stuck: () => void = () => undefined;
  const hang = () =>
    new Promise<never>(() => {
      stuck();
    });
  const google: ConnectorDefinition = {
    ...googleAds,
    ads: {
      ...googleAds.ads!,
      async apply(ctx, account, action) {
        if (crash === 'before_call') return hang();
        const result = await googleAds.ads!.apply(ctx, account, action);
        if (crash === 'after_call') return hang();
        return result;
      },
    },
  };

  const req = (opts: InjectOptions) => t.app.inject(as(owner, opts));
  async function interrupted(mode: 'after_call' | 'before_call', payload: Record<string, unknown>) {
    crash = mode;
    const reached = new Promise<void>((resolve) => {
      stuck = resolve;
    });
    void req({ method: 'POST', url: '/api/v1/write-backs', payload });
    await reached;
    crash = 'none';
  }
  const writeBack = (key: string) =>
    t.storage.db
      .selectFrom('write_actions')
      .selectAll()
      .where('organization_id', '=', owner.organizationId)
      .where('idempotency_key', '=', key)
      .executeTakeFirstOrThrow();
  const local = (table: 'campaigns' | 'ads', externalId: string) =>
    t.storage.db
      .selectFrom(table)
      .select('id')
      .where('organization_id', '=', owner.organizationId)
      .where('external_id', '=', externalId)
      .executeTakeFirstOrThrow();

  beforeAll(async () => {
    fake = await startGoogleAdsFake(sc, { retryDelay: '1s' });
    const dataDir = mkdtempSync(path.join(tmpdir(), 'omnify-reconcile-g-'));
    t = await createTestApp({
      clockStart: new Date('2026-11-10T15:00:00Z'),
      env: {
        OMNIFY_GOOGLE_ADS_CLIENT_ID: 'client-123',
        OMNIFY_GOOGLE_ADS_CLIENT_SECRET: 'secret-456',
        OMNIFY_GOOGLE_ADS_API_BASE_URL: fake.url,
        OMNIFY_GOOGLE_ADS_TOKEN_URL: `${fake.url}/token`,
        OMNIFY_GOOGLE_ADS_AUTHORIZE_URL: `${fake.url}/o/oauth2/v2/auth`,
        OMNIFY_ACCESS_TOKEN_TTL_SECONDS: '86400',
      },
      services: { registry: { ...createConnectorRegistry({ dataDir }), google_ads: google } },
    });
    owner = await signUp(t.app, 'reconcile-google');
    const res = await req({
      method: 'POST',
      url: '/api/v1/connections',
      payload: { platform: 'google_ads', name: 'Acme Google Ads' },
    });
    expect(res.statusCode, res.body).toBe(201);
    connectionId = res.json().connection.id;
    const state = new URL(res.json().authorizationUrl).searchParams.get('state');
    const cb = await t.app.inject({
      method: 'GET',
      url: `/api/v1/connections/oauth/callback?state=${state}&code=good-code`,
    });
    expect(cb.statusCode, cb.body).toBe(200);
    const sync = await req({
      method: 'POST',
      url: `/api/v1/connections/${connectionId}/sync`,
      payload: { kind: 'backfill', days: 10 },
    });
    expect(sync.statusCode, sync.body).toBe(202);
    expect((await t.services.sync.execute(owner.organizationId, sync.json().id)).status).toBe('succeeded');
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('a budget the platform took is applied with its earlier value; a pause never sent is failed', async () => {
    const campaign = await local('campaigns', '101');
    const before = fake.entity('101')?.dailyBudgetMicros as number;
    await interrupted('after_call', {
      type: 'set_daily_budget',
      level: 'campaign',
      entityId: campaign.id,
      dailyBudgetMicros: before + 5_000_000,
      idempotencyKey: 'google-budget-1',
    });
    expect(fake.entity('101')?.dailyBudgetMicros).toBe(before + 5_000_000);
    const ad = sc.structure.ads.find((a) => a.status === 'active')!;
    const adRow = await local('ads', ad.externalId);
    await interrupted('before_call', {
      type: 'set_status',
      level: 'ad',
      entityId: adRow.id,
      status: 'paused',
      idempotencyKey: 'google-pause-1',
    });
    expect(fake.entity(ad.externalId)?.status).toBe('active');

    t.clock.advance(91 * MINUTE);
    expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 2, applied: 1, failed: 1 });
    const budget = await writeBack('google-budget-1');
    expect(budget.status).toBe('applied');
    expect(JSON.parse(budget.before ?? 'null')).toEqual({ dailyBudgetMicros: before });
    expect(JSON.parse(budget.after ?? 'null')).toEqual({ dailyBudgetMicros: before + 5_000_000 });
    const pause = await writeBack('google-pause-1');
    expect(pause.status).toBe('failed');
    expect(pause.error).toContain('still shows status active');
    const audit = await t.storage.db
      .selectFrom('audit_log')
      .select(['actor_type', 'actor_id'])
      .where('organization_id', '=', owner.organizationId)
      .where('action', '=', 'actions.reconciled')
      .execute();
    expect(audit).toEqual([
      { actor_type: 'system', actor_id: 'write-backs.reconcile' },
      { actor_type: 'system', actor_id: 'write-backs.reconcile' },
    ]);
  });

  it('an expired token leaves it pending with the error and the connection needing reconnection', async () => {
    const campaign = await local('campaigns', '102');
    await interrupted('after_call', {
      type: 'set_status',
      level: 'campaign',
      entityId: campaign.id,
      status: 'paused',
      idempotencyKey: 'google-pause-2',
    });
    expect(fake.entity('102')?.status).toBe('paused');
    t.clock.advance(91 * MINUTE);
    fake.inject('expired_token', 1);
    expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 1, deferred: 1 });
    const waiting = await writeBack('google-pause-2');
    expect(waiting.status).toBe('pending');
    expect(waiting.error).toMatch(/^Reconciliation could not read the platform: /);
    const conn = await req({ method: 'GET', url: `/api/v1/connections/${connectionId}` });
    expect(conn.json().status).toBe('needs_reconnect');
    // Reconnected (the OAuth flow again), the next sweep settles it.
    await t.storage.db
      .updateTable('connections')
      .set({ status: 'active', last_error: null })
      .where('id', '=', connectionId)
      .execute();
    expect(await t.services.writeBacks.reconcile()).toMatchObject({ checked: 1, applied: 1 });
    expect(await writeBack('google-pause-2')).toMatchObject({ status: 'applied', error: null });
  });
});
