/** One campaign: KPIs, daily chart, its ads with fatigue badges, and (for writers) proposed changes. */
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { DailyChartCard } from '../../components/DailyChartCard.tsx';
import { DataTable } from '../../components/DataTable.tsx';
import { ExportCsv } from '../../components/ExportCsv.tsx';
import { FatigueBadge } from '../../components/FatigueBadge.tsx';
import { MetricTiles } from '../../components/MetricTiles.tsx';
import { Card, CardHeader, ErrorState, LoadingState, PageHeader, StatusBadge } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { useAuth } from '../../lib/auth.tsx';
import { date, money, num, pct, platformName, ratio } from '../../lib/format.ts';
import { useClientNames, useMetrics, usePeriod } from '../../lib/hooks.ts';
import { objectiveLabel } from '../../lib/objectives.ts';
import type { Ad, Campaign, Fatigue, MetricsRow, RefreshSoon } from '../../lib/types.ts';
import { ProposeChange } from './ProposeChange.tsx';

export function CampaignPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const { can } = useAuth();
  const names = useClientNames();
  const campaign = useQuery({
    queryKey: ['campaign', id],
    queryFn: () => api.get<Campaign>(`/api/v1/campaigns/${id}`),
  });
  const totals = useMetrics({ campaignId: id }, 30, { compare: true });
  const byAd = useMetrics({ campaignId: id, groupBy: 'ad' });
  const period = usePeriod(30);
  const ads = useQuery({
    queryKey: ['ads', { campaignId: id }],
    queryFn: () => api.getAll<Ad>('/api/v1/ads', { campaignId: id }),
  });
  const fatigue = useQuery({
    queryKey: ['fatigue', { campaignId: id }],
    queryFn: () =>
      api.get<{ items: Fatigue[]; refreshSoon: RefreshSoon }>('/api/v1/oracle/fatigue', { campaignId: id }),
  });
  // The server's count, as on the Predictions page: delivering ads fatigued now or due within 14 days.
  const soon = fatigue.data?.refreshSoon;
  const cur = totals.data?.currency ?? 'USD';
  const adMetrics = new Map((byAd.data?.rows ?? []).map((r) => [r.adId ?? '', r]));
  const fat = new Map((fatigue.data?.items ?? []).map((f) => [f.adId, f]));
  type Row = Ad & { m?: MetricsRow; f?: Fatigue };
  const rows: Row[] = (ads.data?.items ?? []).map((a) => ({
    ...a,
    m: adMetrics.get(a.id),
    f: fat.get(a.id),
  }));

  if (campaign.error) return <ErrorState error={campaign.error} />;
  const c = campaign.data;
  return (
    <>
      <PageHeader
        crumbs={
          c?.clientId ? (
            <>
              <Link to="/clients" className="hover:text-slate-900 hover:underline">
                Clients
              </Link>{' '}
              /{' '}
              <Link to={`/clients/${c.clientId}`} className="hover:text-slate-900 hover:underline">
                {names.get(c.clientId) ?? 'Client'}
              </Link>{' '}
              /
            </>
          ) : (
            <Link to="/campaigns" className="hover:text-slate-900 hover:underline">
              Campaigns
            </Link>
          )
        }
        title={c?.name ?? '…'}
        description={
          c &&
          `${platformName(c.platform)} · ${c.adAccountName ?? ''} · ${c.objective ? objectiveLabel(c.objective) : 'no objective'} · daily budget ${money(c.dailyBudgetMicros, c.currency)}${
            // The metrics below are in the organization's reporting currency; say so when the
            // account's differs, or "€62.00" sits beside "Spend $1,651" unexplained.
            totals.data && totals.data.currency !== c.currency
              ? ` (${c.currency}) · figures below converted to ${totals.data.currency}`
              : ''
          }`
        }
        actions={c && <StatusBadge status={c.status} />}
      />
      <MetricTiles data={totals.data} loading={totals.isPending} />
      <div className="mt-6 grid grid-cols-1 gap-6 xl:grid-cols-3">
        <DailyChartCard filter={{ campaignId: id }} className="xl:col-span-2" />
        <Card>
          <CardHeader title="Details" />
          {c ? (
            <div className="space-y-5 px-5 py-4">
              <dl className="grid grid-cols-2 gap-4 text-sm">
                <div>
                  <dt className="text-xs text-slate-500">Ad groups</dt>
                  <dd className="font-medium">{c.adGroupCount ?? '—'}</dd>
                </div>
                <div>
                  <dt className="text-xs text-slate-500">Ads</dt>
                  <dd className="font-medium">{c.adCount ?? '—'}</dd>
                </div>
                <div>
                  <dt className="text-xs text-slate-500">Currency</dt>
                  <dd className="font-medium">{c.currency}</dd>
                </div>
                <div data-testid="ads-to-refresh">
                  <dt className="text-xs text-slate-500">Ads to refresh</dt>
                  <dd
                    className="font-medium"
                    title={
                      soon
                        ? `Delivering ads fatigued now or with a refresh date within ${soon.withinDays} days`
                        : undefined
                    }
                  >
                    {fatigue.error ? (
                      '—'
                    ) : soon ? (
                      <>
                        {soon.count} {soon.count === 1 ? 'ad' : 'ads'}
                        {soon.until && soon.count > 0 && ` by ${date(soon.until)}`}
                        <span className="block text-xs font-normal text-slate-500">
                          {soon.fatiguedNow} fatigued now
                          {soon.count - soon.fatiguedNow > 0 &&
                            `, ${soon.count - soon.fatiguedNow} due within ${soon.withinDays} days`}
                        </span>
                      </>
                    ) : (
                      '…'
                    )}
                  </dd>
                </div>
              </dl>
              {can('campaigns:write') && (
                <div className="border-t border-slate-100 pt-4">
                  <p className="mb-2 text-xs font-medium text-slate-500">Propose a change</p>
                  <ProposeChange
                    target={{ campaignId: c.id }}
                    status={c.status}
                    budget={c.dailyBudgetMicros}
                    currency={c.currency}
                  />
                </div>
              )}
            </div>
          ) : (
            <LoadingState />
          )}
        </Card>
      </div>
      <Card className="mt-6">
        <CardHeader
          title="Ads"
          description="Last 30 days · fatigue from ORACLE"
          actions={
            <ExportCsv
              size="sm"
              from={period.from}
              to={period.to}
              params={{ groupBy: 'adGroup,ad', campaignId: id, sort: '-spendMicros' }}
              name={['ads', c?.clientId ? names.get(c.clientId) : undefined, c?.name ?? id]}
            />
          }
        />
        {ads.isPending ? (
          <LoadingState />
        ) : ads.error ? (
          <ErrorState error={ads.error} />
        ) : (
          <DataTable
            label="Ads"
            rows={rows}
            rowKey={(r) => r.id}
            onOpen={(r) => navigate(`/ads/${r.id}`)}
            filterText={(r) => `${r.name} ${r.creative.headline ?? ''} ${r.adGroupName ?? ''}`}
            filterPlaceholder="Filter ads…"
            initialSort={{ key: 'spend', dir: 'desc' }}
            columns={[
              {
                key: 'name',
                header: 'Ad',
                sortValue: (r) => r.name.toLowerCase(),
                render: (r) => (
                  <div className="max-w-80">
                    <p className="truncate font-medium text-slate-900" title={r.creative.headline ?? r.name}>
                      {r.creative.headline ?? r.name}
                    </p>
                    <p className="truncate text-xs text-slate-500 capitalize">
                      {r.creative.format}
                      {r.creative.callToAction
                        ? ` · ${r.creative.callToAction.replace(/_/g, ' ').toLowerCase()}`
                        : ''}
                    </p>
                  </div>
                ),
              },
              {
                key: 'status',
                header: 'Status',
                sortValue: (r) => r.status,
                render: (r) => <StatusBadge status={r.status} />,
              },
              {
                key: 'fatigue',
                header: 'Fatigue',
                sortValue: (r) => r.f?.p7,
                render: (r) => <FatigueBadge f={r.f} />,
              },
              {
                key: 'spend',
                header: `Spend (${byAd.data?.currency ?? cur})`,
                align: 'right',
                sortValue: (r) => r.m?.spendMicros ?? 0,
                render: (r) => money(r.m?.spendMicros ?? 0, byAd.data?.currency ?? cur),
              },
              {
                key: 'ctr',
                header: 'CTR',
                align: 'right',
                sortValue: (r) => r.m?.ctr,
                render: (r) => pct(r.m?.ctr, 2),
              },
              {
                key: 'conv',
                header: 'Conv.',
                align: 'right',
                sortValue: (r) => r.m?.conversions ?? 0,
                render: (r) => num(r.m?.conversions ?? 0),
              },
              {
                key: 'roas',
                header: 'ROAS',
                align: 'right',
                sortValue: (r) => r.m?.roas,
                render: (r) => ratio(r.m?.roas),
              },
            ]}
          />
        )}
      </Card>
    </>
  );
}
