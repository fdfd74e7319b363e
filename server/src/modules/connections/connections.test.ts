import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp, testConfig } from '../../../test/helpers/app.ts';
import { createServices } from '../../main/services.ts';
import { testDialect } from '../../storage/testing.ts';

describe(`connection secrets on ${testDialect()}`, () => {
  let t: TestApp;
  const oldKey = randomBytes(32).toString('base64');
  beforeAll(async () => {
    t = await createTestApp({ env: { OMNIFY_ENCRYPTION_KEY: oldKey } });
  });
  afterAll(() => t.close());

  it('keeps tokens sealed at rest and re-seals them under a new key during rotation', async () => {
    const owner = await signUp(t.app, 'rotator');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/connections',
      headers: owner.headers,
      payload: { platform: 'simulator', settings: { seed: 'rot' } },
    });
    expect(res.statusCode).toBe(201);
    const row = await t.storage.db
      .selectFrom('connections')
      .select('tokens_sealed')
      .where('organization_id', '=', owner.organizationId)
      .executeTakeFirstOrThrow();
    expect(row.tokens_sealed).toMatch(/^v1\./);
    expect(row.tokens_sealed).not.toContain('simulator');

    // The operator adds a new key and keeps the old one for decryption, then runs rotate-keys.
    const newKey = randomBytes(32).toString('base64');
    const rotated = createServices(
      testConfig({ OMNIFY_ENCRYPTION_KEY: newKey, OMNIFY_ENCRYPTION_KEYS_OLD: oldKey }),
      { storage: t.storage, queue: t.services.queue },
    );
    expect(await rotated.connections.resealAll()).toBe(1);
    expect(await rotated.connections.resealAll()).toBe(0);
    const after = await t.storage.db
      .selectFrom('connections')
      .select('tokens_sealed')
      .where('organization_id', '=', owner.organizationId)
      .executeTakeFirstOrThrow();
    expect(after.tokens_sealed).not.toBe(row.tokens_sealed);
    // Only the new key is needed from now on.
    const newOnly = createServices(testConfig({ OMNIFY_ENCRYPTION_KEY: newKey }), {
      storage: t.storage,
      queue: t.services.queue,
    });
    expect(JSON.parse(newOnly.box.open(after.tokens_sealed as string)).accessToken).toBe('simulator');
    expect(() => t.services.box.open(after.tokens_sealed as string)).toThrow();
  });
});

describe(`connectable platforms on ${testDialect()}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      env: { OMNIFY_GOOGLE_ADS_CLIENT_ID: 'gid', OMNIFY_GOOGLE_ADS_CLIENT_SECRET: 'gsecret' },
    });
  });
  afterAll(() => t.close());

  it('says which OAuth apps are configured and which variables the others need', async () => {
    const owner = await signUp(t.app, 'platforms');
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/connections/platforms',
      headers: owner.headers,
    });
    expect(res.statusCode).toBe(200);
    const items = (
      res.json() as { items: Array<{ platform: string; configured: boolean; missing: string[] }> }
    ).items;
    const of = (p: string) => items.find((i) => i.platform === p);
    expect(of('google_ads')).toMatchObject({ oauth: true, configured: true, missing: [] });
    expect(of('meta')).toMatchObject({
      name: 'Meta Ads',
      oauth: true,
      configured: false,
      missing: ['OMNIFY_META_CLIENT_ID', 'OMNIFY_META_CLIENT_SECRET'],
    });
    expect(of('simulator')).toMatchObject({ oauth: false, configured: true });
    // Unauthenticated: no list.
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/connections/platforms' })).statusCode).toBe(
      401,
    );
  });
});
