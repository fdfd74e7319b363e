/** Clients: one row per client with the last 30 days' performance and churn risk. */
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { DataTable } from '../../components/DataTable.tsx';
import { Badge, Card, ErrorState, LoadingState, PageHeader, StatusBadge } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { money, num, ratio } from '../../lib/format.ts';
import { useClients, useMetrics } from '../../lib/hooks.ts';
import type { Client, MetricsRow } from '../../lib/types.ts';

interface Churn {
  items: Array<{ clientId: string; level: string; risk: number }>;
}

export function ClientsPage() {
  const navigate = useNavigate();
  const clients = useClients();
  const metrics = useMetrics({ groupBy: 'client' });
  const churn = useQuery({ queryKey: ['churn'], queryFn: () => api.get<Churn>('/api/v1/oracle/churn') });
  const byClient = new Map((metrics.data?.rows ?? []).map((r) => [r.clientId ?? '', r]));
  const risk = new Map((churn.data?.items ?? []).map((c) => [c.clientId, c]));
  const cur = metrics.data?.currency ?? 'USD';
  type Row = Client & { m?: MetricsRow };
  const rows: Row[] = (clients.data?.items ?? []).map((c) => ({ ...c, m: byClient.get(c.id) }));

  return (
    <>
      <PageHeader
        title="Clients"
        description={`Performance over the last 30 days in ${cur}, the reporting currency; monthly budgets in each client's own currency, not converted`}
      />
      <Card>
        {clients.isPending ? (
          <LoadingState rows={4} />
        ) : clients.error ? (
          <ErrorState error={clients.error} onRetry={() => clients.refetch()} />
        ) : (
          <DataTable
            label="Clients"
            rows={rows}
            rowKey={(r) => r.id}
            onOpen={(r) => navigate(`/clients/${r.id}`)}
            filterText={(r) => `${r.name} ${r.company ?? ''} ${r.email ?? ''}`}
            filterPlaceholder="Filter clients…"
            initialSort={{ key: 'spend', dir: 'desc' }}
            empty="No clients yet"
            columns={[
              {
                key: 'name',
                header: 'Client',
                sortValue: (r) => r.name.toLowerCase(),
                render: (r) => (
                  <div>
                    <p className="font-medium text-slate-900">{r.name}</p>
                    <p className="text-xs text-slate-500">{r.company ?? r.email}</p>
                  </div>
                ),
              },
              { key: 'status', header: 'Status', render: (r) => <StatusBadge status={r.status} /> },
              {
                key: 'budget',
                header: 'Monthly budget',
                headerTitle:
                  "In the client's own currency (not converted): the other figures are in the reporting currency",
                align: 'right',
                sortValue: (r) => r.monthlyBudgetMicros,
                // Its currency code beside the amount, so "€42,000" is not read as the spend's dollars.
                render: (r) => (
                  <span data-testid="client-budget" title={`Monthly budget in ${r.currency}, not converted`}>
                    {money(r.monthlyBudgetMicros, r.currency)}{' '}
                    <span className="text-xs text-slate-500">{r.currency}</span>
                  </span>
                ),
              },
              {
                key: 'spend',
                header: `Spend (${cur})`,
                align: 'right',
                sortValue: (r) => r.m?.spendMicros ?? 0,
                render: (r) => money(r.m?.spendMicros ?? 0, cur),
              },
              {
                key: 'revenue',
                header: `Revenue (${cur})`,
                align: 'right',
                sortValue: (r) => r.m?.conversionValueMicros ?? 0,
                render: (r) => money(r.m?.conversionValueMicros ?? 0, cur),
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
                header: 'Conversions',
                align: 'right',
                sortValue: (r) => r.m?.conversions ?? 0,
                render: (r) => num(r.m?.conversions ?? 0),
              },
              {
                key: 'risk',
                header: 'Churn risk',
                sortValue: (r) => risk.get(r.id)?.risk,
                render: (r) => {
                  const c = risk.get(r.id);
                  if (!c) return <span className="text-xs text-slate-400">—</span>;
                  return (
                    <Badge tone={c.level === 'high' ? 'red' : c.level === 'medium' ? 'amber' : 'green'}>
                      {c.level}
                    </Badge>
                  );
                },
              },
            ]}
          />
        )}
      </Card>
    </>
  );
}
