import { describe, expect, it } from 'vitest';
import type { VendorResponse } from '../vendor-http.ts';
import { classifyMeta, isTooMuchData, metaRetryAfterMs, metaUsagePct } from './client.ts';
import {
  budgetToMicros,
  dateInZone,
  microsToBudget,
  toAccount,
  toCreative,
  toDailyMetric,
} from './mapping.ts';

const res = (status: number, body: unknown, headers: Record<string, string> = {}): VendorResponse => ({
  status,
  headers: new Headers(headers),
  body,
  text: body === undefined ? '<html>oops</html>' : JSON.stringify(body),
});
const graphError = (code: number, error_subcode?: number) => ({
  error: {
    message: 'x',
    type: 'OAuthException',
    code,
    ...(error_subcode ? { error_subcode } : {}),
    fbtrace_id: 'A',
  },
});

describe('meta error classification', () => {
  it.each([
    [400, 4, undefined, 'rate_limited'],
    [400, 17, 2446079, 'rate_limited'],
    [400, 32, undefined, 'rate_limited'],
    [400, 613, 1487742, 'rate_limited'],
    [400, 80000, 2446079, 'rate_limited'],
    [400, 80014, undefined, 'rate_limited'],
    [400, 190, 463, 'auth'],
    [400, 190, 467, 'auth'],
    [400, 104, undefined, 'auth'],
    [403, 200, undefined, 'auth'],
    [403, 10, undefined, 'auth'],
    [500, 1, undefined, 'transient'],
    [503, 2, undefined, 'transient'],
    [400, 2, 1504043, 'transient'],
    [400, 100, undefined, 'invalid'],
    [400, 100, 33, 'invalid'],
    [400, 2635, undefined, 'invalid'],
  ])('HTTP %i with code %i/%s is %s (classified by code, not status)', (status, code, sub, kind) => {
    expect(classifyMeta(res(status, graphError(code, sub)))?.kind).toBe(kind);
  });

  it('marks "reduce the amount of data" and insights time-outs so the reader can switch to async', () => {
    for (const [code, sub] of [
      [100, 1487534],
      [1, 99],
      [2, 1504038],
      [100, 1504018],
    ] as const) {
      const e = classifyMeta(res(400, graphError(code, sub)));
      expect(e?.kind).toBe('invalid');
      expect(isTooMuchData(e)).toBe(true);
    }
    expect(isTooMuchData(classifyMeta(res(400, graphError(100))))).toBe(false);
  });

  it('turns HTML errors, 429 and unparseable 200s into the right kinds, and passes real answers', () => {
    expect(classifyMeta(res(502, undefined))?.kind).toBe('transient');
    expect(classifyMeta(res(200, undefined))?.kind).toBe('transient');
    expect(classifyMeta(res(200, [1, 2]))?.kind).toBe('transient');
    expect(classifyMeta(res(429, undefined, { 'retry-after': '7' }))).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 7000,
    });
    expect(classifyMeta(res(200, { data: [] }))).toBeUndefined();
    expect(classifyMeta(res(200, { success: true }))).toBeUndefined();
  });

  it('uses the fallback wait only when Meta gives no estimate', () => {
    expect(classifyMeta(res(400, graphError(17)), 1234)?.retryAfterMs).toBe(1234);
    expect(classifyMeta(res(400, graphError(17)))?.retryAfterMs).toBeUndefined();
    const buc = {
      'x-business-use-case-usage':
        '{"1":[{"type":"ads_insights","call_count":100,"estimated_time_to_regain_access":2}]}',
    };
    expect(classifyMeta(res(400, graphError(80000), buc), 1234)?.retryAfterMs).toBe(120_000);
  });
});

describe('meta usage headers', () => {
  it('reports the highest percentage across app, ad account, BUC and insights headers', () => {
    const h = new Headers({
      'x-app-usage': '{"call_count":28,"total_cputime":25,"total_time":25}',
      'x-ad-account-usage':
        '{"acc_id_util_pct":9.67,"reset_time_duration":100,"ads_api_access_tier":"limited_access"}',
      'x-business-use-case-usage':
        '{"123":[{"type":"ads_insights","call_count":95,"total_cputime":20,"total_time":20,"estimated_time_to_regain_access":0}],"456":[{"type":"ads_management","call_count":3}]}',
      'x-fb-ads-insights-throttle': '{"app_id_util_pct":71,"acc_id_util_pct":9}',
    });
    expect(metaUsagePct(h)).toBe(95);
    expect(metaRetryAfterMs(h)).toBeUndefined();
  });

  it('ignores malformed or absent headers', () => {
    expect(
      metaUsagePct(new Headers({ 'x-app-usage': 'not json', 'x-business-use-case-usage': '[]' })),
    ).toBeUndefined();
    expect(metaUsagePct(new Headers())).toBeUndefined();
  });

  it('reads the wait from the BUC minutes, or the ad-account reset seconds once it is at 100 %', () => {
    expect(
      metaRetryAfterMs(
        new Headers({ 'x-ad-account-usage': '{"acc_id_util_pct":100,"reset_time_duration":45}' }),
      ),
    ).toBe(45_000);
    expect(
      metaRetryAfterMs(
        new Headers({ 'x-ad-account-usage': '{"acc_id_util_pct":60,"reset_time_duration":45}' }),
      ),
    ).toBeUndefined();
    expect(
      metaRetryAfterMs(
        new Headers({
          'x-business-use-case-usage':
            '{"1":[{"estimated_time_to_regain_access":1},{"estimated_time_to_regain_access":7}]}',
        }),
      ),
    ).toBe(420_000);
  });
});

