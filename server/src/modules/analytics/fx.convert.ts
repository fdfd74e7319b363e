/**
 * Currency conversion with the latest rate on or before a day. A rate row (date, base, quote, rate)
 * means 1 base = rate quote on that day. A currency converts to the reporting currency directly
 * (C/R), by the inverse (R/C), or through a pivot both are quoted against (B/C and B/R, as the ECB
 * publishes everything against EUR); the path whose oldest rate is freshest wins.
 */
import { daysInclusive } from './periods.ts';

export type RateSource = 'organization' | 'install';

export interface FxRate {
  date: string;
  base: string;
  quote: string;
  rate: number;
  source: RateSource;
}

export interface Conversion {
  factor: number;
  /** The rate rows the factor was computed from (one, or two through a pivot). */
  used: FxRate[];
  /** The oldest of their dates. */
  rateDate: string;
}

/** Rates older than this before the day they convert earn a warning (weekends and holidays are shorter). */
export const STALE_AFTER_DAYS = 7;

export function createConverter(rates: FxRate[], reportingCurrency: string) {
  // pair → rates sorted by date; an organization's rate replaces the install's for the same day.
  const byPair = new Map<string, FxRate[]>();
  for (const r of rates) {
    const k = `${r.base}/${r.quote}`;
    const list = byPair.get(k);
    if (list) list.push(r);
    else byPair.set(k, [r]);
  }
  for (const list of byPair.values()) {
    list.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.source === 'organization' ? 1 : -1));
    for (let i = list.length - 2; i >= 0; i--) if (list[i]?.date === list[i + 1]?.date) list.splice(i, 1);
  }
  const currencies = new Set(rates.flatMap((r) => [r.base, r.quote]));

  function latest(base: string, quote: string, day: string): FxRate | undefined {
    const list = byPair.get(`${base}/${quote}`);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length - 1;
    let found: FxRate | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = list[mid] as FxRate;
      if (r.date <= day) {
        found = r;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** x → y with one rate row, either way round. */
  function leg(x: string, y: string, day: string): Conversion | undefined {
    const direct = latest(x, y, day);
    const inverse = latest(y, x, day);
    if (direct && (!inverse || direct.date >= inverse.date))
      return { factor: direct.rate, used: [direct], rateDate: direct.date };
    if (inverse) return { factor: 1 / inverse.rate, used: [inverse], rateDate: inverse.date };
    return undefined;
  }

  const cache = new Map<string, Conversion | null>();

  /** The factor that converts `currency` amounts of `day` to the reporting currency, or null. */
  function convert(currency: string, day: string): Conversion | null {
    if (currency === reportingCurrency) return { factor: 1, used: [], rateDate: day };
    const key = `${currency}@${day}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    let best = leg(currency, reportingCurrency, day);
    for (const pivot of currencies) {
      if (pivot === currency || pivot === reportingCurrency) continue;
      const a = leg(currency, pivot, day);
      const b = a && leg(pivot, reportingCurrency, day);
      if (!a || !b) continue;
      // The older of the two legs' dates (ISO days compare as text).
      const rateDate = [a.rateDate, b.rateDate].sort()[0] as string;
      if (!best || rateDate > best.rateDate)
        best = { factor: a.factor * b.factor, used: [...a.used, ...b.used], rateDate };
    }
    cache.set(key, best ?? null);
    return best ?? null;
  }

  return { convert };
}

export const ageInDays = (rateDate: string, day: string) => daysInclusive(rateDate, day) - 1;
