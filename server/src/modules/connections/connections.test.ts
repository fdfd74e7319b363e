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

  it('refuses simulator settings the simulator cannot sync with at creation, naming the setting', async () => {
    const owner = await signUp(t.app, 'simsettings');
    const create = (settings: Record<string, string | number>) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/connections',
        headers: owner.headers,
        payload: { platform: 'simulator', settings },
      });
    for (const [settings, field, text] of [
      [{ days: '-5' }, 'days', 'days must be an integer in 1..730, got -5'],
      [{ days: 'abc' }, 'days', 'got abc'],
      [{ days: '99999' }, 'days', 'in 1..730'],
      // A JSON number is read like the string it would be written as: the range decides, not the type.
      [{ days: -1 }, 'days', 'days must be an integer in 1..730, got -1'],
      [{ days: 2.5 }, 'days', 'days must be an integer in 1..730, got 2.5'],
      [{ days: 731 }, 'days', 'in 1..730, got 731'],
      [{ seed: '' }, 'seed', 'seed must be 1-32 letters'],
      [{ seed: 'ok', scale: '50' }, 'scale', 'scale must be a number in 0.25..10'],
      [{ endDate: '2026-13-45' }, 'endDate', 'endDate must be YYYY-MM-DD'],
      [{ industry: 'bakery' }, 'industry', 'industry must be one of'],
    ] as const) {
      const res = await create(settings);
      expect(res.statusCode, res.body).toBe(400);
      const { error } = res.json();
      expect(error.code).toBe('invalid_input');
      expect(error.message).toContain(`body.settings.${field}`);
      expect(error.details.issues).toEqual([
        expect.objectContaining({
          location: `body.settings.${field}`,
          message: expect.stringContaining(text),
        }),
      ]);
    }
    // Nothing was stored; good settings still connect at once.
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/connections', headers: owner.headers });
    expect(list.json().items).toEqual([]);
    const ok = await create({ seed: 'fine', days: '30', clients: '1' });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().connection.status).toBe('active');
    // Numbers connect too, stored (and shown) as the strings they would be written as.
    const numeric = await create({ seed: 'numbers', days: 30, clients: 1, scale: 0.5 });
    expect(numeric.statusCode, numeric.body).toBe(201);
    expect(numeric.json().connection.settings).toMatchObject({ days: '30', clients: '1', scale: '0.5' });
    // Anything else is still the schema's 400 at the setting.
    const bool = await t.app.inject({
      method: 'POST',
      url: '/api/v1/connections',
      headers: owner.headers,
      payload: { platform: 'simulator', settings: { days: true } },
    });
    expect(bool.statusCode).toBe(400);
    expect(bool.json().error.details.issues[0]).toMatchObject({ location: 'body.settings.days' });
  });
});