describe('meta insights rows', () => {
  const base = {
    ad_id: '6001',
    date_start: '2026-11-03',
    date_stop: '2026-11-03',
    impressions: '10452',
    clicks: '213',
    spend: '187.42',
  };

  it('counts each conversion once although Meta repeats it under pixel, omni and web action types', () => {
    const row = toDailyMetric({
      ...base,
      actions: [
        { action_type: 'link_click', value: '198' },
        { action_type: 'offsite_conversion.fb_pixel_purchase', value: '4', '7d_click': '4', '1d_view': '0' },
        { action_type: 'purchase', value: '4' },
        { action_type: 'omni_purchase', value: '4' },
        { action_type: 'onsite_web_purchase', value: '4' },
        { action_type: 'lead', value: '2' },
        { action_type: 'offsite_conversion.fb_pixel_lead', value: '2' },
      ],
      action_values: [
        { action_type: 'offsite_conversion.fb_pixel_purchase', value: '356.00' },
        { action_type: 'omni_purchase', value: '356.00' },
        { action_type: 'lead', value: '0.1' },
      ],
    });
    expect(row).toMatchObject({ impressions: 10452, clicks: 213, spendMicros: 187_420_000, conversions: 6 });
    expect(row.conversionValueMicros).toBe(356_100_000);
  });

  it('sums website and instant-form leads when the aggregate lead type is absent', () => {
    const row = toDailyMetric({
      ...base,
      actions: [
        { action_type: 'offsite_conversion.fb_pixel_lead', value: '3' },
        { action_type: 'onsite_conversion.lead_grouped', value: '5' },
      ],
    });
    expect(row.conversions).toBe(8);
    expect(row.conversionValueMicros).toBe(0);
  });

  it('keeps missing reach and frequency as null, and missing action arrays as zero', () => {
    const row = toDailyMetric({ ...base, spend: '0' });
    expect(row).toEqual({
      adExternalId: '6001',
      date: '2026-11-03',
      impressions: 10452,
      clicks: 213,
      spendMicros: 0,
      conversions: 0,
      conversionValueMicros: 0,
      reach: null,
      frequency: null,
      videoViews: 0,
    });
    const video = toDailyMetric({
      ...base,
      reach: '8120',
      frequency: '1.287192',
      video_play_actions: [{ action_type: 'video_view', value: '3051' }],
    });
    expect(video).toMatchObject({ reach: 8120, frequency: 1.287192, videoViews: 3051 });
  });

  it('converts spend to micros exactly and rejects rows it cannot trust', () => {
    expect(toDailyMetric({ ...base, spend: '0.29' }).spendMicros).toBe(290_000);
    expect(toDailyMetric({ ...base, spend: '1234567.891234' }).spendMicros).toBe(1_234_567_891_234);
    expect(() => toDailyMetric({ ...base, impressions: 'lots' })).toThrow(
      expect.objectContaining({ kind: 'transient' }),
    );
    expect(() => toDailyMetric({ ...base, date_start: undefined })).toThrow(
      expect.objectContaining({ kind: 'transient' }),
    );
  });
});

describe('meta objects', () => {
  it('converts budgets with the currency offset (USD cents, JPY whole yen) and treats "0" as no budget', () => {
    expect(budgetToMicros('5000', 'USD')).toBe(50_000_000);
    expect(budgetToMicros('5000', 'JPY')).toBe(5_000_000_000);
    expect(budgetToMicros('0', 'USD')).toBeNull();
    expect(budgetToMicros(undefined, 'USD')).toBeNull();
    expect(microsToBudget(75_000_000, 'USD')).toBe('7500');
    expect(microsToBudget(75_000_000, 'KRW')).toBe('75');
    expect(() => microsToBudget(75_005_000, 'USD')).toThrow(expect.objectContaining({ kind: 'invalid' }));
  });

  it("dates a campaign's start in the account's time zone", () => {
    expect(dateInZone('2026-11-01T23:30:00-0800', 'America/New_York')).toBe('2026-11-02');
    expect(dateInZone('2026-11-01T23:30:00-0800', 'America/Los_Angeles')).toBe('2026-11-01');
    expect(dateInZone(undefined, 'UTC')).toBeNull();
  });

  it('maps accounts without the act_ prefix and closed accounts as removed', () => {
    expect(
      toAccount({
        id: 'act_42',
        name: 'A',
        currency: 'EUR',
        timezone_name: 'Europe/Berlin',
        account_status: 101,
      }),
    ).toEqual({
      externalId: '42',
      name: 'A',
      currency: 'EUR',
      timeZone: 'Europe/Berlin',
      status: 'removed',
    });
  });

  it('recognises carousels from object_story_spec child attachments', () => {
    const c = toCreative({
      id: '77',
      object_story_spec: {
        link_data: {
          message: 'Three smiles',
          link: 'https://acme.example.com',
          call_to_action: { type: 'BOOK_NOW' },
          child_attachments: [
            { name: 'One', picture: 'https://cdn.example.com/1.jpg', link: 'https://acme.example.com/1' },
            { name: 'Two', picture: 'https://cdn.example.com/2.jpg', link: 'https://acme.example.com/2' },
          ],
        },
      },
    });
    expect(c).toEqual({
      externalId: '77',
      format: 'carousel',
      headline: 'One',
      body: 'Three smiles',
      callToAction: 'BOOK_NOW',
      mediaUrl: 'https://cdn.example.com/1.jpg',
      landingUrl: 'https://acme.example.com',
    });
    expect(toCreative(undefined)).toMatchObject({ externalId: null, format: 'other', headline: null });
  });
});
