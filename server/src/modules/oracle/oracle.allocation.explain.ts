/**
 * The allocation's answer in words: what the allocator maximises, and a headline that says what the
 * recommended split is worth and what its marginal return means. The allocator maximises the
 * objective (revenue or conversions credited to spend by the fitted curves) at a given total spend; it
 * never weighs revenue against spend. So at the optimum every campaign that can still move returns the
 * same at the margin (λ), and that return can be below 1: each unit of spend then brings back less
 * revenue than it costs, and spending less in total would raise revenue minus ad spend, although the
 * re-split at the same total is still a gain. The headline says so instead of only "expected gain".
 */
import { moneyText, numberText } from '../../platform/format.ts';

export interface AllocationSummaryInput {
  objective: 'conversions' | 'revenue';
  currency: string;
  currentDailyMicros: number;
  recommendedDailyMicros: number;
  /** The total asked for (totalDailyBudgetMicros), or null: the current total. */
  askedDailyMicros: number | null;
  maxChangePct: number;
  expectedGain: number | null;
  gainInterval: { p05: number; p50: number; p95: number } | null;
  /** The shared marginal response of the campaigns still free to move; null when none is. */
  marginalResponse: number | null;
  level: 'campaign' | 'platform';
  target: { metric: 'roas' | 'cpaMicros'; required: number } | null;
}

export interface AllocationSummary {
  objective: string;
  headline: string;
  /**
   * Revenue only: true when the marginal ROAS at the recommended split is below 1 (the last unit of
   * spend returns less revenue than it costs, so less total spend would raise revenue minus ad spend),
   * false when at or above 1; null for conversions or when no entity is free to move.
   */
  marginalBelowBreakEven: boolean | null;
}

const ratio = (v: number) => `${numberText(v, 2)}×`;

export function describeAllocation(s: AllocationSummaryInput): AllocationSummary {
  const money = (v: number) => moneyText(v, s.currency);
  const revenue = s.objective === 'revenue';
  const what = revenue ? 'revenue' : 'conversions';
  const units = s.level === 'campaign' ? 'campaigns' : 'platforms';
  const one = s.level === 'campaign' ? 'campaign' : 'platform';
  const total = s.askedDailyMicros ?? s.currentDailyMicros;
  const totalWords =
    s.askedDailyMicros === null
      ? `${money(total)}/day (the ${units}' average daily spend of the last 28 days)`
      : `${money(total)}/day (as asked)`;
  const split =
    `Maximises the ${what} the ${units}' fitted response curves credit to their spend (above each ${one}'s baseline, ` +
    `which comes without it), ` +
    (s.target
      ? `at the largest total daily spend up to ${totalWords} whose best split still ${
          s.target.metric === 'roas'
            ? `has a ROAS of at least ${numberText(s.target.required, 2)}`
            : `has a CPA of at most ${money(s.target.required)}`
        }, `
      : `keeping the total daily spend at ${totalWords}, `) +
    `each ${one} within ±${numberText(s.maxChangePct, 1)}% of its current spend unless bounds say otherwise; ` +
    `${units} with too little data or a recent budget change keep their spend.`;
  const how =
    ` Money moves from ${units} whose next ${money(1_000_000)} brings less ${what} to those whose next one brings more, ` +
    `until every ${one} that can still move brings the same at the margin (or reaches a bound). ` +
    (revenue
      ? 'It does not weigh revenue against spend: it does not decide whether the total is worth spending.'
      : 'It does not put a value on a conversion: it does not decide whether the total is worth spending.');

  const plain = (v: number) => (revenue ? money(v) : numberText(v, 2));
  const amount = (v: number) => (revenue ? `${money(v)} of revenue` : `${numberText(v, 2)} conversions`);
  const interval = s.gainInterval
    ? ` (90%: ${plain(s.gainInterval.p05)} to ${plain(s.gainInterval.p95)})`
    : '';
  const delta = s.recommendedDailyMicros - s.currentDailyMicros;
  const sameTotal = Math.abs(delta) <= 0.005 * Math.max(1, s.currentDailyMicros);
  const gain = s.expectedGain;
  let headline: string;
  if (gain === null)
    headline = `The recommended split spends ${money(s.recommendedDailyMicros)}/day; its gain cannot be estimated (no ${one} has a fitted curve and a current spend).`;
  else if (sameTotal)
    headline =
      gain > 0
        ? `At the same total spend (${money(s.recommendedDailyMicros)}/day) the new split is expected to add ${amount(gain)} a day${interval}` +
          (revenue ? '; with spend unchanged, revenue minus ad spend rises by as much.' : '.')
        : `At the same total spend (${money(s.recommendedDailyMicros)}/day) the new split is not expected to add ${what} (${amount(gain)} a day${interval}).`;
  else {
    const more = delta > 0;
    headline =
      `Spending ${money(Math.abs(delta))} a day ${more ? 'more' : 'less'} (${money(s.recommendedDailyMicros)}/day in total) ` +
      `is expected to ${gain >= 0 ? 'add' : 'lose'} ${amount(Math.abs(gain))} a day${interval}` +
      (revenue
        ? `: ${money(gain - delta)} a day of revenue minus ad spend.`
        : `, at ${more ? 'an extra cost' : 'a saving'} of ${money(Math.abs(delta))} a day.`);
  }
  const m = s.marginalResponse;
  let marginalBelowBreakEven: boolean | null = null;
  if (m === null)
    headline += ` Every ${one} ends at a bound of its range or is held; their marginal returns are listed one by one.`;
  else if (revenue) {
    marginalBelowBreakEven = m < 1;
    headline +=
      m < 1
        ? ` At the recommended split the last ${money(1_000_000)} of spend in each ${one} free to move brings back about ${money(m * 1_000_000)} of revenue (marginal ROAS ${ratio(m)}): less than it costs, so spending less in total would raise revenue minus ad spend.`
        : ` At the recommended split the last ${money(1_000_000)} of spend in each ${one} free to move brings back about ${money(m * 1_000_000)} of revenue (marginal ROAS ${ratio(m)}): more than it costs, so under the curves more spend would still add more revenue than it costs.`;
  } else if (m > 0) {
    headline += ` At the recommended split the next conversion costs about ${money(1 / m)} in each ${one} free to move (marginal CPA), more than the average conversion does.`;
  } else headline += ` At the recommended split more spend brings no more conversions under the curves.`;
  return { objective: split + how, headline, marginalBelowBreakEven };
}
