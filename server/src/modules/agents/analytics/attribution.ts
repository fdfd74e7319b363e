/**
 * Multi-touch attribution, pure. A conversion's touchpoints (ordered by time) share one unit of
 * credit (and the conversion's value in the same proportions) under five models:
 *
 * - first touch: all to the first; last touch: all to the last;
 * - linear: 1/n each;
 * - time decay: weight 2^(−Δt / halfLife) with Δt the days from the touch to the conversion,
 *   normalised to sum to 1 (a touch one half-life before the conversion weighs half the one at it);
 * - position based (U-shaped): 40% first, 40% last, the remaining 20% split evenly over the touches
 *   between; with two touches 50/50, with one 100%.
 *
 * A conversion without touchpoints gives its credit to `UNATTRIBUTED`, so credits always sum to the
 * number of conversions and values to their total value.
 */

export const attributionModels = [
  'first_touch',
  'last_touch',
  'linear',
  'time_decay',
  'position_based',
] as const;
export type AttributionModel = (typeof attributionModels)[number];

export const UNATTRIBUTED = 'unattributed';
const DAY_MS = 86_400_000;

export interface Touchpoint {
  /** What gets the credit: an ad, a campaign, a platform… */
  key: string;
  /** ISO timestamp of the touch. */
  at: string;
}

export interface Conversion {
  id: string;
  /** ISO timestamp of the conversion. */
  at: string;
  value: number;
  touchpoints: Touchpoint[];
}

export interface AttributionOptions {
  /** Time decay half-life in days (default 7). */
  halfLifeDays?: number;
}

/** Touches in time order; ties keep their given order (stable sort), so results are deterministic. */
export const ordered = (t: Touchpoint[]) =>
  t
    .map((x, i) => ({ x, i }))
    .sort((a, b) => (a.x.at < b.x.at ? -1 : a.x.at > b.x.at ? 1 : a.i - b.i))
    .map(({ x }) => x);

/** The share of one conversion's credit each (time-ordered) touch gets; sums to 1 (empty for none). */
export function weights(
  model: AttributionModel,
  touches: Touchpoint[],
  conversionAt: string,
  opts: AttributionOptions = {},
): number[] {
  const n = touches.length;
  if (n === 0) return [];
  switch (model) {
    case 'first_touch':
      return touches.map((_, i) => (i === 0 ? 1 : 0));
    case 'last_touch':
      return touches.map((_, i) => (i === n - 1 ? 1 : 0));
    case 'linear':
      return touches.map(() => 1 / n);
    case 'time_decay': {
      const half = opts.halfLifeDays ?? 7;
      if (!(half > 0)) throw new RangeError('halfLifeDays must be positive');
      const end = Date.parse(conversionAt);
      // A touch after the conversion (clock skew between systems) counts as at the conversion.
      const raw = touches.map((t) => 2 ** (-Math.max(0, end - Date.parse(t.at)) / DAY_MS / half));
      const sum = raw.reduce((s, w) => s + w, 0);
      return raw.map((w) => w / sum);
    }
    case 'position_based': {
      if (n === 1) return [1];
      if (n === 2) return [0.5, 0.5];
      return touches.map((_, i) => (i === 0 || i === n - 1 ? 0.4 : 0.2 / (n - 2)));
    }
  }
}

export interface Credit {
  key: string;
  conversions: number;
  value: number;
}

/** Credits per key under one model, largest first (then by key). */
export function attribute(
  conversions: Conversion[],
  model: AttributionModel,
  opts: AttributionOptions = {},
): Credit[] {
  const acc = new Map<string, Credit>();
  const add = (key: string, share: number, value: number) => {
    const c = acc.get(key) ?? { key, conversions: 0, value: 0 };
    c.conversions += share;
    c.value += share * value;
    acc.set(key, c);
  };
  for (const conv of conversions) {
    const touches = ordered(conv.touchpoints);
    if (touches.length === 0) {
      add(UNATTRIBUTED, 1, conv.value);
      continue;
    }
    weights(model, touches, conv.at, opts).forEach((w, i) => {
      if (w > 0) add((touches[i] as Touchpoint).key, w, conv.value);
    });
  }
  return [...acc.values()].sort((a, b) => b.conversions - a.conversions || a.key.localeCompare(b.key));
}
