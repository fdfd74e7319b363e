/** A compact row of KPIs for one client, campaign or ad, with period-over-period change. */
import { money, num, pct, ratio } from '../lib/format.ts';
import type { Metrics } from '../lib/types.ts';
import { Kpi } from './Kpi.tsx';

export function MetricTiles({ data, loading }: { data: Metrics | undefined; loading: boolean }) {
  const cur = data?.currency ?? 'USD';
  const t = data?.totals;
  const d = data?.comparison?.deltas;
  // The period is written out, not only on hover: other cards compare other windows (the fatigue
  // card: the ad's last 7 days against its first week).
  return (
    <div>
      <div
        className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5"
        title={`Last 30 days in ${cur}, change against the 30 days before`}
      >
        <Kpi
          label="Spend"
          loading={loading}
          value={money(t?.spendMicros, cur, true)}
          delta={d?.spendMicros}
          goodWhenUp={null}
        />
        <Kpi
          label="Revenue"
          loading={loading}
          value={money(t?.conversionValueMicros, cur, true)}
          delta={d?.conversionValueMicros}
        />
        <Kpi label="ROAS" loading={loading} value={ratio(t?.roas)} delta={d?.roas} />
        <Kpi label="Conversions" loading={loading} value={num(t?.conversions)} delta={d?.conversions} />
        <Kpi label="CTR" loading={loading} value={pct(t?.ctr, 2)} delta={d?.ctr} />
      </div>
      <p className="mt-1.5 text-xs text-slate-500" data-testid="tiles-period">
        Last 30 days; change against the 30 days before
      </p>
    </div>
  );
}
