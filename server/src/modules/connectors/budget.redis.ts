/**
 * Request budget shared through Redis by every process that calls a platform (API processes and
 * workers in scale-out mode). Same semantics as the in-process budget: a pause every caller honours
 * after the vendor asked us to wait (or reported usage near its limit), and an optional fixed-window
 * cap on calls per key.
 */
import { Redis } from 'ioredis';
import type { BudgetRule } from './budget.ts';
import type { RequestBudget } from './connector.port.ts';

const sleepFor = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason ?? new Error('aborted'));
      },
      { once: true },
    );
  });

// Extends the pause only forward: SET key to the later of its value and ours, with a matching TTL.
const EXTEND_PAUSE = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local untilMs = tonumber(ARGV[1])
if untilMs > cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1`;

export function createRedisBudget(
  url: string,
  rules: Record<string, BudgetRule> = {},
  opts: { prefix?: string; now?: () => number } = {},
): RequestBudget & { close(): Promise<void> } {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  const prefix = `${opts.prefix ?? 'omnify'}:budget`;
  const now = opts.now ?? Date.now;
  const ruleFor = (key: string): BudgetRule | undefined => rules[key] ?? rules[key.split(':')[0] ?? ''];

  return {
    async acquire(key, signal) {
      for (;;) {
        if (signal?.aborted) throw signal.reason ?? new Error('aborted');
        const pausedUntil = Number((await redis.get(`${prefix}:${key}:pause`)) ?? 0);
        const t = now();
        if (pausedUntil > t) {
          await sleepFor(Math.min(pausedUntil - t, 60_000), signal);
          continue;
        }
        const rule = ruleFor(key);
        if (!rule) return;
        const window = Math.floor(t / rule.windowMs);
        const counter = `${prefix}:${key}:w:${window}`;
        const [[, used]] = (await redis
          .multi()
          .incr(counter)
          .pexpire(counter, rule.windowMs * 2)
          .exec()) as [[Error | null, number]];
        if (used <= rule.max) return;
        await sleepFor((window + 1) * rule.windowMs - t, signal);
      }
    },
    report(key, info) {
      let wait = info.retryAfterMs;
      const rule = ruleFor(key);
      const slowAbove = rule?.slowAbovePct ?? 90;
      if (info.usagePct !== undefined && info.usagePct >= slowAbove) {
        wait = Math.max(
          wait ?? 0,
          Math.min(60_000, Math.round(((info.usagePct - slowAbove) / 10) * 60_000) + 1000),
        );
      }
      if (wait === undefined || wait <= 0) return;
      const until = now() + wait;
      // Fire and forget: a lost report only means one caller learns of the limit from the vendor.
      void redis
        .eval(EXTEND_PAUSE, 1, `${prefix}:${key}:pause`, String(until), String(Math.ceil(wait) + 1000))
        .catch(() => undefined);
    },
    close: async () => {
      redis.disconnect();
    },
  };
}
