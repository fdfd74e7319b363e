/** One campaign of the client: KPIs against the previous window and the daily series. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Chart } from '../../components/Chart.tsx';
import {
  Badge,
  Card,
  CardHeader,
  EmptyState,
  ErrorState,
  LoadingState,
  Notice,
  Stat,
} from '../../components/ui.tsx';
import { ApiError } from '../../lib/api.ts';
import { date, money, num, pct, platformName } from '../../lib/format.ts';
import { objectiveLabel } from '../../lib/objectives.ts';
import { KpiGrid } from './KpiGrid.tsx';
import { periodOf, WindowPicker } from './PortalDashboard.tsx';
import { PortalNotFound, usePortalMe } from './PortalShell.tsx';
import { type CampaignDetail, portalGet } from './portal-api.ts';
import { dailyOption } from './portal-charts.ts';

export function PortalCampaignPage() {
  const me = usePortalMe();
  const { slug = '', campaignId = '' } = useParams();
  const [days, setDays] = useState(30);
  const period = periodOf(days);
  const q = useQuery({
    queryKey: ['portal', 'campaign', campaignId, period],
    queryFn: () => portalGet<CampaignDetail>(`/campaigns/${encodeURIComponent(campaignId)}`, period),
  });
  if (q.error instanceof ApiError && q.error.status === 404) return <PortalNotFound what="campaign" />;
  if (q.error)
    return (
      <Card>
        <ErrorState error={q.error} onRetry={() => q.refetch()} />
      </Card>
    );
  if (q.isLoading || !q.data)
    return (
      <Card>
        <LoadingState label="Loading the campaign…" rows={6} />
      </Card>
    );
  const { campaign: c, currency } = q.data;
  return (
    <div className="space-y-5">
      <nav aria-label="Breadcrumb" className="text-xs text-slate-500">
        <Link to={`/portal/${slug}`} className="hover:underline">
          Dashboard
        </Link>{' '}
        / Campaign
      </nav>
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="min-w-0">
          <h1
            className="text-xl font-semibold tracking-tight wrap-break-word sm:text-2xl"
            data-testid="portal-campaign-name"
          >
            {c.name}
          </h1>
          <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-500">
            {platformName(c.platform)}{' '}
            <Badge tone={c.status === 'active' ? 'green' : 'gray'}>{c.status}</Badge>
            <span>
              {date(period.from)} – {date(period.to)}
            </span>
          </p>
        </div>
        <WindowPicker days={days} onChange={setDays} />
      </div>
      {q.data.warnings.map((w) => (
        <Notice key={w.message} tone="amber">
          {w.message}
        </Notice>
      ))}
      <KpiGrid totals={q.data.totals} changes={q.data.changes} currency={currency} />
      <Card>
        <CardHeader title="Per day" description={`In ${currency}`} />
        {q.data.daily.length ? (
          <div className="px-3 py-3">
            <Chart
              label={`Daily figures of ${c.name}`}
              option={dailyOption(q.data.daily, currency, me.branding)}
            />
          </div>
        ) : (
          <EmptyState title="No delivery in this period" />
        )}
      </Card>
      <Card>
        <CardHeader title="Details" />
        <dl className="grid grid-cols-2 gap-4 px-5 py-4 sm:grid-cols-4">
          <Stat
            label="Objective"
            value={<span title={c.objective ?? undefined}>{objectiveLabel(c.objective)}</span>}
          />
          <Stat label="Daily budget" value={money(c.dailyBudgetMicros, c.budgetCurrency)} />
          <Stat label="Clicks" value={num(q.data.totals.clicks)} sub={`CTR ${pct(q.data.totals.ctr)}`} />
          <Stat label="Ads" value={`${c.adCount} in ${c.adGroupCount} groups`} />
        </dl>
      </Card>
    </div>
  );
}
