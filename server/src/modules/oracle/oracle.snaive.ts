/**
 * The forecast of a series the scorecard switched to seasonal naive (oracle.scorecard.ts): the last
 * week repeated, with the model's own normal bands (σ of the weekly differences, widening with the
 * number of weeks ahead). The forecaster has no "force this model" option, so it is built here from
 * its seasonal-naive member; it is stored like any forecast, under its own inputs hash.
 */
import { FORECAST_VERSION } from './forecast/index.ts';
import { bands } from './forecast/intervals.ts';
import { seasonalNaive } from './forecast/models.ts';
import {
  type ComputedForecast,
  type ForecastMetric,
  forecastInputsHash,
  inputsHash,
} from './oracle.forecast.ts';
import { REPLACEMENT_MODEL, SEASON } from './oracle.scorecard.ts';
import { addDays, type DailySeries, type EntityRef } from './oracle.series.ts';

export function computeSeasonalNaive(
  entity: EntityRef,
  s: DailySeries,
  metric: Exclude<ForecastMetric, 'roas'>,
  horizon: number,
  reason: string,
): ComputedForecast {
  const values = metric === 'spend' ? s.spendMicros : metric === 'revenue' ? s.revenueMicros : s.conversions;
  const f = seasonalNaive(SEASON).run(Float64Array.from(values), horizon);
  const b = bands(f.mean, f.sd, { c80: 1, c95: 1, cells: 0 }, true);
  const round = metric === 'conversions' ? (v: number) => v : (v: number) => Math.round(v);
  const fin = (v: number) => (Number.isFinite(v) ? round(v) : 0);
  return {
    model: REPLACEMENT_MODEL,
    version: FORECAST_VERSION,
    points: f.mean.map((m, i) => ({
      step: i + 1,
      date: addDays(s.to, i + 1),
      mean: fin(Math.max(0, m)),
      lo80: fin(b.lo80[i] as number),
      hi80: fin(b.hi80[i] as number),
      lo95: fin(b.lo95[i] as number),
      hi95: fin(b.hi95[i] as number),
    })),
    confidence: null,
    inputsHash: inputsHash({
      base: forecastInputsHash(entity, s, metric, horizon),
      model: REPLACEMENT_MODEL,
    }),
    explanation: {
      selectedModel: REPLACEMENT_MODEL,
      members: [REPLACEMENT_MODEL],
      backtest: null,
      intervalMethod: 'normal, σ of weekly differences',
      seriesLength: values.length,
      seriesFrom: s.from,
      seriesTo: s.to,
      currency: s.currency,
      warnings: [reason],
    },
  };
}
