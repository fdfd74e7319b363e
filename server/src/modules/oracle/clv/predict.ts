/**
 * The job entry point: an RFM summary in, both models fitted and every customer's expected purchases
 * and value over a horizon out. Pure and synchronous (a CDNOW-sized client takes well under a
 * second); the caller loads the client's transactions and stores the result.
 */
import { AppError, invalidInput } from '../../../platform/errors.ts';
import {
  type BgNbdFit,
  type BgNbdParams,
  expectedPurchases,
  expectedPurchasesNewCustomer,
  fitBgNbd,
  probabilityAlive,
} from './bgnbd.ts';
import {
  expectedAverageValue,
  fitGammaGamma,
  type GammaGammaFit,
  type GammaGammaParams,
} from './gamma-gamma.ts';
import type { CustomerRfm, RfmSummary, TimeUnit } from './rfm.ts';

export interface CustomerPrediction extends CustomerRfm {
  /** P(alive | x, t_x, T) at `until`. */
  probabilityAlive: number;
  /** Expected purchases (purchase days) in the horizon after `until`. */
  expectedPurchases: number;
  /** Expected value of one future purchase, in the input's currency unit; null without a spend model. */
  expectedAverageValue: number | null;
  /** expectedPurchases × expectedAverageValue (undiscounted); null without a spend model. */
  expectedValue: number | null;
}

export interface CustomerValueReport {
  until: string;
  unit: TimeUnit;
  horizonDays: number;
  data: { transactions: number; transactionsAfterUntil: number; customers: number; repeatCustomers: number };
  bgnbd: BgNbdFit;
  /** Null when the spend model could not be fitted; the reason is in `warnings`. */
  gammaGamma: GammaGammaFit | null;
  /** Expected purchases and value of a customer acquired at `until`, over the horizon. */
  newCustomer: { expectedPurchases: number; expectedValue: number | null };
  warnings: string[];
  predictions: CustomerPrediction[];
}

export const MAX_HORIZON_DAYS = 3660;

/** A horizon in days expressed in the model's time unit (weeks are 7 days, fractional). */
export const horizonInUnit = (days: number, unit: TimeUnit) => (unit === 'week' ? days / 7 : days);

/** Predictions for customers under fitted parameters; `gammaGamma` null leaves the value fields null. */
export function predictCustomers(
  customers: readonly CustomerRfm[],
  models: { bgnbd: BgNbdParams; gammaGamma: GammaGammaParams | null },
  horizon: number,
  onProgress?: (done: number, total: number) => void,
): CustomerPrediction[] {
  return customers.map((c, i) => {
    if (onProgress && ((i + 1) % 5000 === 0 || i === customers.length - 1))
      onProgress(i + 1, customers.length);
    const purchases = finite(expectedPurchases(models.bgnbd, c, horizon), 'expected purchases', c);
    const value = models.gammaGamma ? expectedAverageValue(models.gammaGamma, c) : null;
    return {
      ...c,
      probabilityAlive: finite(probabilityAlive(models.bgnbd, c), 'P(alive)', c),
      expectedPurchases: purchases,
      expectedAverageValue: value === null ? null : finite(value, 'expected average value', c),
      expectedValue: value === null ? null : finite(purchases * value, 'expected value', c),
    };
  });
}

/** Guards the promise that no NaN or ∞ ever leaves this module. */
function finite(v: number, what: string, c?: CustomerRfm): number {
  if (Number.isFinite(v)) return v;
  const whose = c ? ` for customer ${c.customerId}` : '';
  throw new AppError(
    'internal',
    `${what} is not finite${whose}`,
    c ? { customerId: c.customerId } : undefined,
  );
}

/**
 * Fits BG/NBD (must succeed: throws `invalid_input` otherwise) and Gamma-Gamma (may fail: then
 * `gammaGamma` is null, a warning says why and values are null) on a summary, and predicts each
 * customer over `horizonDays`.
 */
export function fitCustomerValue(
  summary: RfmSummary,
  opts: { horizonDays: number; onProgress?: (stage: string, done: number, total: number) => void },
): CustomerValueReport {
  const { horizonDays, onProgress } = opts;
  if (!(horizonDays > 0 && horizonDays <= MAX_HORIZON_DAYS))
    throw invalidInput(`horizon must be between 1 and ${MAX_HORIZON_DAYS} days (got ${horizonDays})`);
  if (summary.customers.length === 0)
    throw invalidInput(
      `no transactions on or before ${summary.until}${summary.transactionsAfterUntil ? ` (${summary.transactionsAfterUntil} after it)` : ''}`,
    );
  const warnings: string[] = [];
  onProgress?.('BG/NBD', 0, 1);
  const bgnbd = fitBgNbd(summary.customers);
  onProgress?.('BG/NBD', 1, 1);
  if (bgnbd.noDropout)
    warnings.push(
      'no drop-out is evident in these purchases (BG/NBD’s drop-out probability goes to 0): fitted as its limit, the NBD model, with a and b reported as 0 and every customer alive (P(alive) = 1); a longer history would show who stops buying',
    );
  let gammaGamma: GammaGammaFit | null = null;
  try {
    onProgress?.('Gamma-Gamma', 0, 1);
    gammaGamma = fitGammaGamma(summary.customers);
    onProgress?.('Gamma-Gamma', 1, 1);
    if (gammaGamma.zeroValueCustomers)
      warnings.push(
        `${gammaGamma.zeroValueCustomers} repeat customer(s) whose repeat purchases were worth 0 left out of the spend model`,
      );
    if (Math.abs(gammaGamma.frequencyValueCorrelation) > 0.3)
      warnings.push(
        `purchase frequency and value are correlated (r = ${gammaGamma.frequencyValueCorrelation.toFixed(2)}); the Gamma-Gamma model assumes they are independent`,
      );
  } catch (e) {
    if (!(e instanceof AppError && e.code === 'invalid_input')) throw e;
    warnings.push(e.message);
  }
  const horizon = horizonInUnit(horizonDays, summary.unit);
  const models = { bgnbd: bgnbd.params, gammaGamma: gammaGamma?.params ?? null };
  const predictions = predictCustomers(summary.customers, models, horizon, (d, t) =>
    onProgress?.('predictions', d, t),
  );
  const newPurchases = finite(expectedPurchasesNewCustomer(bgnbd.params, horizon), 'new-customer purchases');
  const newValue = models.gammaGamma
    ? expectedAverageValue(models.gammaGamma, { frequency: 0, monetaryValue: 0 })
    : null;
  if (models.gammaGamma && newValue === null)
    warnings.push(
      `the fitted spend distribution has no finite mean (q = ${models.gammaGamma.q.toPrecision(3)} ≤ 1): customers without repeat purchases get no expected value`,
    );
  return {
    until: summary.until,
    unit: summary.unit,
    horizonDays,
    data: {
      transactions: summary.transactionsUsed,
      transactionsAfterUntil: summary.transactionsAfterUntil,
      customers: summary.customers.length,
      repeatCustomers: bgnbd.repeatCustomers,
    },
    bgnbd,
    gammaGamma,
    newCustomer: {
      expectedPurchases: newPurchases,
      expectedValue: newValue === null ? null : newPurchases * newValue,
    },
    warnings,
    predictions,
  };
}
