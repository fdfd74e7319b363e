/**
 * Numbers in text people read (proposal summaries and reasons, notifications), written the way the
 * dashboard writes them: money from integer micros with its currency ("$1,070.89", "€16.30"),
 * percentages and counts with separators. Structured fields keep the raw values for programs.
 */

/** Money from micros in its currency, two decimals: `moneyText(16_300_000, 'EUR')` → "€16.30". */
export function moneyText(micros: number, currency: string): string {
  const v = micros / 1_000_000;
  try {
    return new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    }).format(v);
  } catch {
    // Not a currency code Intl knows: the amount and the code as they are.
    return `${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`;
  }
}

/** A number with separators and at most `digits` decimals: 13358 → "13,358", 3.019918 → "3.02". */
export function numberText(v: number, digits = 2): string {
  return v.toLocaleString('en-US', { maximumFractionDigits: digits });
}

/** A value already in percent: -40.964621 → "-41.0%". */
export function percentText(v: number, digits = 1): string {
  return `${v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}%`;
}

/** The digits of a currency's minor unit as Intl knows them (USD 2, JPY 0, BHD 3); `unknown` otherwise. */
export function currencyDigits(currency: string | null | undefined, unknown = 2): number {
  if (!currency) return unknown;
  try {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions();
    return digits.maximumFractionDigits ?? unknown;
  } catch {
    return unknown;
  }
}

/**
 * Integer micros as a decimal string with `digits` decimals, rounded half away from zero on the
 * integer (so 1_005_000 → "1.01", where (1.005).toFixed(2) gives "1.00"): 1_234_567 at 2 → "1.23".
 */
export function microsDecimal(micros: number, digits: number): string {
  const d = Math.max(0, Math.min(6, digits));
  const step = 10 ** (6 - d);
  const units = Math.sign(micros) * Math.round(Math.abs(micros) / step);
  const sign = units < 0 ? '-' : '';
  const abs = Math.abs(units);
  if (d === 0) return `${sign}${abs}`;
  const scale = 10 ** d;
  return `${sign}${Math.floor(abs / scale)}.${String(abs % scale).padStart(d, '0')}`;
}
