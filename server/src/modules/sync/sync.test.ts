/**
 * The data plane end to end against the Google Ads fake over real HTTP: connect with OAuth, backfill,
 * throttling, a crash mid-sync, an expired token, write-backs, and tenant isolation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GoogleAdsFake, startGoogleAdsFake } from '../../../test/fakes/google_ads/fake.ts';
import { as, createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { connectSimulator } from '../../../test/helpers/simulator.ts';
import { testDialect } from '../../storage/testing.ts';
import { makeScenario } from '../connectors/connector.contract.ts';
import { syncJobs } from './sync.handlers.ts';
import { syncAllJob } from './sync.jobs.ts';

const sc = makeScenario();

describe(`sync engine on ${testDialect()}`, () => {
  let t: TestApp;
  let fake: GoogleAdsFake;
  let owner: Signed;

  beforeAll(async () => {
    fake = await startGoogleAdsFake(sc, { retryDelay: '1s' });
    t = await createTestApp({
      clockStart: new Date('2026-11-10T15:00:00Z'),
      env: {
        OMNIFY_GOOGLE_ADS_CLIENT_ID: 'client-123',
        OMNIFY_GOOGLE_ADS_CLIENT_SECRET: 'secret-456',
        OMNIFY_GOOGLE_ADS_API_BASE_URL: fake.url,
        OMNIFY_GOOGLE_ADS_TOKEN_URL: `${fake.url}/token`,
        OMNIFY_GOOGLE_ADS_AUTHORIZE_URL: `${fake.url}/o/oauth2/v2/auth`,
      },
    });
    owner = await signUp(t.app, 'syncer');
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  async function connect(who: Signed): Promise<string> {
    const res = await t.app.inject(
      as(who, {
        method: 'POST',
        url: '/api/v1/connections',
        payload: { platform: 'google_ads', name: 'Acme Google Ads' },
      }),
    );
    expect(res.statusCode).toBe(201);
    const { connection, authorizationUrl } = res.json();
    expect(connection.status).toBe('pending_authorization');
    const url = new URL(authorizationUrl);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const cb = await t.app.inject({
      method: 'GET',
      url: `/api/v1/connections/oauth/callback?state=${url.searchParams.get('state')}&code=good-code`,
    });
    expect(cb.statusCode).toBe(200);
    expect(cb.json().connection.status).toBe('active');
    // The state is single-use.
    const again = await t.app.inject({
      method: 'GET',
      url: `/api/v1/connections/oauth/callback?state=${url.searchParams.get('state')}&code=good-code`,
    });
    expect(again.statusCode).toBe(400);
    return connection.id;
  }

  async function runSync(who: Signed, connectionId: string, opts: { signalAfterUnits?: number } = {}) {
    const res = await t.app.inject(
      as(who, {
        method: 'POST',
        url: `/api/v1/connections/${connectionId}/sync`,
        payload: { kind: 'backfill', days: 10 },
      }),
    );
    expect(res.statusCode).toBe(202);
    const run = res.json();
    expect(run.status).toBe('queued');
    if (opts.signalAfterUnits) {
      const ac = new AbortController();
      let units = 0;
      await expect(
        t.services.sync.execute(who.organizationId, run.id, {
          signal: ac.signal,
          progress: async () => {
            if (++units >= (opts.signalAfterUnits ?? 0)) ac.abort(new Error('killed'));
          },
        }),
      ).rejects.toThrow();
    }
    return t.services.sync.execute(who.organizationId, run.id);
  }

  const metricRows = (organizationId: string) =>
    t.storage.db
      .selectFrom('daily_metrics')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .orderBy('ad_id')
      .orderBy('date')
      .execute();

  it('connects with OAuth (state + PKCE), backfills, and stores exactly the platform rows', async () => {
    const id = await connect(owner);
    const run = await runSync(owner, id);
    expect(run.status).toBe('succeeded');
    expect(run.progress.percent).toBe(100);
    expect(run.callsMade).toBeGreaterThan(3);
    const rows = await metricRows(owner.organizationId);
    expect(rows).toHaveLength(sc.metrics.length);
    const spend = rows.reduce((n, r) => n + Number(r.spend_micros), 0);
    expect(spend).toBe(sc.metrics.reduce((n, r) => n + r.spendMicros, 0));
    const ads = await t.storage.db
      .selectFrom('ads')
      .select('id')
      .where('organization_id', '=', owner.organizationId)
      .execute();
    expect(ads).toHaveLength(sc.structure.ads.length);
    const history = await t.app.inject(as(owner, { method: 'GET', url: `/api/v1/connections/${id}/syncs` }));
    expect(history.json().items[0]).toMatchObject({ status: 'succeeded', rowsUpserted: expect.any(Number) });
    // Re-running changes nothing: idempotent upserts on natural keys.
    await runSync(owner, id);
    expect(await metricRows(owner.organizationId)).toHaveLength(sc.metrics.length);
  });

  it('refreshes an access token that expires within five minutes before syncing, and stores the new one sealed', async () => {
    const fresh = await signUp(t.app, 'refresher');
    const id = await connect(fresh);
    const before = await t.storage.db
      .selectFrom('connections')
      .select(['tokens_sealed', 'token_expires_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(before.token_expires_at).not.toBeNull();
    const start = t.clock.now();
    t.clock.set(new Date(Date.parse(before.token_expires_at as string) - 60_000));
    try {
      const ctx = {
        organizationId: fresh.organizationId,
        actor: { type: 'system' as const, id: null },
        userId: null,
        role: 'owner' as const,
      };
      const run = await t.services.sync.start(ctx, id, { kind: 'backfill', days: 2 });
      expect((await t.services.sync.execute(fresh.organizationId, run.id)).status).toBe('succeeded');
    } finally {
      t.clock.set(start);
    }
    const after = await t.storage.db
      .selectFrom('connections')
      .select(['tokens_sealed', 'token_expires_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(after.token_expires_at! > before.token_expires_at!).toBe(true);
    const tokens = JSON.parse(t.services.box.open(after.tokens_sealed as string));
    expect(tokens.accessToken).not.toBe(
      JSON.parse(t.services.box.open(before.tokens_sealed as string)).accessToken,
    );
    expect(after.tokens_sealed).not.toContain(tokens.accessToken);
  });

  it('waits through 429s as the vendor asks and still ends with exactly the expected rows', async () => {
    const other = await signUp(t.app, 'throttled');
    const id = await connect(other);
    fake.inject('rate_limited', 3);
    const run = await runSync(other, id);
    expect(run.status).toBe('succeeded');
    expect(await metricRows(other.organizationId)).toHaveLength(sc.metrics.length);
  });

  it('a sync killed in the middle and restarted ends with the same rows as an uninterrupted one', async () => {
    const killed = await signUp(t.app, 'killed');
    const id = await connect(killed);
    const run = await runSync(killed, id, { signalAfterUnits: 2 });
    expect(run.status).toBe('succeeded');
    const a = (await metricRows(owner.organizationId)).map((r) => [
      r.date,
      r.impressions,
      r.clicks,
      r.spend_micros,
      r.conversions,
    ]);
    const b = (await metricRows(killed.organizationId)).map((r) => [
      r.date,
      r.impressions,
      r.clicks,
      r.spend_micros,
      r.conversions,
    ]);
    expect(b).toHaveLength(sc.metrics.length);
    expect(b.sort()).toEqual(a.sort());
  });

  it('an expired token marks the connection as needing reconnection and the API says so', async () => {
    const expired = await signUp(t.app, 'expired');
    const id = await connect(expired);
    fake.inject('expired_token', 1);
    await expect(runSync(expired, id)).rejects.toThrow();
    const res = await t.app.inject(as(expired, { method: 'GET', url: `/api/v1/connections/${id}` }));
    expect(res.json()).toMatchObject({ status: 'needs_reconnect', needsReconnect: true });
    const sync = await t.app.inject(
      as(expired, {
        method: 'POST',
        url: `/api/v1/connections/${id}/sync`,
        payload: { kind: 'incremental' },
      }),
    );
    expect(sync.statusCode).toBe(409);
    const reconnect = await t.app.inject(
      as(expired, { method: 'POST', url: `/api/v1/connections/${id}/reconnect` }),
    );
    expect(reconnect.json().authorizationUrl).toContain('state=');
  });

  it('pauses an ad on the platform once per idempotency key, with a before/after snapshot and an audit entry', async () => {
    const ad = await t.storage.db
      .selectFrom('ads')
      .select(['id', 'external_id'])
      .where('organization_id', '=', owner.organizationId)
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    const body = {
      type: 'set_status',
      level: 'ad',
      entityId: ad.id,
      status: 'paused',
      idempotencyKey: 'pause-ad-0001',
    };
    const first = await t.app.inject(
      as(owner, { method: 'POST', url: '/api/v1/write-backs', payload: body }),
    );
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      replayed: false,
      action: { status: 'applied', before: { status: 'active' }, after: { status: 'paused' } },
    });
    expect(fake.entity(ad.external_id)?.status).toBe('paused');
    const calls = fake.requests();
    const second = await t.app.inject(
      as(owner, { method: 'POST', url: '/api/v1/write-backs', payload: body }),
    );
    expect(second.json().replayed).toBe(true);
    expect(fake.requests()).toBe(calls);
    const audit = await t.services.audit.list(owner.organizationId, { limit: 5, action: 'actions.applied' });
    expect(audit.items).toHaveLength(1);
  });

  it("another organization's user gets 404 on connections, sync runs and actions", async () => {
    const intruder = await signUp(t.app, 'intruder');
    const conn = await t.storage.db
      .selectFrom('connections')
      .select('id')
      .where('organization_id', '=', owner.organizationId)
      .executeTakeFirstOrThrow();
    const run = await t.storage.db
      .selectFrom('sync_runs')
      .select('id')
      .where('organization_id', '=', owner.organizationId)
      .executeTakeFirstOrThrow();
    const ad = await t.storage.db
      .selectFrom('ads')
      .select('id')
      .where('organization_id', '=', owner.organizationId)
      .executeTakeFirstOrThrow();
    for (const [method, url, payload] of [
      ['GET', `/api/v1/connections/${conn.id}`, undefined],
      ['POST', `/api/v1/connections/${conn.id}/sync`, { kind: 'incremental' }],
      ['GET', `/api/v1/connections/${conn.id}/syncs`, undefined],
      ['GET', `/api/v1/sync-runs/${run.id}`, undefined],
      [
        'POST',
        '/api/v1/write-backs',
        {
          type: 'set_status',
          level: 'ad',
          entityId: ad.id,
          status: 'paused',
          idempotencyKey: 'intruder-0001',
        },
      ],
    ] as const) {
      const res = await t.app.inject(as(intruder, { method, url, ...(payload ? { payload } : {}) }));
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
  });
});

describe(`CRM streams on ${testDialect()}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ clockStart: new Date('2026-11-20T18:00:00Z') });
  });
  afterAll(() => t.close());

  it('keeps a cursor per CRM stream at the latest updatedAt seen, and incremental runs read only what changed since', async () => {
    const owner = await signUp(t.app, 'crm');
    const sim = await connectSimulator(t, owner, 'crmcursor');
    const cursors = await t.storage.db
      .selectFrom('sync_cursors')
      .select(['stream', 'value'])
      .where('scope_id', '=', sim.connectionId)
      .execute();
    const latest = await t.storage.db
      .selectFrom('crm_contacts')
      .select((eb) => eb.fn.max('platform_updated_at').as('m'))
      .where('connection_id', '=', sim.connectionId)
      .executeTakeFirstOrThrow();
    expect(cursors.find((c) => c.stream === 'contacts')?.value).toBe(latest.m);
    const all = await t.storage.db
      .selectFrom('crm_contacts')
      .select('id')
      .where('connection_id', '=', sim.connectionId)
      .execute();
    expect(all.length).toBeGreaterThan(10);
    // A later incremental run: rows it writes carry its own synced_at.
    t.clock.advance(60_000);
    const secondAt = t.clock.now().toISOString();
    const ctx = {
      organizationId: owner.organizationId,
      actor: { type: 'system' as const, id: null },
      userId: null,
      role: 'owner' as const,
    };
    const run = await t.services.sync.start(ctx, sim.connectionId, { kind: 'incremental' });
    expect((await t.services.sync.execute(owner.organizationId, run.id)).status).toBe('succeeded');
    const contacts = await t.storage.db
      .selectFrom('crm_contacts')
      .select(['id', 'synced_at'])
      .where('connection_id', '=', sim.connectionId)
      .execute();
    // No duplicates, and only the contacts updated in the hour of overlap before the cursor were read again.
    expect(contacts).toHaveLength(all.length);
    const reread = contacts.filter((c) => c.synced_at === secondAt).length;
    expect(reread).toBeGreaterThan(0);
    expect(reread).toBeLessThan(all.length / 2);
  });

  it('runs one sync at a time per connection: a repeated request is 409 naming the pending run, even at the same instant', async () => {
    const owner = await signUp(t.app, 'onesync');
    const sim = await connectSimulator(t, owner, 'onesync');
    const post = (payload: Record<string, unknown>) =>
      t.app.inject(
        as(owner, { method: 'POST', url: `/api/v1/connections/${sim.connectionId}/sync`, payload }),
      );
    const pendingRuns = () =>
      t.storage.db
        .selectFrom('sync_runs')
        .select(['id', 'kind', 'status'])
        .where('connection_id', '=', sim.connectionId)
        .where('status', 'in', ['queued', 'running'])
        .execute();

    // `days` is for a backfill: an incremental sync naming it is refused, not run without it.
    const withDays = await post({ kind: 'incremental', days: 30 });
    expect(withDays.statusCode, withDays.body).toBe(400);
    expect(withDays.json().error.code).toBe('invalid_input');
    expect(withDays.json().error.details.issues[0]).toMatchObject({ location: 'body.days' });
    const daysAlone = await post({ days: 30 });
    expect(daysAlone.statusCode, daysAlone.body).toBe(400);
    expect(await pendingRuns()).toEqual([]);

    // Three requests in a row: the first runs, the other two are told which run is in the way.
    const first = await post({ kind: 'backfill', days: 14 });
    expect(first.statusCode, first.body).toBe(202);
    for (const payload of [{ kind: 'backfill', days: 14 }, { kind: 'incremental' }]) {
      const again = await post(payload);
      expect(again.statusCode, again.body).toBe(409);
      expect(again.json().error.code).toBe('conflict');
      expect(again.json().error.message).toContain(first.json().id);
      expect(again.json().error.details).toMatchObject({
        syncRunId: first.json().id,
        kind: 'backfill',
        status: 'queued',
        progress: { percent: 0 },
      });
    }
    expect(await pendingRuns()).toEqual([{ id: first.json().id, kind: 'backfill', status: 'queued' }]);

    // Webhooks and the hourly fan-out coalesce into the pending run instead of adding one.
    const ctx = {
      organizationId: owner.organizationId,
      actor: { type: 'system' as const, id: 'scheduler' },
      userId: null,
      role: 'owner' as const,
    };
    expect(await t.services.sync.startOnce(ctx, sim.connectionId)).toBe(false);
    // A caller that wants fresh data (a workflow step) is given the pending run to wait for.
    const joined = await t.services.sync.startOrJoin(ctx, sim.connectionId, { kind: 'incremental' });
    expect(joined).toMatchObject({ joined: true, run: { id: first.json().id, kind: 'backfill' } });
    const all = syncJobs({ sync: t.services.sync, storage: t.storage }).find((b) => b.def === syncAllJob);
    await all?.run({}, {} as Parameters<NonNullable<typeof all>['run']>[1]);
    expect(await pendingRuns()).toHaveLength(1);

    expect((await t.services.sync.execute(owner.organizationId, first.json().id)).status).toBe('succeeded');
    // Requests at the same instant: exactly one starts a run, each other one names it.
    const burst = await Promise.all(Array.from({ length: 6 }, () => post({ kind: 'incremental' })));
    const accepted = burst.filter((r) => r.statusCode === 202);
    expect(burst.map((r) => r.statusCode).sort(), burst.map((r) => r.body).join('\n')).toEqual([
      202, 409, 409, 409, 409, 409,
    ]);
    for (const r of burst.filter((b) => b.statusCode === 409))
      expect(r.json().error.details.syncRunId).toBe(accepted[0]?.json().id);
    expect(await pendingRuns()).toHaveLength(1);
    expect((await t.services.sync.execute(owner.organizationId, accepted[0]?.json().id)).status).toBe(
      'succeeded',
    );
    expect(await t.services.sync.startOnce(ctx, sim.connectionId)).toBe(true);
    const pendingNow = (await pendingRuns())[0]?.id;
    const own = await t.services.sync.startOrJoin(ctx, sim.connectionId, { kind: 'incremental' });
    expect(own).toMatchObject({ joined: true, run: { id: pendingNow } });
    expect((await t.services.sync.execute(owner.organizationId, pendingNow as string)).status).toBe(
      'succeeded',
    );
    const fresh = await t.services.sync.startOrJoin(ctx, sim.connectionId, { kind: 'incremental' });
    expect(fresh.joined).toBe(false);
    expect(fresh.run.id).not.toBe(pendingNow);
  });
});
