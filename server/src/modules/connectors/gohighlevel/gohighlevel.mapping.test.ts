import { describe, expect, it } from 'vitest';
import type { VendorResponse } from '../vendor-http.ts';
import { classifyGhl, usageFromHeaders } from './client.ts';
import {
  attributionOf,
  toContactRecord,
  toOpportunityRecord,
  toPipelineRecord,
  vendorMessage,
} from './mapping.ts';

const res = (status: number, body: unknown, headers: Record<string, string> = {}): VendorResponse => ({
  status,
  headers: new Headers(headers),
  body,
  text: body === undefined ? '' : JSON.stringify(body),
});

describe('gohighlevel contact mapping', () => {
  it('maps a bare contact: missing names, email, tags and attribution become nulls and []', () => {
    expect(toContactRecord({ id: 'c1', dateAdded: '2026-11-02T09:00:00Z', email: '  ', tags: null })).toEqual(
      {
        externalId: 'c1',
        email: null,
        phone: null,
        firstName: null,
        lastName: null,
        source: null,
        tags: [],
        createdAt: '2026-11-02T09:00:00.000Z',
        updatedAt: '2026-11-02T09:00:00.000Z',
        attribution: {
          gclid: null,
          fbclid: null,
          liFatId: null,
          utmSource: null,
          utmMedium: null,
          utmCampaign: null,
          utmContent: null,
          utmTerm: null,
        },
      },
    );
  });

  it('reads the get-contact shape: click ids and utm_term from the landing URL, fbclid from the latest touch', () => {
    const a = attributionOf({
      id: 'c2',
      attributionSource: {
        url: 'https://acme.example.com/lp?gclid=Cj0abc&utm_term=implants%20cost&li_fat_id=li-9',
        utmSource: 'google',
        utmMedium: 'cpc',
        campaign: 'Spring',
      },
      lastAttributionSource: { url: 'Trigger Link', fbclid: 'IwAR-last', utmSource: 'facebook' },
    });
    expect(a).toEqual({
      gclid: 'Cj0abc',
      fbclid: 'IwAR-last',
      liFatId: 'li-9',
      utmSource: 'google',
      utmMedium: 'cpc',
      utmCampaign: 'Spring',
      utmContent: null,
      utmTerm: 'implants cost',
    });
  });

  it('takes UTMs from the latest touch when the first carries nothing, never mixing sessions', () => {
    const a = attributionOf({
      id: 'c3',
      attributions: [
        { isFirst: true, url: '' },
        { isLast: true, utmSource: 'bing', utmMedium: 'cpc', utmKeyword: 'braces', pageUrl: 'not a url' },
      ],
    });
    expect(a).toMatchObject({ utmSource: 'bing', utmMedium: 'cpc', utmTerm: 'braces', gclid: null });
  });

  it('uses dateUpdated and normalises timestamps without milliseconds', () => {
    const c = toContactRecord({
      id: 'c4',
      dateAdded: '2026-11-02T09:00:00+01:00',
      dateUpdated: '2026-11-03T10:00:00Z',
    });
    expect(c.createdAt).toBe('2026-11-02T08:00:00.000Z');
    expect(c.updatedAt).toBe('2026-11-03T10:00:00.000Z');
  });
});

describe('gohighlevel opportunity and pipeline mapping', () => {
  const base = { id: 'o1', pipelineId: 'p1', pipelineStageId: 's1', createdAt: '2026-11-01T00:00:00.000Z' };

  it('turns monetaryValue into exact micros whatever its form', () => {
    expect(toOpportunityRecord({ ...base, monetaryValue: 1234.56 }).valueMicros).toBe(1_234_560_000);
    expect(toOpportunityRecord({ ...base, monetaryValue: '99.99' }).valueMicros).toBe(99_990_000);
    expect(toOpportunityRecord({ ...base, monetaryValue: 0.1 + 0.2 }).valueMicros).toBe(300_000);
    expect(toOpportunityRecord({ ...base, monetaryValue: null }).valueMicros).toBe(0);
    expect(toOpportunityRecord(base).valueMicros).toBe(0);
  });

  it('dates won and lost from the last status change, falling back to updatedAt', () => {
    const won = toOpportunityRecord({
      ...base,
      status: 'won',
      lastStatusChangeAt: '2026-11-20T14:05:00.000Z',
      updatedAt: '2026-11-21T00:00:00.000Z',
    });
    expect(won).toMatchObject({ wonAt: '2026-11-20T14:05:00.000Z', lostAt: null, currency: null });
    const lost = toOpportunityRecord({ ...base, status: 'lost', updatedAt: '2026-11-22T00:00:00.000Z' });
    expect(lost).toMatchObject({ wonAt: null, lostAt: '2026-11-22T00:00:00.000Z' });
    const abandoned = toOpportunityRecord({
      ...base,
      status: 'abandoned',
      lastStatusChangeAt: '2026-11-23T00:00:00Z',
    });
    expect(abandoned).toMatchObject({ status: 'abandoned', wonAt: null, lostAt: null });
    expect(toOpportunityRecord({ ...base, status: 'weird' }).status).toBe('open');
  });

  it('finds the contact in the embedded contact when contactId is missing', () => {
    expect(toOpportunityRecord({ ...base, contact: { id: 'ct9' } }).contactExternalId).toBe('ct9');
    expect(toOpportunityRecord(base).contactExternalId).toBeNull();
  });

  it('orders stages by position and numbers them when GHL omits it', () => {
    expect(
      toPipelineRecord({
        id: 'p',
        name: 'Sales',
        stages: [
          { id: 'b', name: 'Won', position: 2 },
          { id: 'a', name: 'New', position: 0 },
        ],
      }).stages.map((s) => s.externalId),
    ).toEqual(['a', 'b']);
    expect(toPipelineRecord({ id: 'q', stages: [{ id: 'x' }, { id: 'y', name: 'Y' }] })).toEqual({
      externalId: 'q',
      name: 'q',
      stages: [
        { externalId: 'x', name: 'x', position: 0 },
        { externalId: 'y', name: 'Y', position: 1 },
      ],
    });
  });
});

