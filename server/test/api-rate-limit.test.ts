/**
 * The request rate limit counts per signed-in person when the request carries a valid access token
 * (an agency office shares one address), and per address otherwise (a made-up token is keyed on the
 * address, so varying it does not buy a new allowance). Every request counts, including one refused
 * 401: the limiter runs before authentication, so made-up tokens and API keys meet 429 too. The token
 * is verified once per request, for the limiter's key and the auth hook alike.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { testDialect } from '../src/storage/testing.ts';
import { createTestApp, type Signed, signUp, type TestApp, uniqueEmail } from './helpers/app.ts';
import { type PortalSigned, portalUserFor } from './helpers/portal.ts';

describe(`request rate limit on ${testDialect()}`, () => {
  let t: TestApp;
  let a: Signed;
  let b: Signed;
  let reader: PortalSigned;
  const LIMIT = 8;
  const office = '10.9.9.9';
  const get = (headers: Record<string, string>, remoteAddress = office, url = '/api/v1/me') =>
    t.app.inject({ method: 'GET', url, headers, remoteAddress } satisfies InjectOptions);

  beforeAll(async () => {
    t = await createTestApp({ env: { OMNIFY_RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
    a = await signUp(t.app, 'rl-a');
    b = await signUp(t.app, 'rl-b');
    const owner = await signUp(t.app, 'rl-owner');
    const client = await t.app.inject({
      method: 'POST',
      url: '/api/v1/clients',
      headers: owner.headers,
      payload: { name: 'Rate-limited client', email: uniqueEmail('rl-client') },
    });
    expect(client.statusCode).toBe(201);
    reader = await portalUserFor(t, owner, client.json().id);
  });
  afterAll(() => t.close());
  afterEach(() => vi.restoreAllMocks());

  it('gives each signed-in person of one address their own allowance', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await get(a.headers)).statusCode).toBe(200);
    const over = await get(a.headers);
    expect(over.statusCode).toBe(429);
    expect(over.json().error.code).toBe('rate_limited');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    // A colleague at the same address is not held by it.
    for (let i = 0; i < LIMIT; i++) expect((await get(b.headers)).statusCode).toBe(200);
  });

  it('counts requests refused 401 against the address: made-up tokens and API keys meet 429', async () => {
    const address = '10.9.9.10';
    // Each request tries something new; all of them are the address's.
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer made-up' },
      { 'x-api-key': 'omk_made_up_key_0000000000000000000000' },
      { authorization: 'Bearer omk_made_up_key_0000000000000000000001' },
      { authorization: `Bearer ${a.token}x` },
    ];
    for (let i = 0; i < LIMIT; i++) {
      const r = await get(attempts[i % attempts.length] ?? {}, address);
      expect(r.statusCode).toBe(401);
      expect(r.json().error.code).toBe('unauthenticated');
      expect(r.headers['x-ratelimit-limit']).toBe(String(LIMIT));
      expect(r.headers['x-ratelimit-remaining']).toBe(String(LIMIT - 1 - i));
    }
    for (const headers of attempts) {
      const over = await get(headers, address);
      expect(over.statusCode).toBe(429);
      expect(over.json().error.code).toBe('rate_limited');
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      expect(over.headers['x-ratelimit-remaining']).toBe('0');
    }
    // A signed-in person at that address still has their own allowance.
    const e = await signUp(t.app, 'rl-e');
    const me = await get(e.headers, address);
    expect(me.statusCode).toBe(200);
    expect(me.headers['x-ratelimit-remaining']).toBe(String(LIMIT - 1));
  });

  it('counts made-up tokens on client-portal routes against the address too', async () => {
    const address = '10.9.9.11';
    for (let i = 0; i < LIMIT; i++) {
      const r = await get({ authorization: `Bearer made-up-${i}` }, address, '/api/v1/portal/me');
      expect(r.statusCode).toBe(401);
    }
    const over = await get({ authorization: 'Bearer made-up' }, address, '/api/v1/portal/me');
    expect(over.statusCode).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    // The portal user at the same address is counted on their own.
    expect((await get(reader.headers, address, '/api/v1/portal/me')).statusCode).toBe(200);
  });

  it('verifies an access token once per request', async () => {
    const c = await signUp(t.app, 'rl-c');
    const verifyAccess = vi.spyOn(t.services.tokens, 'verifyAccess');
    const verifyPortal = vi.spyOn(t.services.tokens, 'verifyPortalAccess');
    expect((await get(c.headers, '10.9.9.12')).statusCode).toBe(200);
    expect(verifyAccess).toHaveBeenCalledTimes(1);
    expect(verifyPortal).not.toHaveBeenCalled();

    // A portal token: tried once as an agency token (refused) for the key, once as a portal token.
    verifyAccess.mockClear();
    expect((await get(reader.headers, '10.9.9.12', '/api/v1/portal/me')).statusCode).toBe(200);
    expect(verifyAccess).toHaveBeenCalledTimes(1);
    expect(verifyPortal).toHaveBeenCalledTimes(1);
  });

  it('keeps what a refused token says: expired, or the other kind of token', async () => {
    const d = await signUp(t.app, 'rl-d');
    const portalOnAgency = await get(reader.headers, '10.9.9.13');
    expect(portalOnAgency.statusCode).toBe(401);
    expect(portalOnAgency.json().error.message).toBe('Invalid access token');
    const agencyOnPortal = await get(d.headers, '10.9.9.13', '/api/v1/portal/me');
    expect(agencyOnPortal.statusCode).toBe(401);
    expect(agencyOnPortal.json().error.message).toMatch(/not a client-portal access token/);
    t.clock.advance(t.config.auth.accessTokenTtlSeconds * 1000 + 1000);
    try {
      const expired = await get(d.headers, '10.9.9.13');
      expect(expired.statusCode).toBe(401);
      expect(expired.json().error.message).toBe('Access token expired; refresh it');
    } finally {
      t.clock.set(new Date());
    }
  });
});
