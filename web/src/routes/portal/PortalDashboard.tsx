/** The client's dashboard: KPI cards over a window, the daily chart and the campaigns (read-only). */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { Chart } from '../../components/Chart.tsx';
import { DataTable } from '../../components/DataTable.tsx';
import {
  Badge,
  Card,
  CardHeader,
  EmptyState,
  ErrorState,
  LoadingState,
  Notice,
} from '../../components/ui.tsx';
import { addDays, date, money, num, platformName, ratio, today } from '../../lib/format.ts';
import { KpiGrid } from './KpiGrid.tsx';
import { usePortalMe } from './PortalShell.tsx';
import { type Overview, type PortalCampaign, portalGet, type Warning } from './portal-api.ts';
import { dailyOption } from './portal-charts.ts';

export const windows = [
  { days: 7, label: '7 days' },
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
];

export function WindowPicker({ days, onChange }: { days: number; onChange: (d: number) => void }) {
  return (
    <fieldset className="inline-flex rounded-lg bg-white p-0.5 ring-1 ring-slate-200 print:hidden">
      <legend className="sr-only">Period</legend>
      {windows.map((w) => (
        <button
          key={w.days}
          type="button"
          aria-pressed={days === w.days}
          onClick={() => onChange(w.days)}
          className={
            days === w.days
              ? 'rounded-md bg-(--portal-primary) px-3 py-1 text-xs font-medium text-white'
              : 'rounded-md px-3 py-1 text-xs font-medium text-slate-600 hover:bg-slate-100'
          }
        >
          {w.label}
        </button>
      ))}
    </fieldset>
  );
}

export const periodOf = (days: number) => {
  const to = addDays(today(), -1);
  return { from: addDays(to, -(days - 1)), to };
};

export function PortalDashboard() {
  const me = usePortalMe();
  const { slug = '' } = useParams();
  const navigate = useNavigate();
  const [days, setDays] = useState(30);
  const period = periodOf(days);
  const overview = useQuery({
    queryKey: ['portal', 'overview', period],
    queryFn: () => portalGet<Overview>('/overview', period),
  });
  const campaigns = useQuery({
    queryKey: ['portal', 'campaigns', period],
    queryFn: () =>
      portalGet<{ currency: string; items: PortalCampaign[]; warnings: Warning[] }>('/campaigns', period),
  });
  // The client's own (billing) currency: the server converts every amount into it.
  const currency = overview.data?.currency ?? me.client.currency;
  const hasData =
    (overview.data?.totals.impressions ?? 0) > 0 || (overview.data?.totals.spendMicros ?? 0) > 0;
  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold tracking-tight sm:text-2xl">Campaign results</h1>
          <p className="mt-1 text-sm text-slate-500">
            {date(period.from)} – {date(period.to)}, compared with the {days} days before · amounts in{' '}
            {currency}
          </p>
        </div>
        <WindowPicker days={days} onChange={setDays} />
      </div>
      {[...(overview.data?.warnings ?? []), ...(campaigns.data?.warnings ?? [])]
        .filter((w, i, all) => all.findIndex((x) => x.message === w.message) === i)
        .map((w) => (
          <Notice key={w.message} tone="amber">
            {w.message}
          </Notice>
        ))}
      {overview.error ? (
        <Card>
          <ErrorState error={overview.error} onRetry={() => overview.refetch()} />
        </Card>
      ) : (
        <KpiGrid
          totals={overview.data?.totals}
          changes={overview.data?.changes}
          currency={currency}
          loading={overview.isLoading}
        />
      )}
      <Card>
        <CardHeader title="Spend and conversion value per day" description={`In ${currency}`} />
        {overview.isLoading ? (
          <LoadingState rows={5} />
        ) : overview.data && hasData ? (
          <div className="px-3 py-3">
            <Chart
              label="Daily spend and conversion value"
              option={dailyOption(overview.data.daily, currency, me.branding)}
            />
          </div>
        ) : (
          !overview.error && (
            <EmptyState title="No advertising in this period">Pick a longer period above.</EmptyState>
          )
        )}
      </Card>
      <Card>
        <CardHeader title="Campaigns" description="Read-only; open one for its daily figures" />
        {campaigns.isLoading ? (
          <LoadingState rows={6} />
        ) : campaigns.error ? (
          <ErrorState error={campaigns.error} onRetry={() => campaigns.refetch()} />
        ) : (
          <DataTable
            label="Campaigns"
            rows={campaigns.data?.items ?? []}
            rowKey={(c) => c.id}
            onOpen={(c) => navigate(`/portal/${slug}/campaigns/${c.id}`)}
            filterText={(c) => `${c.name} ${platformName(c.platform)}`}
            filterPlaceholder="Find a campaign…"
            initialSort={{ key: 'spend', dir: 'desc' }}
            empty="No campaigns yet"
            columns={[
              // On a phone the name wraps and platform, status and CPA step aside (the campaign's
              // own page shows them), so spend, conversions and ROAS fit without scrolling sideways.
              {
                key: 'name',
                header: 'Campaign',
                wrap: true,
                render: (c) => <span className="font-medium text-slate-900">{c.name}</span>,
                sortValue: (c) => c.name,
              },
              {
                key: 'platform',
                header: 'Platform',
                hideBelow: 'sm',
                render: (c) => platformName(c.platform),
                sortValue: (c) => c.platform,
              },
              {
                key: 'status',
                header: 'Status',
                hideBelow: 'sm',
                render: (c) => <Badge tone={c.status === 'active' ? 'green' : 'gray'}>{c.status}</Badge>,
                sortValue: (c) => c.status,
              },
              {
                key: 'spend',
                header: 'Spend',
                align: 'right',
                render: (c) => money(c.metrics?.spendMicros ?? 0, currency),
                sortValue: (c) => c.metrics?.spendMicros ?? 0,
              },
              {
                key: 'conv',
                header: 'Conversions',
                align: 'right',
                render: (c) => num(c.metrics?.conversions ?? 0),
                sortValue: (c) => c.metrics?.conversions ?? 0,
              },
              {
                key: 'cpa',
                header: 'CPA',
                align: 'right',
                hideBelow: 'sm',
                render: (c) => money(c.metrics?.cpaMicros, currency),
                sortValue: (c) => c.metrics?.cpaMicros ?? null,
              },
              {
                key: 'roas',
                header: 'ROAS',
                align: 'right',
                render: (c) => ratio(c.metrics?.roas),
                sortValue: (c) => c.metrics?.roas ?? null,
              },
            ]}
          />
        )}
      </Card>
    </div>
  );
}
