/** ORACLE forecasting: `forecast()` per series, the M4 metrics, and the `omnify forecast` command. */
export { registerForecastCommand, runForecastCommand } from './cli.ts';
export { CsvError, parseSeriesCsv } from './csv.ts';
export { describeModel, type ModelDescription, meanName, ratioName } from './describe.ts';
export { DEFAULT_SEASONS, type Frequency, MAX_HORIZON } from './input.ts';
export { type Accuracy, accuracy, mase, maseScale, owa, smape } from './metrics.ts';
export {
  FORECAST_VERSION,
  type ForecastDiagnostics,
  type ForecastOptions,
  type ForecastResult,
  forecast,
  outliersWarning,
  shortSeriesWarning,
} from './model.ts';
