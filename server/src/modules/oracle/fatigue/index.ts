export { auc } from './auc.ts';
export { type FeatureValues, fatigueReason, riskFactorText } from './explain.ts';
export { type AdDay, type AdHistory, computeFeatures, type FatigueFeatures } from './features.ts';
export {
  assessFatigue,
  classify,
  type FatigueAssessment,
  type FatigueClass,
  type FatigueCoefficients,
  type RiskFactor,
  refreshDate,
} from './model.ts';
