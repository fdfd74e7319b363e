import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { cronKey, nextTick } from './cron.ts';
import { backoffDelayMs, defineJob, parsePayload } from './queue.port.ts';

describe('job catalog', () => {
  it('defineJob fills defaults and keeps the definition frozen', () => {
    const def = defineJob({ name: 'connectors.sync', payload: z.object({ id: z.string() }) });
    expect(def).toMatchObject({
      name: 'connectors.sync',
      retries: 3,
      backoff: { type: 'exponential', delayMs: 1_000 },
      timeoutMs: 60_000,
    });
    expect(Object.isFrozen(def)).toBe(true);
  });

  it('defineJob rejects names that are not area.verb and impossible settings', () => {
    const payload = z.object({});
    expect(() => defineJob({ name: 'sync', payload })).toThrow(/area\.verb/);
    expect(() => defineJob({ name: 'Connectors.sync', payload })).toThrow(/area\.verb/);
    expect(() => defineJob({ name: 'a.b', payload, retries: -1 })).toThrow(/retries/);
    expect(() => defineJob({ name: 'a.b', payload, timeoutMs: 0 })).toThrow(/timeoutMs/);
  });

  it('parsePayload applies defaults and reports bad input as invalid_input with the issues', () => {
    const def = defineJob({
      name: 'a.b',
      payload: z.object({ n: z.number(), tag: z.string().default('x') }),
    });
    expect(parsePayload(def, { n: 1 })).toEqual({ n: 1, tag: 'x' });
    expect(() => parsePayload(def, { n: 'one' })).toThrow(expect.objectContaining({ code: 'invalid_input' }));
  });

  it('backoff doubles from delayMs when exponential and stays put when fixed', () => {
    const exp = { type: 'exponential', delayMs: 100 } as const;
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(exp, n))).toEqual([100, 200, 400, 800]);
    expect([1, 2, 3].map((n) => backoffDelayMs({ type: 'fixed', delayMs: 50 }, n))).toEqual([50, 50, 50]);
  });
});

describe('cron ticks', () => {
  it('the next tick is strictly after the given time, in UTC unless a zone is given', () => {
    const at = new Date('2026-03-01T10:15:00.000Z');
    expect(nextTick('*/15 * * * *', at).toISOString()).toBe('2026-03-01T10:30:00.000Z');
    expect(nextTick('0 9 * * *', at).toISOString()).toBe('2026-03-02T09:00:00.000Z');
    expect(nextTick('0 9 * * *', at, 'Europe/Paris').toISOString()).toBe('2026-03-02T08:00:00.000Z');
    expect(nextTick('*/10 * * * * *', new Date('2026-03-01T10:15:03.500Z')).toISOString()).toBe(
      '2026-03-01T10:15:10.000Z',
    );
  });

  it('one idempotency key per job name and tick', () => {
    expect(cronKey('reports.send', new Date('2026-03-01T09:00:00Z'))).toBe(
      'cron:reports.send:2026-03-01T09:00:00.000Z',
    );
  });
});
