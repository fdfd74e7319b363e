/**
 * Applies FX to the grouped SQL rows: amounts of rows not in the reporting currency are converted at
 * their day's rate; rows without a usable rate are left out and reported, never mixed in.
 */
import type { AggregateRow } from './analytics.repo.ts';
import { ageInDays, createConverter, type FxRate, STALE_AFTER_DAYS } from './fx.convert.ts';

/** Something the caller must know about the figures (they are still correct for what they cover). */
export interface Warning {
  code: 'fx_rate_missing' | 'fx_rate_stale';
  message: string;
  details: Record<string, unknown>;
}

interface Missing {
  currency: string;
  firstDate: string;
  lastDate: string;
  days: Set<string>;
  spendMicros: number;
  conversionValueMicros: number;
}

/** Converts SQL groups to the reporting currency, noting what could not be converted and which rates served. */
export function convertRows(rows: AggregateRow[], rates: FxRate[], reportingCurrency: string) {
  const { convert } = createConverter(rates, reportingCurrency);
  const used = new Map<string, FxRate>();
  const missing = new Map<string, Missing>();
  const stale = new Map<string, { currency: string; maxAgeDays: number; day: string; rateDate: string }>();
  const out: AggregateRow[] = [];
  for (const r of rows) {
    if (r.currency === reportingCurrency || r.fxDate === null) {
      out.push(r);
      continue;
    }
    const c = convert(r.currency, r.fxDate);
    if (!c) {
      let m = missing.get(r.currency);
      if (!m) {
        m = {
          currency: r.currency,
          firstDate: r.fxDate,
          lastDate: r.fxDate,
          days: new Set(),
          spendMicros: 0,
          conversionValueMicros: 0,
        };
        missing.set(r.currency, m);
      }
      if (r.fxDate < m.firstDate) m.firstDate = r.fxDate;
      if (r.fxDate > m.lastDate) m.lastDate = r.fxDate;
      m.days.add(r.fxDate);
      m.spendMicros += r.sums.spendMicros;
      m.conversionValueMicros += r.sums.conversionValueMicros;
      continue;
    }
    for (const u of c.used) used.set(`${u.source}${u.base}${u.quote}${u.date}`, u);
    const age = ageInDays(c.rateDate, r.fxDate);
    if (age > STALE_AFTER_DAYS && age > (stale.get(r.currency)?.maxAgeDays ?? -1))
      stale.set(r.currency, { currency: r.currency, maxAgeDays: age, day: r.fxDate, rateDate: c.rateDate });
    r.sums.spendMicros = Math.round(r.sums.spendMicros * c.factor);
    r.sums.conversionValueMicros = Math.round(r.sums.conversionValueMicros * c.factor);
    out.push(r);
  }
  const warnings: Warning[] = [];
  for (const m of missing.values())
    warnings.push({
      code: 'fx_rate_missing',
      message: `No ${m.currency}→${reportingCurrency} rate on or before ${m.firstDate}${m.lastDate !== m.firstDate ? ` (and ${m.days.size - 1} later days)` : ''}: those ${m.currency} rows are left out of rows and totals. Load rates with PUT /api/v1/analytics/fx-rates.`,
      details: {
        currency: m.currency,
        reportingCurrency,
        firstDate: m.firstDate,
        lastDate: m.lastDate,
        days: m.days.size,
        excludedSpendMicros: m.spendMicros,
        excludedConversionValueMicros: m.conversionValueMicros,
      },
    });
  for (const s of stale.values())
    warnings.push({
      code: 'fx_rate_stale',
      message: `${s.currency}→${reportingCurrency} for ${s.day} used a rate from ${s.rateDate}, ${s.maxAgeDays} days older`,
      details: { ...s, reportingCurrency },
    });
  const ratesUsed = [...used.values()].sort((a, b) =>
    a.base !== b.base
      ? a.base.localeCompare(b.base)
      : a.quote !== b.quote
        ? a.quote.localeCompare(b.quote)
        : a.date.localeCompare(b.date),
  );
  return { rows: out, warnings, ratesUsed, missing: [...missing.values()] };
}
