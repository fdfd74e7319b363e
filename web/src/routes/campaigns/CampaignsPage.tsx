/** Every campaign across clients and platforms, filterable by client, platform and status. */
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { ExportCsv } from '../../components/ExportCsv.tsx';
import { Card, ErrorState, LoadingState, PageHeader, PartialList, Select } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { platformName } from '../../lib/format.ts';
import { useClients, useMetrics, usePeriod } from '../../lib/hooks.ts';
import type { Campaign } from '../../lib/types.ts';
import { CampaignTable } from './CampaignTable.tsx';

export function CampaignsPage() {
  const [params, setParams] = useSearchParams();
  const clientId = params.get('clientId') ?? '';
  const platform = params.get('platform') ?? '';
  const status = params.get('status') ?? '';
  const clients = useClients();
  const campaigns = useQuery({
    queryKey: ['campaigns', { clientId, platform, status }],
    queryFn: () => api.getAll<Campaign>('/api/v1/campaigns', { clientId, platform, status }),
  });
  const metrics = useMetrics({
    groupBy: 'campaign',
    clientId: clientId || undefined,
    platform: platform || undefined,
  });
  const period = usePeriod(30);
  const names = new Map((clients.data?.items ?? []).map((c) => [c.id, c.name]));
  const set = (k: string, v: string) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v);
    else p.delete(k);
    setParams(p, { replace: true });
  };

  // The metrics the table shows, one line per campaign with its client and platform. The API filters
  // metrics by client and platform, not by status: with a status filter the file names the campaigns
  // the table shows (up to the API's 100 ids), and says so when there are more.
  // In the header: the toolbar's filters already fill its line at 1280 px.
  const shown = status ? (campaigns.data?.items ?? []).map((c) => c.id) : null;
  const exportCsv =
    shown && shown.length === 0 ? null : (
      <div className="flex flex-col items-end gap-1">
        <ExportCsv
          from={period.from}
          to={period.to}
          params={{
            groupBy: 'client,platform,campaign',
            clientId: clientId || undefined,
            platform: platform || undefined,
            campaignId: shown && shown.length <= 100 ? shown.join(',') : undefined,
            sort: '-spendMicros',
          }}
          name={['campaigns', clientId ? (names.get(clientId) ?? clientId) : 'all-clients', platform, status]}
        />
        {shown && shown.length > 100 && (
          <p className="text-xs text-slate-500">The file has campaigns of every status</p>
        )}
      </div>
    );

  const toolbar = (
    <>
      <Select
        aria-label="Client"
        value={clientId}
        onChange={(e) => set('clientId', e.target.value)}
        className="w-auto"
      >
        <option value="">All clients</option>
        {(clients.data?.items ?? []).map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </Select>
      <Select
        aria-label="Platform"
        value={platform}
        onChange={(e) => set('platform', e.target.value)}
        className="w-auto"
      >
        <option value="">All platforms</option>
        {['google_ads', 'meta', 'linkedin'].map((p) => (
          <option key={p} value={p}>
            {platformName(p)}
          </option>
        ))}
      </Select>
      <Select
        aria-label="Status"
        value={status}
        onChange={(e) => set('status', e.target.value)}
        className="w-auto"
      >
        <option value="">Any status</option>
        <option value="active">Active</option>
        <option value="paused">Paused</option>
      </Select>
    </>
  );

  return (
    <>
      <PageHeader
        title="Campaigns"
        description={`${platform ? platformName(platform) : 'All platforms'}${status ? ` · ${status}` : ''} · last 30 days, in the reporting currency`}
        actions={exportCsv}
      />
      <Card>
        {campaigns.isPending ? (
          <LoadingState rows={6} />
        ) : campaigns.error ? (
          <ErrorState error={campaigns.error} onRetry={() => campaigns.refetch()} />
        ) : (
          <CampaignTable
            campaigns={campaigns.data.items}
            metrics={metrics.data?.rows ?? []}
            currency={metrics.data?.currency ?? 'USD'}
            clientNames={names}
            toolbar={toolbar}
          />
        )}
        <PartialList page={campaigns.data} narrow="Choose a client or platform to see the rest." />
      </Card>
    </>
  );
}
