/**
 * The posterior's chains on several processes: chain k draws the same numbers wherever it runs (its
 * seed and jittered start depend on k only), so splitting the chains across child processes and
 * joining them gives the same posterior as one process, in about 1/processes of the time.
 *
 * Child processes rather than worker threads: tsx's loader has to be registered in each, and
 * `fork` with `--import tsx` does that whether the parent came through `bin/omnify.js` or
 * `node --import tsx`. Messages use structured clone (`serialization: 'advanced'`), so the typed
 * arrays of the input cross as they are.
 */
import { type ChildProcess, fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { invalidInput } from '../../../platform/errors.ts';
import type { ChannelParams, MmmInput } from './curves.ts';
import {
  type ChainDraws,
  type CurvePosterior,
  type PosteriorOptions,
  runPosteriorChains,
  summarisePosterior,
} from './posterior.ts';
import { type CurvePriors, mapWithPriors } from './prior.ts';

type Priors = CurvePriors & Required<Pick<CurvePriors, 'halfSaturation'>>;

export interface ChainJob {
  input: MmmInput;
  start: ChannelParams[];
  priors: Priors;
  opts: PosteriorOptions;
}

/**
 * `sampleCurvePosterior` with its chains dealt out to `processes` child processes (default: one per
 * available core, at most one per chain). The MAP start is found once, here.
 */
export async function sampleCurvePosteriorParallel(
  input: MmmInput,
  start: ChannelParams[],
  priors: Priors,
  opts: PosteriorOptions = {},
  processes = os.availableParallelism(),
): Promise<CurvePosterior> {
  const chains = opts.chains ?? 1;
  if (!Number.isInteger(chains) || chains < 1) throw invalidInput('chains must be a positive integer');
  if (opts.chainIds) throw invalidInput('chainIds are chosen here');
  if (!Number.isInteger(processes) || processes < 1)
    throw invalidInput('processes must be a positive integer');
  const workers = Math.min(processes, chains);
  const fromMap = opts.start ? null : mapWithPriors(input, start, priors);
  const shared: PosteriorOptions = fromMap
    ? { ...opts, start: fromMap.params, organicStart: fromMap.organic }
    : opts;
  // A function cannot cross to a child process: children send their progress as messages instead.
  const { onProgress, ...sent } = shared;
  if (workers === 1) return summarisePosterior(runPosteriorChains(input, start, priors, shared));
  const groups: number[][] = Array.from({ length: workers }, () => []);
  for (let k = 0; k < chains; k++) groups[k % workers]!.push(k);
  // Children run long synchronous loops and cannot notice their parent going: the parent stops them
  // when one fails (the rest is wasted) and when it exits or is interrupted itself.
  const children: ChildProcess[] = [];
  const stopAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  const onSignal = (signal: NodeJS.Signals) => {
    stopAll();
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    process.kill(process.pid, signal);
  };
  process.on('exit', stopAll).on('SIGINT', onSignal).on('SIGTERM', onSignal);
  let parts: ChainDraws[][];
  try {
    parts = await Promise.all(
      groups.map((chainIds) =>
        runChild({ input, start, priors, opts: { ...sent, chainIds } }, (c) => children.push(c), onProgress),
      ),
    );
  } finally {
    stopAll();
    process.off('exit', stopAll).off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
  const byId = new Map<number, ChainDraws>();
  parts.forEach((drawn, w) => {
    for (const [i, k] of groups[w]!.entries()) byId.set(k, drawn[i]!);
  });
  return summarisePosterior(Array.from({ length: chains }, (_, k) => byId.get(k)!));
}

const CHILD = fileURLToPath(new URL('./posterior.child.ts', import.meta.url));

function runChild(
  job: ChainJob,
  started: (child: ChildProcess) => void,
  onProgress: PosteriorOptions['onProgress'],
): Promise<ChainDraws[]> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced' });
    started(child);
    let result: ChainDraws[] | null = null;
    type Message = {
      result?: ChainDraws[];
      error?: string;
      progress?: { chain: number; done: number; total: number };
    };
    child.on('message', (msg: Message) => {
      if (msg.progress) {
        // The caller's callback runs in this handler: an exception there fails the call (the
        // caller's finally stops the children), as it would with the chains in this process.
        try {
          onProgress?.(msg.progress.chain, msg.progress.done, msg.progress.total);
        } catch (e) {
          reject(e);
        }
        return;
      }
      if (msg.error) reject(new Error(`posterior chains failed: ${msg.error}`));
      if (msg.result) result = msg.result;
      child.disconnect();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result) resolve(result);
      else reject(new Error(`posterior chain process exited (${signal ?? code}) without a result`));
    });
    child.send(job);
  });
}
