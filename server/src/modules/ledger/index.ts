/** The change ledger: every applied change scored 7 and 14 days later against untouched entities. */
export { LEDGER_SCORE_CRON, ledgerJobs, ledgerScoreJob, runLedger } from './ledger.jobs.ts';
export type { LedgerEntry, LedgerScore } from './ledger.model.ts';
export { ledgerRoutes } from './ledger.routes.ts';
export { createLedger, type Ledger, type LedgerSummary } from './ledger.service.ts';
