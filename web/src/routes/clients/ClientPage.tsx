/**
 * One client: KPIs, daily chart, churn reasons, its campaigns (drill down to a campaign) and the
 * people with access to its portal.
 */
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { DailyChartCard } from '../../components/DailyChartCard.tsx';
import { ExportCsv } from '../../components/ExportCsv.tsx';
import { MetricTiles } from '../../components/MetricTiles.tsx';
import {
  Badge,
  Card,
  CardHeader,
  ErrorState,
  LoadingState,
  PageHeader,
  StatusBadge,
} from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { money } from '../../lib/format.ts';
import { useMetrics, usePeriod } from '../../lib/hooks.ts';
import type { Campaign, Client } from '../../lib/types.ts';
import { CampaignTable } from '../campaigns/CampaignTable.tsx';
import { CustomerValue } from './CustomerValue.tsx';
import { PortalUsers } from './PortalUsers.tsx';

interface Churn {
  items: Array<{
    clientId: string;
    level: string;
    risk: number;
    reasons: Array<{ factor: string; status: string; detail: string }>;
  }>;
}

export function ClientPage() {
  const { id = '' } = useParams();
  const client = useQuery({
    queryKey: ['client', id],
    queryFn: () => api.get<Client>(`/api/v1/clients/${id}`),
  });
  const totals = useMetrics({ clientId: id }, 30, { compare: true });
  const byCampaign = useMetrics({ clientId: id, groupBy: 'campaign' });
  const period = usePeriod(30);
  const campaigns = useQuery({
    queryKey: ['campaigns', { clientId: id }],
    queryFn: () => api.getAll<Campaign>('/api/v1/campaigns', { clientId: id }),
  });
  const churn = useQuery({
    queryKey: ['churn', id],
    queryFn: () => api.get<Churn>('/api/v1/oracle/churn', { clientId: id }),
  });
  const cur = totals.data?.currency ?? 'USD';

  if (client.error) return <ErrorState error={client.error} />;
  const c = client.data;
  const risk = churn.data?.items[0];
  return (
    <>
      <PageHeader
        crumbs={
          <>
            <Link to="/clients" className="hover:text-slate-900 hover:underline">
              Clients
            </Link>{' '}
            /
          </>
        }
        title={c?.name ?? '…'}
        description={
          c
            ? `${c.company ?? ''}${c.company ? ' · ' : ''}monthly budget ${money(c.monthlyBudgetMicros, c.currency)}`
            : undefined
        }
        actions={c && <StatusBadge status={c.status} />}
      />
      <MetricTiles data={totals.data} loading={totals.isPending} />
      <div className="mt-6 grid grid-cols-1 gap-6 xl:grid-cols-3">
        <DailyChartCard filter={{ clientId: id }} className="xl:col-span-2" />
        <Card>
          <CardHeader
            title="Churn risk"
            description="Spend pacing and 4-week trends"
            actions={
              risk && (
                <Badge tone={risk.level === 'high' ? 'red' : risk.level === 'medium' ? 'amber' : 'green'}>
                  {risk.level}
                </Badge>
              )
            }
          />
          {churn.isPending ? (
            <LoadingState />
          ) : churn.error ? (
            <ErrorState error={churn.error} />
          ) : (
            <ul className="divide-y divide-slate-100">
              {(risk?.reasons ?? []).map((r) => (
                <li key={r.factor} className="flex items-start gap-2 px-5 py-3 text-sm">
                  <span
                    className={
                      r.status === 'risk'
                        ? 'mt-1.5 size-2 shrink-0 rounded-full bg-rose-500'
                        : 'mt-1.5 size-2 shrink-0 rounded-full bg-emerald-500'
                    }
                  />
                  <span className="text-slate-700">{r.detail}</span>
                </li>
              ))}
              {risk && risk.reasons.length === 0 && (
                <li className="px-5 py-3 text-sm text-slate-500">No risk factors.</li>
              )}
            </ul>
          )}
        </Card>
      </div>
      <Card className="mt-6">
        <CardHeader
          title="Campaigns"
          description="Last 30 days"
          actions={
            <ExportCsv
              size="sm"
              from={period.from}
              to={period.to}
              params={{ groupBy: 'platform,campaign', clientId: id, sort: '-spendMicros' }}
              name={['campaigns', c?.name ?? id]}
            />
          }
        />
        {campaigns.isPending ? (
          <LoadingState />
        ) : campaigns.error ? (
          <ErrorState error={campaigns.error} />
        ) : (
          <CampaignTable
            campaigns={campaigns.data.items}
            metrics={byCampaign.data?.rows ?? []}
            currency={byCampaign.data?.currency ?? cur}
          />
        )}
      </Card>
      {c && <CustomerValue clientId={c.id} />}
      {c && <PortalUsers client={c} />}
    </>
  );
}
