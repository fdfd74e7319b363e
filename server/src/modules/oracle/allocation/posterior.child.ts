/** Child process of posterior.parallel.ts: runs the chains it is sent and sends back their draws. */
import type { ChainJob } from './posterior.parallel.ts';
import { runPosteriorChains } from './posterior.ts';

process.once('message', (job: ChainJob) => {
  try {
    const result = runPosteriorChains(job.input, job.start, job.priors, job.opts);
    process.send?.({ result });
  } catch (e) {
    process.send?.({ error: e instanceof Error ? e.message : String(e) });
  }
});
