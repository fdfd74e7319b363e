import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { VendorSettings } from '../connector.port.ts';
import { makeCrmScenario } from './crm.contract.ts';
import { startGhl, testApp } from './gohighlevel.harness.ts';
import { GHL_WEBHOOK_ED25519_PUBLIC_KEY, gohighlevel, isWebhookFresh, verifyGhlWebhook } from './index.ts';

const oauth = gohighlevel.oauth!;

describe('gohighlevel OAuth', () => {
  it('sends the user to the location chooser with the scopes it needs', () => {
    const url = new URL(oauth.authorizationUrl(testApp, gohighlevel.defaultSettings, { state: 's1' }));
    expect(`${url.origin}${url.pathname}`).toBe(
      'https://marketplace.gohighlevel.com/v2/oauth/chooselocation',
    );
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(
      expect.arrayContaining([
        'contacts.readonly',
        'contacts.write',
        'opportunities.readonly',
        'conversations/message.write',
      ]),
    );
    expect(oauth.supportsPkce).toBe(false);
  });

  it('exchanges a code for a location token, keeping locationId and companyId, then rotates on refresh', async () => {
    const sc = makeCrmScenario();
    const { ctx, fake } = await startGhl(sc);
    try {
      const t0 = Date.now();
      const tokens = await oauth.exchangeCode(testApp, ctx.settings, { code: 'good-code' }, { fetch });
      const call = fake.log.find((r) => r.path === '/oauth/token')!;
      expect(call.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(call.body).toEqual({
        client_id: 'client-123',
        client_secret: 'secret-456',
        redirect_uri: testApp.redirectUri,
        grant_type: 'authorization_code',
        code: 'good-code',
        user_type: 'Location',
      });
      expect(tokens.extra).toMatchObject({
        locationId: sc.accountExternalId,
        companyId: 'c9pQcompanyId0000001',
        userId: 'u7HkInstallerUser001',
        userType: 'Location',
      });
      expect(Date.parse(tokens.expiresAt!)).toBeGreaterThanOrEqual(t0 + 86_399_000);
      expect(tokens.scope).toContain('contacts.readonly');
      const refreshed = await oauth.refresh(testApp, ctx.settings, tokens, { fetch });
      expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
      expect(refreshed.extra.locationId).toBe(sc.accountExternalId);
      expect(fake.log.filter((r) => r.path === '/oauth/token').at(-1)?.body).toMatchObject({
        grant_type: 'refresh_token',
        refresh_token: tokens.refreshToken,
        user_type: 'Location',
      });
      // The old refresh token is spent: using it again means reconnecting.
      const reused = await oauth.refresh(testApp, ctx.settings, tokens, { fetch }).catch((e) => e);
      expect(reused).toMatchObject({ kind: 'auth', vendorCode: 'invalid_grant' });
      const wrongSecret = await oauth
        .exchangeCode({ ...testApp, clientSecret: 'nope' }, ctx.settings, { code: 'good-code' }, { fetch })
        .catch((e) => e);
      expect(wrongSecret).toMatchObject({ kind: 'auth', status: 401 });
      expect(fake.requests()).toBe(0);
    } finally {
      await fake.close();
    }
  });

  it('refuses an agency token, which cannot read a sub-account', async () => {
    const agency = async () =>
      new Response(
        JSON.stringify({ access_token: 'a', refresh_token: 'r', userType: 'Company', companyId: 'c' }),
        {
          headers: { 'content-type': 'application/json' },
        },
      );
    const err = await oauth
      .exchangeCode(testApp, gohighlevel.defaultSettings, { code: 'x' }, { fetch: agency as typeof fetch })
      .catch((e) => e);
    expect(err).toMatchObject({ kind: 'invalid' });
  });
});

describe('gohighlevel webhooks', () => {
  const body = Buffer.from(
    '{"type":"OpportunityStatusUpdate","locationId":"ve9EPM428h8vShlRW1KT","status":"won"}',
  );
  const ed = generateKeyPairSync('ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const edPem = ed.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const settings = (webhookPublicKey: string): VendorSettings => ({
    ...gohighlevel.defaultSettings,
    webhookPublicKey,
  });
  const edSig = (b: Buffer) => sign(null, b, ed.privateKey).toString('base64');
  const rsaSig = (b: Buffer) => sign('sha256', b, rsa.privateKey).toString('base64');

  it('verifies the Ed25519 X-GHL-Signature over the raw bytes, with a PEM or a bare base64 key', () => {
    const der = ed.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    expect(verifyGhlWebhook(body, { 'x-ghl-signature': edSig(body) }, settings(edPem))).toBe(true);
    expect(verifyGhlWebhook(body, { 'X-GHL-Signature': [edSig(body)] }, settings(der))).toBe(true);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 1));
    expect(verifyGhlWebhook(reserialised, { 'x-ghl-signature': edSig(body) }, settings(edPem))).toBe(false);
  });

  it('verifies the legacy RSA X-WH-Signature when only an RSA key is configured', () => {
    expect(verifyGhlWebhook(body, { 'x-wh-signature': rsaSig(body) }, settings(rsaPem))).toBe(true);
    const tampered = Buffer.from(body.toString().replace('won', 'lost'));
    expect(verifyGhlWebhook(tampered, { 'x-wh-signature': rsaSig(body) }, settings(rsaPem))).toBe(false);
  });

  it('prefers Ed25519 when both keys are configured and does not fall back from a bad one', () => {
    const both = settings(`${rsaPem}\n${edPem}`);
    const headers = { 'x-ghl-signature': edSig(body), 'x-wh-signature': rsaSig(body) };
    expect(verifyGhlWebhook(body, headers, both)).toBe(true);
    const forged = { 'x-ghl-signature': edSig(Buffer.from('other')), 'x-wh-signature': rsaSig(body) };
    expect(verifyGhlWebhook(body, forged, both)).toBe(false);
    expect(verifyGhlWebhook(body, { 'x-wh-signature': rsaSig(body) }, both)).toBe(true);
  });

  it('rejects missing, "N/A", garbage and unverifiable signatures without throwing', () => {
    expect(verifyGhlWebhook(body, {}, settings(edPem))).toBe(false);
    expect(verifyGhlWebhook(body, { 'x-ghl-signature': 'N/A' }, settings(edPem))).toBe(false);
    expect(verifyGhlWebhook(body, { 'x-ghl-signature': '%%%' }, settings(edPem))).toBe(false);
    expect(verifyGhlWebhook(body, { 'x-ghl-signature': edSig(body) }, settings('not a key'))).toBe(false);
    expect(verifyGhlWebhook(body, { 'x-ghl-signature': edSig(body) }, gohighlevel.defaultSettings)).toBe(
      false,
    );
    expect(gohighlevel.defaultSettings.webhookPublicKey).toBe(GHL_WEBHOOK_ED25519_PUBLIC_KEY);
  });

  it('flags stale or future timestamps for the receiving route', () => {
    const now = Date.parse('2026-11-20T14:10:00.000Z');
    expect(isWebhookFresh({ timestamp: '2026-11-20T14:06:00.000Z' }, now)).toBe(true);
    expect(isWebhookFresh({ timestamp: '2026-11-20T14:04:00.000Z' }, now)).toBe(false);
    expect(isWebhookFresh({ timestamp: '2026-11-20T14:20:00.000Z' }, now)).toBe(false);
    expect(isWebhookFresh({ timestamp: 'garbage' }, now)).toBe(false);
    expect(isWebhookFresh({ type: 'ContactCreate' }, now)).toBe(true);
  });
});
