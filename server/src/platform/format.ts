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
