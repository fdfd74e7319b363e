import { describe, expect, it } from 'vitest';
import {
  apiCalls,
  collect,
  contextFor,
  range,
  sortRows,
  withFake,
} from '../../../../test/fakes/meta/context.ts';
import { createMetaConnector, META_API_VERSION, meta } from './index.ts';
import { INSIGHTS_FIELDS } from './insights.ts';

describe('meta insights: async report runs', () => {
  it('runs an async report for ranges past the sync limit: submit, poll until 100 %, then page the results', async () => {
    await withFake({ runningPolls: 3 }, async (fake, sc) => {
      const connector = createMetaConnector({ syncMaxDays: 5 });
      const sleeps: number[] = [];
      const ctx = contextFor(fake, { sleep: async (ms) => void sleeps.push(ms) });
      const rows = await collect(connector.ads!.fetchDailyMetrics(ctx, sc.account.externalId, range));
      expect(sortRows(rows)).toEqual(sortRows(sc.metrics));
      const calls = apiCalls(fake);
      expect(calls[0]).toMatchObject({
        method: 'POST',
        path: `/${META_API_VERSION}/act_1234567890/insights`,
      });
      expect(calls[0]!.body).toMatchObject({
        level: 'ad',
        time_increment: '1',
        fields: INSIGHTS_FIELDS,
        access_token: fake.accessToken,
      });
      expect(calls[0]!.query.get('access_token')).toBeNull();
      const polls = calls.filter((c) => c.path === `/${META_API_VERSION}/6200000000000001`);
      expect(polls).toHaveLength(4);
      expect(sleeps).toEqual([2000, 4000, 8000]);
      expect(calls.filter((c) => c.path.endsWith('6200000000000001/insights'))).toHaveLength(
        Math.ceil(120 / sc.pageSize),
      );
    });
  });

  it('falls back to an async report when the sync call says to reduce the amount of data', async () => {
    await withFake({ syncRowLimit: 50 }, async (fake, sc) => {
      const rows = await collect(meta.ads!.fetchDailyMetrics(contextFor(fake), sc.account.externalId, range));
      expect(sortRows(rows)).toEqual(sortRows(sc.metrics));
      expect(apiCalls(fake)[0]!.method).toBe('GET');
      expect(apiCalls(fake)[1]!.method).toBe('POST');
      expect(fake.reportRuns()).toBe(1);
    });
  });

  it('resubmits a failed report run, then splits the range when runs keep failing', async () => {
    await withFake({ failRuns: 1 }, async (fake, sc) => {
      const connector = createMetaConnector({ syncMaxDays: 0 });
      const rows = await collect(
        connector.ads!.fetchDailyMetrics(contextFor(fake), sc.account.externalId, range),
      );
      expect(sortRows(rows)).toEqual(sortRows(sc.metrics));
      expect(fake.reportRuns()).toBe(2);
    });
    await withFake({ failRuns: 2 }, async (fake, sc) => {
      const connector = createMetaConnector({ syncMaxDays: 0 });
      const rows = await collect(
        connector.ads!.fetchDailyMetrics(contextFor(fake), sc.account.externalId, range),
      );
      expect(sortRows(rows)).toEqual(sortRows(sc.metrics));
      const posts = apiCalls(fake).filter((c) => c.method === 'POST');
      expect(posts.map((p) => (p.body as Record<string, string>).time_range)).toEqual([
        '{"since":"2026-11-01","until":"2026-11-10"}',
        '{"since":"2026-11-01","until":"2026-11-10"}',
        '{"since":"2026-11-01","until":"2026-11-05"}',
        '{"since":"2026-11-06","until":"2026-11-10"}',
      ]);
    });
  });
});
