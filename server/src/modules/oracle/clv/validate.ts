/** Input checks shared by the models: a clear `invalid_input` instead of a NaN deep inside a fit. */
import { invalidInput } from '../../../platform/errors.ts';

/** Frequency x (repeat purchases), recency t_x and age T of one customer, in one time unit. */
export interface RfmPoint {
  frequency: number;
  recency: number;
  T: number;
}

/** Fewer customers than this cannot identify a 3- or 4-parameter mixture model in any useful way. */
export const MIN_CUSTOMERS = 10;

export function checkRfm(customers: readonly RfmPoint[]): void {
  customers.forEach((c, i) => {
    const where = `customer #${i + 1}`;
    if (!Number.isInteger(c.frequency) || c.frequency < 0)
      throw invalidInput(`${where}: frequency must be a whole number ≥ 0 (got ${c.frequency})`);
    if (!Number.isFinite(c.T) || c.T < 0) throw invalidInput(`${where}: T must be ≥ 0 (got ${c.T})`);
    if (!Number.isFinite(c.recency) || c.recency < 0 || c.recency > c.T)
      throw invalidInput(`${where}: recency must be between 0 and T (got ${c.recency}, T ${c.T})`);
    if (c.frequency > 0 && c.recency === 0)
      throw invalidInput(`${where}: a customer with repeat purchases must have recency > 0`);
    if (c.frequency === 0 && c.recency !== 0)
      throw invalidInput(`${where}: a customer without repeat purchases must have recency 0`);
  });
}

/**
 * Fails when the optimizer did not settle, or settled against the wall it was given on a
 * log-parameter: the likelihood keeps rising towards 0 or ∞ there, so the data do not identify it.
 */
export function checkIdentified(
  model: string,
  names: readonly string[],
  fit: { x: readonly number[]; converged: boolean; atBound: boolean; evaluations: number },
  wall: number,
  hint: string,
) {
  const loose = names.flatMap((name, i) =>
    Math.abs(fit.x[i]!) > wall - 1 ? [`${name} → ${fit.x[i]! > 0 ? '∞' : '0'}`] : [],
  );
  if (fit.atBound || loose.length)
    throw invalidInput(`${model}: the data do not identify the model (${loose.join(', ')}); ${hint}`, {
      model,
      parameters: loose,
    });
  if (!fit.converged)
    throw invalidInput(`${model}: the fit did not converge in ${fit.evaluations} evaluations; ${hint}`, {
      model,
    });
}
