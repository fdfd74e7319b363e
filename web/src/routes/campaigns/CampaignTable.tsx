/** Campaigns with their period metrics; used on the Campaigns page and inside a client. */
import { useNavigate } from 'react-router';
import { DataTable } from '../../components/DataTable.tsx';
import { StatusBadge } from '../../components/ui.tsx';
import { money, num, pct, platformName, ratio } from '../../lib/format.ts';
import type { Campaign, MetricsRow } from '../../lib/types.ts';

export function CampaignTable({
  campaigns,
  metrics,
  currency,
  clientNames,
  toolbar,
}: {
  campaigns: Campaign[];
  metrics: MetricsRow[];
  currency: string;
  clientNames?: Map<string, string>;
  toolbar?: React.ReactNode;
}) {
  const navigate = useNavigate();
  const byId = new Map(metrics.map((m) => [m.campaignId ?? '', m]));
  type Row = Campaign & { m?: MetricsRow };
  const rows: Row[] = campaigns.map((c) => ({ ...c, m: byId.get(c.id) }));
  // Period figures come converted to the organization's reporting currency; a budget is in its ad
  // account's own currency. The headers say which is which, and budgets in several currencies sort
  // by currency first, then amount, rather than comparing pounds with yen.
  const budgetCurrencies = new Set(campaigns.map((c) => c.currency));
  const budgetsInOne = budgetCurrencies.size <= 1;
  const budgetCurrency = budgetsInOne ? (campaigns[0]?.currency ?? currency) : null;
  return (
    <DataTable
      label="Campaigns"
      rows={rows}
      rowKey={(r) => r.id}
      onOpen={(r) => navigate(`/campaigns/${r.id}`)}
      filterText={(r) => `${r.name} ${r.platform} ${clientNames?.get(r.clientId ?? '') ?? ''} ${r.status}`}
      filterPlaceholder="Filter campaigns…"
      initialSort={{ key: 'spend', dir: 'desc' }}
      toolbar={toolbar}
      empty="No campaigns"
      columns={[
        {
          key: 'name',
          header: 'Campaign',
          sortValue: (r) => r.name.toLowerCase(),
          render: (r) => (
            <div className="max-w-72">
              <p className="truncate font-medium text-slate-900" title={r.name}>
                {r.name}
              </p>
              <p className="truncate text-xs text-slate-500">
                {platformName(r.platform)}
                {clientNames ? ` · ${clientNames.get(r.clientId ?? '') ?? 'No client'}` : ''}
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
          key: 'budget',
          header: budgetCurrency ? `Budget/day (${budgetCurrency})` : 'Budget/day (own currency)',
          headerTitle: "In each ad account's own currency, as the platform holds it; not converted",
          align: 'right',
          sortValue: (r) =>
            budgetsInOne || r.dailyBudgetMicros === null
              ? r.dailyBudgetMicros
              : `${r.currency} ${String(r.dailyBudgetMicros).padStart(18, '0')}`,
          render: (r) => (
            <span title={`${r.currency}, the ad account's currency`}>
              {money(r.dailyBudgetMicros, r.currency)}
            </span>
          ),
        },
        {
          key: 'spend',
          header: `Spend (${currency})`,
          headerTitle: `Converted to ${currency}, the organization's reporting currency`,
          align: 'right',
          sortValue: (r) => r.m?.spendMicros ?? 0,
          render: (r) => money(r.m?.spendMicros ?? 0, currency),
        },
        {
          key: 'roas',
          header: 'ROAS',
          align: 'right',
          sortValue: (r) => r.m?.roas,
          render: (r) => ratio(r.m?.roas),
        },
        {
          key: 'conv',
          header: 'Conv.',
          align: 'right',
          sortValue: (r) => r.m?.conversions ?? 0,
          render: (r) => num(r.m?.conversions ?? 0),
        },
        {
          key: 'cpa',
          header: `CPA (${currency})`,
          headerTitle: `Cost per conversion in ${currency}, the organization's reporting currency`,
          align: 'right',
          sortValue: (r) => r.m?.cpaMicros,
          render: (r) => money(r.m?.cpaMicros, currency),
        },
        {
          key: 'ctr',
          header: 'CTR',
          align: 'right',
          sortValue: (r) => r.m?.ctr,
          render: (r) => pct(r.m?.ctr, 2),
        },
      ]}
    />
  );
}
