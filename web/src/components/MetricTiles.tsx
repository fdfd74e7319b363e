/** A compact row of KPIs for one client, campaign or ad, with period-over-period change. */
import { money, num, pct, ratio } from '../lib/format.ts';
import type { Metrics } from '../lib/types.ts';
import { Kpi } from './Kpi.tsx';

/**
 * The KPI tiles of a metrics answer (totals and their period-over-period deltas), for the caller's
 * grid: spend, revenue, ROAS, conversions, CPA when asked, CTR. Money in `currency`.
 */
export function KpiTiles({
  data,
  currency,
  loading,
  withCpa = false,
}: {
  data: Metrics | undefined;
  currency: string;
  loading: boolean;
  withCpa?: boolean;
}) {
  const t = data?.totals;
  const d = data?.comparison?.deltas;
  return (
    <>
      <Kpi
        label="Spend"
        loading={loading}
        value={money(t?.spendMicros, currency, true)}
        delta={d?.spendMicros}
        goodWhenUp={null}
      />
      <Kpi
        label="Revenue"
        loading={loading}
        value={money(t?.conversionValueMicros, currency, true)}
        delta={d?.conversionValueMicros}
      />
      <Kpi label="ROAS" loading={loading} value={ratio(t?.roas)} delta={d?.roas} />
      <Kpi label="Conversions" loading={loading} value={num(t?.conversions)} delta={d?.conversions} />
      {withCpa && (
        <Kpi
          label="CPA"
          loading={loading}
          value={money(t?.cpaMicros, currency)}
          delta={d?.cpaMicros}
          goodWhenUp={false}
        />
      )}
      <Kpi label="CTR" loading={loading} value={pct(t?.ctr, 2)} delta={d?.ctr} />
    </>
  );
}

export function MetricTiles({ data, loading }: { data: Metrics | undefined; loading: boolean }) {
  const cur = data?.currency ?? 'USD';
  // The period is written out, not only on hover: other cards compare other windows (the fatigue
  // card: the ad's last 7 days against its first week).
  return (
    <div>
      <div
        className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5"
        title={`Last 30 days in ${cur}, change against the 30 days before`}
      >
        <KpiTiles data={data} currency={cur} loading={loading} />
      </div>
      <p className="mt-1.5 text-xs text-slate-500" data-testid="tiles-period">
        Last 30 days; change against the 30 days before
      </p>
    </div>
  );
}
