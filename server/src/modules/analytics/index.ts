/** Analytics: unified metrics, KPIs, comparison, FX conversion and CSV export. */
import type { Clock } from '../../platform/clock.ts';
import type { Storage } from '../../storage/db.ts';
import type { Audit } from '../audit/audit.service.ts';
import { createAnalytics } from './analytics.service.ts';
import { createFx } from './fx.service.ts';

export { analyticsRoutes } from './analytics.routes.ts';
export type { Analytics, MetricsQuery, MetricsResult } from './analytics.service.ts';
export type { Fx } from './fx.service.ts';

/** Builds the FX and metrics services (`services.analytics.metrics`, `services.analytics.fx`). */
export function createAnalyticsModule(deps: { storage: Storage; audit: Audit; clock: Clock }) {
  const fx = createFx(deps);
  return { ...createAnalytics({ storage: deps.storage, fx }), fx };
}

export type AnalyticsModule = ReturnType<typeof createAnalyticsModule>;
