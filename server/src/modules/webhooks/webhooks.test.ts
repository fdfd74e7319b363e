import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { newId } from '../../platform/ids.ts';
import { testDialect } from '../../storage/testing.ts';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const forged = generateKeyPairSync('ed25519').privateKey;
const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe(`GoHighLevel webhooks on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let connectionId: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { OMNIFY_GOHIGHLEVEL_WEBHOOK_PUBLIC_KEY: pem } });
    owner = await signUp(t.app, 'hooked');
    connectionId = newId('connection');
    const now = new Date().toISOString();
    const tokens = {
      accessToken: 'tok',
      refreshToken: null,
      expiresAt: null,
      scope: null,
      extra: { locationId: 'loc_123' },
    };
    await t.storage.withTenant(owner.organizationId, (trx) =>
      trx
        .insertInto('connections')
        .values({
          id: connectionId,
          organization_id: owner.organizationId,
          client_id: null,
          platform: 'gohighlevel',
          name: 'CRM',
          status: 'active',
          tokens_sealed: t.services.box.seal(JSON.stringify(tokens)),
          token_expires_at: null,
          settings: JSON.stringify({ locationId: 'loc_123' }),
          last_sync_at: null,
          last_error: null,
          created_by: owner.userId,
          created_at: now,
          updated_at: now,
        })
        .execute(),
    );
  });
  afterAll(() => t.close());

  const post = (body: string, key = privateKey) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/gohighlevel',
      headers: {
        'content-type': 'application/json',
        'x-ghl-signature': sign(null, Buffer.from(body), key).toString('base64'),
      },
      payload: body,
    });
  const runs = () =>
    t.storage.db
      .selectFrom('sync_runs')
      .select(['id', 'status'])
      .where('connection_id', '=', connectionId)
      .execute();

  it('a correctly signed webhook of a known location schedules one sync; a burst coalesces', async () => {
    const body = JSON.stringify({ type: 'ContactCreate', locationId: 'loc_123', id: 'c1' });
    const first = await post(body);
    expect(first.statusCode).toBe(202);
    expect(first.json()).toEqual({ accepted: true, syncScheduled: true });
    const second = await post(JSON.stringify({ type: 'ContactUpdate', locationId: 'loc_123', id: 'c1' }));
    expect(second.json().syncScheduled).toBe(false);
    expect(await runs()).toEqual([expect.objectContaining({ status: 'queued' })]);
  });

  it('rejects a forged, missing or tampered signature with 401 and schedules nothing', async () => {
    const before = (await runs()).length;
    const body = JSON.stringify({ type: 'ContactCreate', locationId: 'loc_123' });
    expect((await post(body, forged)).statusCode).toBe(401);
    const unsigned = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/gohighlevel',
      headers: { 'content-type': 'application/json' },
      payload: body,
    });
    expect(unsigned.statusCode).toBe(401);
    const sig = sign(null, Buffer.from(body), privateKey).toString('base64');
    const tampered = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/gohighlevel',
      headers: { 'content-type': 'application/json', 'x-ghl-signature': sig },
      payload: body.replace('loc_123', 'loc_999'),
    });
    expect(tampered.statusCode).toBe(401);
    expect(unsigned.json().error.code).toBe('unauthenticated');
    expect((await runs()).length).toBe(before);
  });

  it('accepts but ignores a location no organization has connected', async () => {
    const res = await post(JSON.stringify({ type: 'ContactCreate', locationId: 'loc_unknown' }));
    expect(res.statusCode).toBe(202);
    expect(res.json().syncScheduled).toBe(false);
  });
});
