/**
 * Query parameters are strict (installStrictQuerystrings): a key a route does not declare is a 400
 * `invalid_input` naming it, never silently ignored. A misspelt filter that was ignored widened the
 * answer to everything (`?client_id=` listed every client's campaigns). Callers outside our control
 * stay tolerant: the OAuth redirect target (platforms append parameters of their own) and the
 * inbound webhooks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeScenario } from '../src/modules/connectors/connector.contract.ts';
import { testDialect } from '../src/storage/testing.ts';
import { type GoogleAdsFake, startGoogleAdsFake } from './fakes/google_ads/fake.ts';
import { as, createTestApp, type Signed, signUp, type TestApp } from './helpers/app.ts';
import { type ClientWithData, clientWithData, type PortalSigned, portalUserFor } from './helpers/portal.ts';

describe(`unknown query parameters on ${testDialect()}`, () => {
  let t: TestApp;
  let fake: GoogleAdsFake;
  let owner: Signed;
  let a: ClientWithData;
  let b: ClientWithData;
  let connectionId: string;
  let portal: PortalSigned;

  beforeAll(async () => {
    fake = await startGoogleAdsFake(makeScenario(), { retryDelay: '1s' });
    t = await createTestApp({
      clockStart: new Date('2026-11-21T12:00:00Z'),
      env: {
        OMNIFY_GOOGLE_ADS_CLIENT_ID: 'client-123',
        OMNIFY_GOOGLE_ADS_CLIENT_SECRET: 'secret-456',
        OMNIFY_GOOGLE_ADS_API_BASE_URL: fake.url,
        OMNIFY_GOOGLE_ADS_TOKEN_URL: `${fake.url}/token`,
        OMNIFY_GOOGLE_ADS_AUTHORIZE_URL: `${fake.url}/o/oauth2/v2/auth`,
      },
    });
    owner = await signUp(t.app, 'query-owner');
    a = await clientWithData(t, owner, 'query_a');
    b = await clientWithData(t, owner, 'query_b');
    portal = await portalUserFor(t, owner, a.clientId);
    connectionId = (await get(`/api/v1/connections?clientId=${a.clientId}`)).json().items[0].id;
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  const get = (url: string, headers: Record<string, string> = owner.headers) =>
    t.app.inject({ method: 'GET', url, headers });

  /** The 400 for one unknown key, as the oracle routes have always answered it. */
  function expectUnknownKey(res: Awaited<ReturnType<typeof get>>, key: string) {
    expect(res.statusCode, res.body).toBe(400);
    const error = res.json().error;
    expect(error.code).toBe('invalid_input');
    expect(error.message).toBe(`querystring: Unrecognized key: "${key}"`);
    expect(error.details.issues).toEqual([
      {
        location: 'querystring',
        path: [],
        code: 'unrecognized_keys',
        message: `Unrecognized key: "${key}"`,
        keys: [key],
      },
    ]);
  }

  it('a misspelt filter on the campaigns list is refused, not ignored (which listed every client)', async () => {
    const clientId = a.clientId;
    const all = (await get('/api/v1/campaigns?limit=200')).json().items as Array<{ clientId: string }>;
    const mine = await get(`/api/v1/campaigns?clientId=${clientId}&limit=200`);
    expect(mine.statusCode).toBe(200);
    const items = mine.json().items as Array<{ clientId: string }>;
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((c) => c.clientId === clientId)).toBe(true);
    // Another client has campaigns too: an ignored filter would have listed them.
    expect(all.some((c) => c.clientId === b.clientId)).toBe(true);
    expectUnknownKey(await get(`/api/v1/campaigns?client_id=${clientId}`), 'client_id');
  });

  it('unknown keys are refused on the clients, audit and other lists, and on routes that take no query', async () => {
    expectUnknownKey(await get('/api/v1/clients?foo=bar'), 'foo');
    expectUnknownKey(await get('/api/v1/audit?foo=bar'), 'foo');
    expectUnknownKey(await get('/api/v1/connections?limit=200'), 'limit');
    expectUnknownKey(await get('/api/v1/me?foo=bar'), 'foo');
    expectUnknownKey(await get(`/api/v1/clients/${a.clientId}?expand=campaigns`), 'expand');
    // Several at once: all named, the message starts with the first.
    const two = await get('/api/v1/clients?foo=1&bar=2');
    expect(two.statusCode).toBe(400);
    expect(two.json().error.details.issues[0].keys).toEqual(['foo', 'bar']);
    // Declared keys still work, and a write verb with an unknown key is refused before it acts.
    expect((await get('/api/v1/clients?limit=1')).statusCode).toBe(200);
    expect((await get('/api/v1/audit?limit=1&action=clients.created')).statusCode).toBe(200);
    const del = await t.app.inject(
      as(owner, { method: 'DELETE', url: `/api/v1/clients/${a.clientId}?force=true` }),
    );
    expectUnknownKey(del, 'force');
    expect((await get(`/api/v1/clients/${a.clientId}`)).statusCode).toBe(200);
    // A cache-buster (`_=<time>`, jQuery's cache: false) names no option: dropped, not refused.
    expect((await get('/api/v1/me?_=1764259200000')).statusCode).toBe(200);
    expect((await get('/api/v1/clients?limit=1&_=1')).json().items).toHaveLength(1);
    expectUnknownKey(await get('/api/v1/clients?_=1&foo=bar'), 'foo');
  });

  it('the client portal refuses unknown keys too', async () => {
    expectUnknownKey(await get('/api/v1/portal/overview?foo=bar', portal.headers), 'foo');
    expect(
      (await get('/api/v1/portal/overview?from=2026-11-14&to=2026-11-20', portal.headers)).statusCode,
    ).toBe(200);
  });

  it('a connection’s sync history takes a limit (the dashboard polls only the latest run)', async () => {
    const one = await get(`/api/v1/connections/${connectionId}/syncs?limit=1`);
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json().items).toHaveLength(1);
    expectUnknownKey(await get(`/api/v1/connections/${connectionId}/syncs?cursor=x`), 'cursor');
  });

  it('the OAuth redirect target accepts the parameters a platform appends (Google: scope, authuser, hd, prompt)', async () => {
    const res = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: '/api/v1/connections',
        payload: { platform: 'google_ads', name: 'Google with extras' },
      }),
    );
    expect(res.statusCode, res.body).toBe(201);
    const state = new URL(res.json().authorizationUrl).searchParams.get('state') as string;
    const extras = new URLSearchParams({
      state,
      code: 'good-code',
      scope: 'https://www.googleapis.com/auth/adwords',
      authuser: '0',
      hd: 'example.test',
      prompt: 'consent',
      iss: 'https://accounts.google.com',
    });
    const cb = await t.app.inject({ method: 'GET', url: `/api/v1/connections/oauth/callback?${extras}` });
    expect(cb.statusCode, cb.body).toBe(200);
    expect(cb.json().connection).toMatchObject({ id: res.json().connection.id, status: 'active' });
    // Its declared parameters are still checked.
    const short = await t.app.inject({
      method: 'GET',
      url: '/api/v1/connections/oauth/callback?state=x&code=y',
    });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.details.issues[0].location).toBe('querystring.state');
  });

  it('inbound webhooks ignore parameters the sender adds: the answer is the one without them', async () => {
    for (const [path, extra] of [
      ['/api/v1/webhooks/gohighlevel', 'source=marketplace'],
      ['/api/v1/billing/webhook', 'attempt=2'],
      ['/api/v1/workflows/hooks/hook_unknown', 'utm_source=zapier'],
    ] as const) {
      const call = (url: string) => t.app.inject({ method: 'POST', url, payload: { any: 'thing' } });
      const plain = await call(path);
      const withExtra = await call(`${path}?${extra}`);
      expect(plain.statusCode).toBeGreaterThanOrEqual(400);
      expect([withExtra.statusCode, withExtra.json().error.message], path).toEqual([
        plain.statusCode,
        plain.json().error.message,
      ]);
    }
  });
});
