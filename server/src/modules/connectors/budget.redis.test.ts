import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisBudget } from './budget.redis.ts';

const url = process.env.OMNIFY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('request budget shared through Redis', () => {
  const prefix = `omnify-test-${randomBytes(4).toString('hex')}`;
  // Two budgets on the same prefix stand for two processes.
  const a = createRedisBudget(url, { gohighlevel: { max: 3, windowMs: 400 } }, { prefix });
  const b = createRedisBudget(url, { gohighlevel: { max: 3, windowMs: 400 } }, { prefix });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('a wait reported by one process holds the other', async () => {
    const reported = Date.now();
    a.report('meta:act_1', { retryAfterMs: 300 });
    await new Promise((r) => setTimeout(r, 30));
    await b.acquire('meta:act_1');
    // Held until the wait ends, counted from the report (not from the acquire: on a loaded machine
    // the 30 ms pause can take most of the wait).
    expect(Date.now() - reported).toBeGreaterThanOrEqual(280);
    // Other keys are not held (well under the 300 ms wait, with room for a loaded machine).
    a.report('meta:act_1', { retryAfterMs: 5_000 });
    await new Promise((r) => setTimeout(r, 30));
    const t1 = Date.now();
    await b.acquire('meta:act_2');
    expect(Date.now() - t1).toBeLessThan(2_500);
  });

  it('a fixed-window cap counts the calls of every process', async () => {
    // Start at a window boundary so that all calls below fall in one window.
    await new Promise((r) => setTimeout(r, 400 - (Date.now() % 400) + 5));
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) await (i % 2 ? a : b).acquire('gohighlevel:loc1');
    expect(Date.now() - t0).toBeLessThan(200);
    await a.acquire('gohighlevel:loc1');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
  });

  it('usage near the vendor limit pauses callers', async () => {
    b.report('linkedin', { usagePct: 95 });
    await new Promise((r) => setTimeout(r, 30));
    const ttl = await (async () => {
      const t0 = Date.now();
      const ac = new AbortController();
      setTimeout(() => ac.abort(new Error('stop')), 150);
      await a.acquire('linkedin', ac.signal).catch(() => undefined);
      return Date.now() - t0;
    })();
    expect(ttl).toBeGreaterThanOrEqual(140);
  });
});
