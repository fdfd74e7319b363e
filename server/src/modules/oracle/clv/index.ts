/**
 * Customer value and churn (ORACLE): BG/NBD for purchases and drop-out, Gamma-Gamma for spend, on
 * the RFM summary of one client's CRM transactions. See README.md for conventions and sources.
 */
export {
  type BgNbdFit,
  type BgNbdParams,
  bgnbdLogLikelihood,
  expectedPurchases,
  expectedPurchasesNewCustomer,
  fitBgNbd,
  probabilityAlive,
} from './bgnbd.ts';
export { type ClvOptions, type ClvParamsFile, predictionsCsv, registerClvCommand, runClv } from './cli.ts';
export {
  expectedAverageValue,
  fitGammaGamma,
  type GammaGammaFit,
  type GammaGammaParams,
  gammaGammaLogLikelihood,
  type SpendPoint,
} from './gamma-gamma.ts';
export {
  type CustomerPrediction,
  type CustomerValueReport,
  fitCustomerValue,
  horizonInUnit,
  MAX_HORIZON_DAYS,
  predictCustomers,
} from './predict.ts';
export {
  type CustomerRfm,
  createRfmAccumulator,
  type RfmSummary,
  summarizeTransactions,
  type TimeUnit,
  type Transaction,
} from './rfm.ts';
export { type CsvProblem, createTransactionsCsvParser, readTransactionsFile } from './transactions-csv.ts';
export { MIN_CUSTOMERS, type RfmPoint } from './validate.ts';
