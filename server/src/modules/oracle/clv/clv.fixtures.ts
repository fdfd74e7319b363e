/** The CDNOW fixtures, read once per test file. */
import { readFileSync } from 'node:fs';
import { parseCdnowSummary, parseCdnowTransactions } from './cdnow.dataset.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

export const cdnowSampleTransactions = () => parseCdnowTransactions(fixture('CDNOW_sample.txt'));
export const cdnowSummary = () => parseCdnowSummary(fixture('cdnow_customers_summary_with_transactions.csv'));

/** Fader, Hardie & Lee (2005): BG/NBD and Gamma-Gamma estimates on the CDNOW sample, weeks and dollars. */
export const PUBLISHED = {
  bgnbd: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
  gammaGamma: { p: 6.25, q: 3.74, gamma: 15.44 },
  bgnbdLogLikelihood: -9582.4,
} as const;

export const relativeError = (ours: number, published: number) =>
  Math.abs(ours - published) / Math.abs(published);
