/**
 * Child process of posterior.parallel.ts: runs the chains it is sent, reports their progress and
 * sends back their draws.
 */
import type { ChainJob } from './posterior.parallel.ts';
import { runPosteriorChains } from './posterior.ts';

process.once('message', (job: ChainJob) => {
  try {
    const onProgress = (chain: number, done: number, total: number) =>
      process.send?.({ progress: { chain, done, total } });
    const result = runPosteriorChains(job.input, job.start, job.priors, { ...job.opts, onProgress });
    process.send?.({ result });
  } catch (e) {
    process.send?.({ error: e instanceof Error ? e.message : String(e) });
  }
});
