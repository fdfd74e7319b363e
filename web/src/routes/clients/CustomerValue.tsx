/**
 * Customer value of one client's CRM contacts (GET /api/v1/oracle/clv): BG/NBD and Gamma-Gamma fitted
 * on its won deals, with the expected purchases and value of the next 90 days in total and for the
 * contacts worth most. A client whose deals cannot support the models gets the API's reason.
 */
import { useQuery } from '@tanstack/react-query';
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
              <dd className="font-medium tabular">{num(d.totals.expectedPurchases, 1)}</dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Expected value</dt>
              <dd className="font-medium tabular">{money(d.totals.expectedValueMicros, d.currency)}</dd>
            </div>
          </dl>
          <div className="overflow-x-auto">
            <table className="min-w-full text-sm" aria-label="Most valuable contacts">
              <thead className="bg-slate-50/80 text-xs text-slate-500">
                <tr>
                  {[
                    'Contact',
                    'Purchases so far',
                    'Last purchase',
                    'Still buying',
                    'Expected purchases',
                    'Expected value',
                  ].map((h, i) => (
                    <th
                      key={h}
                      scope="col"
                      className={i ? 'px-3 py-2 text-right font-medium' : 'px-3 py-2 text-left font-medium'}
                    >
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 tabular">
                {d.contacts.map((c) => (
                  <tr key={c.contactExternalId}>
                    <td className="px-3 py-2 font-medium">{c.name ?? c.contactExternalId}</td>
                    <td className="px-3 py-2 text-right">{num(c.frequency + 1)}</td>
                    <td className="px-3 py-2 text-right">{date(c.lastPurchase)}</td>
                    <td className="px-3 py-2 text-right">{pct(c.probabilityAlive, 0)}</td>
                    <td className="px-3 py-2 text-right">{num(c.expectedPurchases, 2)}</td>
                    <td className="px-3 py-2 text-right">{money(c.expectedValueMicros, d.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
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
