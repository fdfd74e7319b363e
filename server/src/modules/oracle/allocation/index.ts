export {
  type AllocationEntity,
  type AllocationResult,
  allocateBudget,
  type Binding,
  type EntityAllocation,
} from './allocate.ts';
export {
  type ChannelCurve,
  type ChannelParams,
  channelTotals,
  type FitOptions,
  fitResponseCurves,
  type MmmFit,
  type MmmInput,
} from './curves.ts';
export { type CurvePriors, mapWithPriors, mapWithRoiPrior } from './prior.ts';
export { type ChannelResponse, channelEntities, channelResponse, gainInterval } from './response.ts';
export { allocateForTarget, type EfficiencyTarget, type TargetResult } from './target.ts';
