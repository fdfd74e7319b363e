/**
 * In-process request budget: per key, a minimum spacing between calls plus a pause when the vendor
 * asked us to wait (Retry-After, quota details) or reported usage near its limit. Shared by every
 * caller of a platform in this process.
 */
import type { RequestBudget } from './connector.port.ts';

export interface BudgetRule {
  /** Calls allowed per window. */
  max: number;
  windowMs: number;
  /** Above this vendor-reported usage (percent), slow down proportionally. */
  slowAbovePct?: number;
}

export function createMemoryBudget(
  rules: Record<string, BudgetRule> = {},
  deps: { now?: () => number; sleep?: (ms: number, signal?: AbortSignal) => Promise<void> } = {},
): RequestBudget & { pausedUntil(key: string): number } {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const state = new Map<string, { calls: number[]; pausedUntil: number }>();
  const get = (key: string) => {
    let s = state.get(key);
    if (!s) {
      s = { calls: [], pausedUntil: 0 };
      state.set(key, s);
    }
    return s;
  };
  const ruleFor = (key: string): BudgetRule | undefined => rules[key] ?? rules[key.split(':')[0] ?? ''];
  return {
    async acquire(key, signal) {
      const s = get(key);
      for (;;) {
        if (signal?.aborted) throw signal.reason ?? new Error('aborted');
        const t = now();
        if (s.pausedUntil > t) {
          await sleep(s.pausedUntil - t, signal);
          continue;
        }
        const rule = ruleFor(key);
        if (rule) {
          s.calls = s.calls.filter((c) => c > t - rule.windowMs);
          if (s.calls.length >= rule.max) {
            await sleep((s.calls[0] ?? t) + rule.windowMs - t, signal);
            continue;
          }
        }
        s.calls.push(t);
        return;
      }
    },
    report(key, info) {
      const s = get(key);
      if (info.retryAfterMs !== undefined) s.pausedUntil = Math.max(s.pausedUntil, now() + info.retryAfterMs);
      const rule = ruleFor(key);
      if (info.usagePct !== undefined && info.usagePct >= (rule?.slowAbovePct ?? 90)) {
        // Near the vendor's limit: pause in proportion to how close we are (up to a minute at 100%).
        const pause = Math.min(
          60_000,
          Math.round(((info.usagePct - (rule?.slowAbovePct ?? 90)) / 10) * 60_000) + 1000,
        );
        s.pausedUntil = Math.max(s.pausedUntil, now() + pause);
      }
    },
    pausedUntil: (key) => get(key).pausedUntil,
  };
}
