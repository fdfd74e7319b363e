/** A compact row of KPIs for one client, campaign or ad, with period-over-period change. */
import { money, num, pct, ratio } from '../lib/format.ts';
import type { Metrics } from '../lib/types.ts';
import { Kpi } from './Kpi.tsx';

export function MetricTiles({ data, loading }: { data: Metrics | undefined; loading: boolean }) {
  const cur = data?.currency ?? 'USD';
  const t = data?.totals;
  const d = data?.comparison?.deltas;
  return (
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
  );
}
