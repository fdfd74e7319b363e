/**
 * The request rate limit counts per signed-in person when the request carries a valid access token
 * (an agency office shares one address), and per address otherwise (a made-up token is keyed on the
 * address, so varying it does not buy a new allowance).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialect } from '../src/storage/testing.ts';
import { createTestApp, type Signed, signUp, type TestApp } from './helpers/app.ts';

describe(`request rate limit on ${testDialect()}`, () => {
  let t: TestApp;
  let a: Signed;
  let b: Signed;
  const LIMIT = 8;
  const office = '10.9.9.9';
  const get = (headers: Record<string, string>) =>
    t.app.inject({ method: 'GET', url: '/api/v1/me', headers, remoteAddress: office });

  beforeAll(async () => {
    t = await createTestApp({ env: { OMNIFY_RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
    a = await signUp(t.app, 'rl-a');
    b = await signUp(t.app, 'rl-b');
  });
  afterAll(() => t.close());

  it('gives each signed-in person of one address their own allowance', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await get(a.headers)).statusCode).toBe(200);
    const over = await get(a.headers);
    expect(over.statusCode).toBe(429);
    expect(over.json().error.code).toBe('rate_limited');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    // A colleague at the same address is not held by it.
    for (let i = 0; i < LIMIT; i++) expect((await get(b.headers)).statusCode).toBe(200);
  });
});
