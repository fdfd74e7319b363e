/** The headline KPI cards of a window, each with its change against the previous one. */
import { Kpi } from '../../components/Kpi.tsx';
import { money, num, ratio } from '../../lib/format.ts';
import type { Change, Totals } from './portal-api.ts';

export function KpiGrid({
  totals,
  changes,
  currency,
  loading,
}: {
  totals?: Totals;
  changes?: Record<string, Change> | null;
  currency: string;
  loading?: boolean;
}) {
  const d = (k: string) => changes?.[k] ?? null;
  return (
    <div className="grid grid-cols-2 gap-3 lg:grid-cols-5" data-testid="portal-kpis">
      <Kpi
        label="Ad spend"
        value={money(totals?.spendMicros, currency)}
        delta={d('spendMicros')}
        goodWhenUp={null}
        loading={loading}
      />
      <Kpi label="Conversions" value={num(totals?.conversions)} delta={d('conversions')} loading={loading} />
      <Kpi
        label="Cost per conversion"
        value={money(totals?.cpaMicros, currency)}
        delta={d('cpaMicros')}
        goodWhenUp={false}
        loading={loading}
      />
      <Kpi
        label="Conversion value"
        value={money(totals?.conversionValueMicros, currency)}
        delta={d('conversionValueMicros')}
        loading={loading}
      />
      <Kpi label="Return on ad spend" value={ratio(totals?.roas)} delta={d('roas')} loading={loading} />
    </div>
  );
}