describe('gohighlevel error classification', () => {
  it('maps each documented failure to its kind', () => {
    expect(classifyGhl(res(401, { statusCode: 401, message: 'Invalid JWT' }))).toMatchObject({
      kind: 'auth',
    });
    expect(
      classifyGhl(res(401, { statusCode: 401, message: 'The token is not authorized for this scope.' })),
    ).toMatchObject({ kind: 'auth' });
    expect(classifyGhl(res(401, { statusCode: 401, message: 'version header is invalid' }))).toMatchObject({
      kind: 'invalid',
    });
    expect(classifyGhl(res(403, { statusCode: 403, message: 'no access' }))).toMatchObject({ kind: 'auth' });
    expect(classifyGhl(res(404, { statusCode: 404, message: 'Not Found' }))).toMatchObject({
      kind: 'invalid',
    });
    const unprocessable = classifyGhl(
      res(422, {
        statusCode: 422,
        message: ['email must be an email', 'phone is bad'],
        error: 'Unprocessable Entity',
      }),
    );
    expect(unprocessable).toMatchObject({ kind: 'invalid', status: 422 });
    expect(unprocessable?.message).toContain('email must be an email; phone is bad');
    expect(classifyGhl(res(503, undefined))).toMatchObject({ kind: 'transient' });
    expect(classifyGhl(res(429, { statusCode: 429 }, { 'retry-after': '2' }))).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 2000,
    });
    expect(classifyGhl(res(429, {}, { 'x-ratelimit-interval-milliseconds': '10000' }))).toMatchObject({
      retryAfterMs: 10_000,
    });
    expect(
      classifyGhl({ status: 200, headers: new Headers(), body: undefined, text: '{"contacts":[' }),
    ).toMatchObject({
      kind: 'transient',
    });
    expect(classifyGhl(res(200, { ok: true }))).toBeUndefined();
  });

  it('throws rather than retries when the daily quota is spent, estimating the reset at UTC midnight', () => {
    const now = Date.UTC(2026, 10, 26, 22, 0, 0);
    expect(() => classifyGhl(res(429, {}, { 'x-ratelimit-daily-remaining': '0' }), { now })).toThrowError(
      expect.objectContaining({ kind: 'rate_limited', retryAfterMs: 2 * 3600_000 }),
    );
  });

  it('reads daily usage from the headers and reports a spent burst window', () => {
    expect(
      usageFromHeaders(
        new Headers({ 'x-ratelimit-limit-daily': '200000', 'x-ratelimit-daily-remaining': '20000' }),
      ),
    ).toBe(90);
    expect(usageFromHeaders(new Headers())).toBeUndefined();
    const waits: number[] = [];
    classifyGhl(
      res(200, {}, { 'x-ratelimit-remaining': '0', 'x-ratelimit-interval-milliseconds': '10000' }),
      {
        onBurstSpent: (ms) => waits.push(ms),
      },
    );
    classifyGhl(res(200, {}, { 'x-ratelimit-remaining': '4' }), { onBurstSpent: (ms) => waits.push(ms) });
    expect(waits).toEqual([10_000]);
  });

  it('extracts the message from every error body shape', () => {
    expect(vendorMessage({ message: ['a', 'b'] })).toBe('a; b');
    expect(vendorMessage({ error: 'invalid_grant', error_description: 'Invalid grant' })).toBe(
      'Invalid grant',
    );
    expect(vendorMessage('x')).toBeNull();
  });
});
