import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp, uniqueEmail } from '../../../test/helpers/app.ts';
import { testDialect } from '../../storage/testing.ts';
import { MAX_LOGO_BYTES } from './logo.ts';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const svg = (inner: string) =>
  Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">${inner}</svg>`).toString(
    'base64',
  );

describe(`portal branding on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let clientId: string;
  let slug: string;

  const put = (url: string, payload: unknown, who: Pick<Signed, 'headers'> = owner) =>
    t.app.inject({ method: 'PUT', url, headers: who.headers, payload: payload as Record<string, unknown> });

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'brand-owner', 'Brand Agency');
    const c = await t.app.inject({
      method: 'POST',
      url: '/api/v1/clients',
      headers: owner.headers,
      payload: { name: 'Brand Client', email: uniqueEmail('bc') },
    });
    clientId = c.json().id;
    slug = c.json().portalSlug;
  });
  afterAll(() => t.close());

  it('refuses bad colours, logos and fields with 400 and writes nothing', async () => {
    const cases: Array<[string, unknown]> = [
      ['a colour that is not hex', { primaryColor: 'blue' }],
      ['a hex colour of 5 digits', { accentColor: '#12345' }],
      ['a javascript: logo URL', { logoUrl: 'javascript:alert(1)' }],
      ['a data: logo URL', { logoUrl: 'data:image/png;base64,AAAA' }],
      ['a GIF', { logoUpload: { contentType: 'image/gif', dataBase64: PNG.toString('base64') } }],
      [
        'a PNG that is a JPEG',
        { logoUpload: { contentType: 'image/jpeg', dataBase64: PNG.toString('base64') } },
      ],
      [
        'text declared as PNG',
        { logoUpload: { contentType: 'image/png', dataBase64: Buffer.from('hello').toString('base64') } },
      ],
      ['not base64', { logoUpload: { contentType: 'image/png', dataBase64: '@@@@' } }],
      [
        'an SVG with a script',
        { logoUpload: { contentType: 'image/svg+xml', dataBase64: svg('<script>alert(1)</script>') } },
      ],
      [
        'an SVG with onload',
        { logoUpload: { contentType: 'image/svg+xml', dataBase64: svg('<rect onload="x()"/>') } },
      ],
      [
        'an SVG linking out',
        {
          logoUpload: {
            contentType: 'image/svg+xml',
            dataBase64: svg('<image href="https://evil.example/x.png"/>'),
          },
        },
      ],
      [
        'an SVG with foreignObject',
        {
          logoUpload: {
            contentType: 'image/svg+xml',
            dataBase64: svg('<foreignObject><div/></foreignObject>'),
          },
        },
      ],
      [
        'an SVG with an entity',
        {
          logoUpload: {
            contentType: 'image/svg+xml',
            dataBase64: Buffer.from('<!DOCTYPE svg [<!ENTITY x "y">]><svg></svg>').toString('base64'),
          },
        },
      ],
      [
        'both a URL and an upload',
        {
          logoUrl: 'https://cdn.example.com/a.png',
          logoUpload: { contentType: 'image/png', dataBase64: PNG.toString('base64') },
        },
      ],
      ['a bad support email', { supportEmail: 'not-an-email' }],
      ['an empty body', {}],
    ];
    const before = await t.storage.db.selectFrom('portal_branding').selectAll().execute();
    // Every refusal, by the route's schema or by the checks of the logo and fields after it, has the
    // shape of every other 400: details.issues naming where in the body, the message starting there.
    const issueOf = (res: { json(): { error: { message: string; details: { issues: Issue[] } } } }) => {
      const { message, details } = res.json().error;
      expect(details.issues.length).toBeGreaterThan(0);
      const first = details.issues[0] as Issue;
      expect(message.startsWith(`${first.location}: `)).toBe(true);
      expect(first.location).toBe(['body', ...first.path].join('.'));
      return first;
    };
    type Issue = { location: string; path: Array<string | number>; code: string; message: string } & Record<
      string,
      unknown
    >;
    const at: Record<string, string> = {};
    for (const [label, body] of cases) {
      const res = await put('/api/v1/branding', body);
      expect(res.statusCode, label).toBe(400);
      expect(res.json().error.code, label).toBe('invalid_input');
      at[label] = issueOf(res).location;
    }
    expect(at).toMatchObject({
      'a PNG that is a JPEG': 'body.logoUpload',
      'text declared as PNG': 'body.logoUpload',
      'not base64': 'body.logoUpload.dataBase64',
      'an SVG with a script': 'body.logoUpload',
      'both a URL and an upload': 'body.logoUpload',
    });
    const unsafe = await put('/api/v1/branding', {
      logoUpload: { contentType: 'image/svg+xml', dataBase64: svg('<script>alert(1)</script>') },
    });
    expect(issueOf(unsafe)).toMatchObject({
      path: ['logoUpload'],
      code: 'invalid_value',
      reason: 'unsafe_svg',
    });
    expect(unsafe.json().error.details).toMatchObject({ field: 'logoUpload', reason: 'unsafe_svg' });
    const tooBig = Buffer.concat([PNG, Buffer.alloc(MAX_LOGO_BYTES)]);
    const big = await put('/api/v1/branding', {
      logoUpload: { contentType: 'image/png', dataBase64: tooBig.toString('base64') },
    });
    expect(big.statusCode).toBe(400);
    expect(big.json().error.details.limitBytes).toBe(MAX_LOGO_BYTES);
    expect(issueOf(big)).toMatchObject({
      location: 'body.logoUpload.dataBase64',
      path: ['logoUpload', 'dataBase64'],
      code: 'too_big',
      maximum: MAX_LOGO_BYTES,
    });
    const domainOnClient = await put(`/api/v1/clients/${clientId}/branding`, {
      portalDomain: 'portal.brand.example',
    });
    expect(domainOnClient.statusCode).toBe(400);
    expect(issueOf(domainOnClient)).toMatchObject({ path: ['portalDomain'], code: 'invalid_value' });
    expect(await t.storage.db.selectFrom('portal_branding').selectAll().execute()).toEqual(before);
  });

  it('stores a checked logo, normalises colours, audits without the image bytes', async () => {
    const res = await put('/api/v1/branding', {
      agencyName: 'Brand & Co',
      primaryColor: '#ABC',
      logoUpload: { contentType: 'image/png', dataBase64: PNG.toString('base64') },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      scope: 'organization',
      agencyName: 'Brand & Co',
      primaryColor: '#aabbcc',
      logoSource: 'upload',
      logoUrl: `data:image/png;base64,${PNG.toString('base64')}`,
    });
    const safeSvg = svg('<circle cx="5" cy="5" r="4" fill="#123456"/>');
    const svgRes = await put(`/api/v1/clients/${clientId}/branding`, {
      logoUpload: { contentType: 'image/svg+xml', dataBase64: safeSvg },
    });
    expect(svgRes.statusCode).toBe(200);
    expect(svgRes.json().logoSource).toBe('upload');
    // A URL replaces the upload; null clears a field so that it inherits again.
    const url = await put('/api/v1/branding', {
      logoUrl: 'https://cdn.example.com/brand.png',
      primaryColor: null,
    });
    expect(url.json()).toMatchObject({
      logoSource: 'url',
      logoUrl: 'https://cdn.example.com/brand.png',
      primaryColor: null,
      agencyName: 'Brand & Co',
    });
    const audit = await t.app.inject({
      method: 'GET',
      url: '/api/v1/audit?action=branding.updated',
      headers: owner.headers,
    });
    const entries = audit.json().items;
    expect(entries.length).toBe(3);
    expect(JSON.stringify(entries)).not.toContain(PNG.toString('base64').slice(0, 40));
    expect(entries.some((e: { target: { type: string } }) => e.target.type === 'client')).toBe(true);
  });

  it('the login page gets branding by slug or by custom domain before sign-in; unknown is 404', async () => {
    const bySlug = await t.app.inject({ method: 'GET', url: `/api/v1/portal/branding?slug=${slug}` });
    expect(bySlug.statusCode).toBe(200);
    expect(bySlug.json()).toMatchObject({
      slug,
      clientName: 'Brand Client',
      branding: { agencyName: 'Brand & Co' },
    });
    expect(bySlug.json().branding.logoUrl).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/portal/branding?slug=no-such-portal' })).statusCode,
    ).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/portal/branding' })).statusCode).toBe(404);
    expect((await put('/api/v1/branding', { portalDomain: 'Portal.Brand.Example' })).statusCode).toBe(200);
    const byHost = await t.app.inject({
      method: 'GET',
      url: '/api/v1/portal/branding',
      headers: { host: 'portal.brand.example' },
    });
    expect(byHost.statusCode).toBe(200);
    expect(byHost.json()).toMatchObject({ slug: null, branding: { agencyName: 'Brand & Co' } });
    const rival = await signUp(t.app, 'rival');
    const taken = await put('/api/v1/branding', { portalDomain: 'portal.brand.example' }, rival);
    expect(taken.statusCode).toBe(409);
  });

  it('a viewer may read the branding but not change it; another organization gets 404 on the client', async () => {
    const invite = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations',
      headers: owner.headers,
      payload: { email: uniqueEmail('viewer'), role: 'viewer' },
    });
    const joined = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: {
        email: invite.json().email,
        password: 'viewer password',
        name: 'V',
        invitationToken: invite.json().token,
      },
    });
    const viewer = { headers: { authorization: `Bearer ${joined.json().tokens.accessToken}` } };
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/branding', headers: viewer.headers })).statusCode,
    ).toBe(200);
    expect((await put('/api/v1/branding', { agencyName: 'Viewer Co' }, viewer)).statusCode).toBe(403);
    expect(
      (await put(`/api/v1/clients/${clientId}/branding`, { agencyName: 'Viewer Co' }, viewer)).statusCode,
    ).toBe(403);
    const stranger = await signUp(t.app, 'brand-stranger');
    expect(
      (await put(`/api/v1/clients/${clientId}/branding`, { agencyName: 'X' }, stranger)).statusCode,
    ).toBe(404);
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: `/api/v1/clients/${clientId}/branding`,
          headers: stranger.headers,
        })
      ).statusCode,
    ).toBe(404);
  });
});
