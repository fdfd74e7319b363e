/**
 * Customer value of one client's CRM contacts (GET /api/v1/oracle/clv): BG/NBD and Gamma-Gamma fitted
 * on its won deals, with the expected purchases and value of the next 90 days in total and for the
 * contacts worth most. A client whose deals cannot support the models gets the API's reason.
 */
import { useQuery } from '@tanstack/react-query';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { Card, CardHeader, LoadingState, Notice } from '../../components/ui.tsx';
import { ApiError, api } from '../../lib/api.ts';
import { date, money, num, pct } from '../../lib/format.ts';

interface Clv {
  currency: string;
  horizonDays: number;
  data: { customers: number; repeatCustomers: number; transactions: number };
  totals: { contacts: number; expectedPurchases: number; expectedValueMicros: number | null };
  contacts: Array<{
    contactExternalId: string;
    name: string | null;
    frequency: number;
    lastPurchase: string;
    probabilityAlive: number;
    expectedPurchases: number;
    expectedValueMicros: number | null;
  }>;
  warnings: string[];
}

const HORIZON_DAYS = 90;

type Contact = Clv['contacts'][number];

const contactColumns = (currency: string): Column<Contact>[] => [
  { key: 'name', header: 'Contact', wrap: true, render: (c) => c.name ?? c.contactExternalId },
  { key: 'purchases', header: 'Purchase days', align: 'right', render: (c) => num(c.frequency + 1) },
  { key: 'last', header: 'Last purchase', align: 'right', render: (c) => date(c.lastPurchase) },
  { key: 'alive', header: 'Still buying', align: 'right', render: (c) => pct(c.probabilityAlive, 0) },
  {
    key: 'expected',
    header: 'Expected purchases',
    align: 'right',
    render: (c) => num(c.expectedPurchases, 2),
  },
  {
    key: 'value',
    header: 'Expected value',
    align: 'right',
    render: (c) => money(c.expectedValueMicros, currency),
  },
];

export function CustomerValue({ clientId }: { clientId: string }) {
  const clv = useQuery({
    queryKey: ['clv', clientId, HORIZON_DAYS],
    queryFn: () => api.get<Clv>('/api/v1/oracle/clv', { clientId, horizonDays: HORIZON_DAYS, limit: 5 }),
    // A refusal (too few repeat buyers, no CRM) is an answer, not a failure to retry.
    retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2,
  });
  const d = clv.data;
  return (
    <Card className="mt-6">
      <CardHeader
        title="Customer value"
        description={`Next ${HORIZON_DAYS} days, from the won deals in the CRM (BG/NBD and Gamma-Gamma)`}
      />
      {clv.isPending ? (
        <LoadingState />
      ) : clv.error ? (
        <div className="px-5 py-4 text-sm" data-testid="clv-unavailable">
          <Notice tone="amber">Not available for this client: {clv.error.message}</Notice>
        </div>
      ) : d ? (
        <div className="space-y-4 px-5 py-4" data-testid="clv">
          <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-4">
            <div>
              <dt className="text-xs text-slate-500">Customers</dt>
              <dd className="font-medium tabular">{num(d.data.customers)}</dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Bought more than once</dt>
              <dd className="font-medium tabular">
                {num(d.data.repeatCustomers)} (
                {pct(d.data.repeatCustomers / Math.max(1, d.data.customers), 0)})
              </dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Expected purchases</dt>
              <dd className="font-medium tabular" data-testid="clv-expected-purchases">
                {num(d.totals.expectedPurchases, 1)}
              </dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Expected value</dt>
              <dd className="font-medium tabular">{money(d.totals.expectedValueMicros, d.currency)}</dd>
            </div>
          </dl>
          <DataTable
            label="Most valuable contacts"
            rows={d.contacts}
            rowKey={(c) => c.contactExternalId}
            columns={contactColumns(d.currency)}
            empty="No contacts"
          />
          {d.warnings.map((w) => (
            <p key={w} className="text-xs text-slate-500">
              {w}
            </p>
          ))}
        </div>
      ) : null}
    </Card>
  );
}
